/**
 * The user summary card's view model (`cards/user-summary.json`): Defender's user page, in chat,
 * from what hunting/user-summary.ts gathers.
 */
import { ALERT_STATUS_WORDS, SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import { MAX_DAYS } from '../hunting/params.js';
import type { UserSummary } from '../hunting/user-summary.js';
import { IRM_USER_RISK_NOT_IN_DEFENDER, NOT_IN_DEFENDER, pluralS, whenText } from './common.js';
import { md, plain, type Markdown } from './markdown.js';

/** What the card says for a field Defender's identity data does not give. */
const NOT_IN_IDENTITY_DATA = md`Not in Defender's identity data`;

export interface UserSummaryCardData {
  userText: Markdown;
  /** Department, job title, manager, earlier incidents: who the person is, at the top. */
  personFacts: { title: string; value: Markdown }[];
  irmRiskText: Markdown;
  openCount: number;
  incidents: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; status: Markdown }[];
  sourceCount: number;
  sources: { source: Markdown; text: Markdown }[];
  behaviourCount: number;
  behaviours: { text: Markdown }[];
  noBehavioursText: Markdown;
  userUrl: string;
}

export function userSummaryCardData(summary: UserSummary): UserSummaryCardData {
  const identity = summary.identity;
  const known = (value: string | null | undefined) => (value ? plain(value) : NOT_IN_IDENTITY_DATA);
  return {
    userText: summary.displayName ? md`${plain(summary.displayName)} (${plain(summary.upn)})` : plain(summary.upn),
    // The manager is a person too: this card names them where, and only where, it names the person it is about.
    personFacts: [
      { title: 'Department', value: known(identity?.department) },
      { title: 'Job title', value: known(identity?.jobTitle) },
      { title: 'Manager', value: known(identity?.manager) },
      { title: 'Earlier incidents', value: earlierIncidentsText(summary.earlierIncidents) },
    ],
    irmRiskText: IRM_USER_RISK_NOT_IN_DEFENDER,
    openCount: summary.openIncidents.length,
    incidents: summary.openIncidents.map((a) => ({
      incidentId: a.incidentId ?? '',
      title: plain(a.title),
      severityWord: plain(SEVERITY_WORDS[a.severity]),
      severityColour: SEVERITY_COLOURS[a.severity],
      status: plain(ALERT_STATUS_WORDS[a.status]),
    })),
    sourceCount: summary.sources.length,
    sources: summary.sources.map((s) => ({
      source: plain(s.source.replace(/^Microsoft /, '')),
      text: md`${s.alerts} alert${pluralS(s.alerts)}, ${s.high} high severity${s.lastAlert ? md`; last ${whenText(s.lastAlert)}` : md``}`,
    })),
    behaviourCount: summary.behaviours.length,
    behaviours: summary.behaviours.map((b) => ({
      text: md`${Number.isNaN(Date.parse(b.when)) ? md`Unknown time` : whenText(b.when)} · ${plain(b.actionType)} · ${plain(b.description)} (${b.activityCount} activities)`,
    })),
    noBehavioursText: md`No anomalous behaviours in the last ${MAX_DAYS} days. ${NOT_IN_DEFENDER}`,
    userUrl: defenderUserUrl(summary.upn, summary.azureAdUserId),
  };
}

/** Closed incidents about the person, counted from what the bot has seen since it began watching. */
function earlierIncidentsText({ count, watchingSince }: UserSummary['earlierIncidents']): Markdown {
  const since = watchingSince ? md` since ${whenText(watchingSince)}` : md``;
  return count === 0 ? md`None seen${since}` : md`Seen in ${count} earlier incident${pluralS(count)} (resolved)${since}`;
}

/** The user's page in the Defender portal. */
export function defenderUserUrl(upn: string, azureAdUserId: string | null): string {
  const params = new URLSearchParams();
  if (azureAdUserId) params.set('aad', azureAdUserId);
  params.set('upn', upn);
  params.set('tab', 'overview');
  return `https://security.microsoft.com/user/?${params.toString()}`;
}
