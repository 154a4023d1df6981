/** What several card views share: how a time, a person and what Defender does not carry are put into words. */
import { personAtRisk, upnOf } from '../defender/incidents.js';
import type { Incident, UserAccount } from '../defender/model.js';
import { md, plain, trustedMarkdown, type Markdown } from './markdown.js';

/** Insider-risk data that stays in Purview and never reaches Defender XDR (so the bot cannot show it either): said where an analyst would look for it. */
export const NOT_IN_DEFENDER = md`Insider Risk Management alerts from custom detections, risky AI usage events, non-Microsoft app events, exfiltration by email, activity before the alert was generated, and events excluded by policy stay in the Microsoft Purview portal.`;

/**
 * Insider Risk Management in the Microsoft Purview portal. Microsoft describes the Users
 * dashboard, where each user's IRM risk score and level are (*Manage the workflow with the
 * insider risk management users dashboard*, https://learn.microsoft.com/en-us/purview/insider-risk-management-users),
 * but documents no address for it: this is the portal's entry to the solution, one click from it.
 */
export const PURVIEW_IRM_URL = 'https://purview.microsoft.com/insiderriskmgmt';

/** IRM's own view of a person (risk score, risk level) stays in Purview; Defender's IdentityInfo RiskLevel is Entra ID Protection's, not this. */
export const IRM_USER_RISK_NOT_IN_DEFENDER = md`Their Insider Risk Management risk score and risk level are not in Defender: see them on the Users page of [Insider Risk Management in Microsoft Purview](${trustedMarkdown(PURVIEW_IRM_URL)}).`;

/**
 * A date and time the Teams client renders in the reader's own time zone (its parentheses are
 * Teams', not escaped): Adaptive Cards' DATE() and TIME() (*Text features*, which wants the time
 * to the second, no fraction). `COMPACT` ("11/30/2026") for narrow table columns, `SHORT`
 * ("Mon, Nov 30, 2026") elsewhere.
 */
export function whenText(iso: string, date: 'SHORT' | 'COMPACT' = 'SHORT'): Markdown {
  const t = new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return trustedMarkdown(`{{DATE(${t}, ${date})}} {{TIME(${t})}}`);
}

/** "s" after a count other than one. */
export const pluralS = (n: number): Markdown => (n === 1 ? md`` : md`s`);

/** How the person at risk is named on a card: by name, or by a pseudonym where others may look. */
export type Namer = (user: UserAccount) => string;

export const byName: Namer = (user) => {
  const upn = upnOf(user);
  if (user.displayName && upn) return `${user.displayName} (${upn})`;
  return user.displayName ?? upn ?? 'Unknown user';
};

/** A person at risk as a card names them, or "Unknown user" (the namer's words are outside text: names from Graph). */
export function personText(user: UserAccount | null | undefined, namer: Namer = byName): Markdown {
  return user ? plain(namer(user)) : md`Unknown user`;
}

/** The incident's person at risk as a card names them. */
export function userText(incident: Incident, namer: Namer = byName): Markdown {
  return personText(personAtRisk(incident), namer);
}
