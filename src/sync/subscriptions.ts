/**
 * Who hears of which incident. Each conversation has a subscription: a minimum severity, and
 * optionally users and alert sources. Until someone changes it, channels and group chats hear of
 * Medium and above, personal chats of everything.
 */
import { isUpn } from '../util/upn.js';
import { SEVERITY_RANK, SEVERITY_WORDS, sourceWords } from '../defender/irm-mapping.js';
import { IRM_SOURCE, type Severity } from '../defender/model.js';
import { BadInputError } from '../errors.js';
import type { ConversationRecord, IncidentRecord, Subscription } from '../store/store.js';

export const SUBSCRIBABLE_SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;

/** What analysts type for a source, and the Graph service source it means. */
export const SOURCE_ALIASES: Record<string, string> = {
  irm: IRM_SOURCE,
  insiderrisk: IRM_SOURCE,
  mde: 'microsoftDefenderForEndpoint',
  endpoint: 'microsoftDefenderForEndpoint',
  entra: 'azureAdIdentityProtection',
  aad: 'azureAdIdentityProtection',
  identityprotection: 'azureAdIdentityProtection',
  dlp: 'dataLossPrevention',
};

export function defaultSubscription(kind: ConversationRecord['kind']): Subscription {
  return { minSeverity: kind === 'personal' ? 'informational' : 'medium', users: [], sources: [] };
}

/** The subscription in force, or null when the conversation unsubscribed. */
export function subscriptionOf(conversation: ConversationRecord): Subscription | null {
  if (conversation.subscription === null) return null;
  return conversation.subscription ?? defaultSubscription(conversation.kind);
}

export function wants(conversation: ConversationRecord, incident: IncidentRecord): boolean {
  const subscription = subscriptionOf(conversation);
  if (!subscription) return false;
  if ((SEVERITY_RANK[incident.severity as Severity] ?? 0) < SEVERITY_RANK[subscription.minSeverity]) return false;
  if (subscription.users.length > 0 && !subscription.users.includes((incident.userUpn ?? '').toLowerCase())) return false;
  if (subscription.sources.length > 0 && !subscription.sources.some((s) => (incident.sources ?? []).includes(s))) return false;
  return true;
}

/** `severity>=medium user=a@b.com,c@d.com source=dlp,mde` → a subscription. */
export function parseSubscription(args: readonly string[]): Subscription {
  const subscription: Subscription = { minSeverity: 'informational', users: [], sources: [] };
  for (const arg of args) {
    const match = /^(severity|user|users|source|sources)\s*(>=|=)\s*(.+)$/i.exec(arg);
    if (!match) {
      throw new BadInputError('I expected filters such as `severity>=medium`, `user=adele.vance@contoso.com` or `source=dlp` (sources: irm, mde, entra, dlp).');
    }
    const key = match[1]!;
    const value = match[3]!;
    const values = value.split(',').map((v) => v.trim()).filter(Boolean);
    if (key.toLowerCase() === 'severity') {
      const severity = SUBSCRIBABLE_SEVERITIES.find((s) => s === value.toLowerCase());
      if (!severity) throw new BadInputError('severity must be informational, low, medium or high, for example `severity>=medium`.');
      subscription.minSeverity = severity;
    } else if (key.toLowerCase().startsWith('user')) {
      for (const upn of values) if (!isUpn(upn)) throw new BadInputError('user must be a user principal name such as adele.vance@contoso.com.');
      subscription.users.push(...values.map((v) => v.toLowerCase()));
    } else {
      for (const alias of values) {
        const source = SOURCE_ALIASES[alias.toLowerCase().replace(/[\s_-]/g, '')];
        if (!source) throw new BadInputError(`source must be one of irm, mde, entra or dlp (Insider Risk Management, Defender for Endpoint, Entra ID Protection, Data Loss Prevention).`);
        if (!subscription.sources.includes(source)) subscription.sources.push(source);
      }
    }
  }
  return subscription;
}

/**
 * The subscription in words. `nameUser` names each user filter as the conversation may see it
 * (Privacy: a pseudonym in a channel, or anyone there learns whom its cards are about).
 */
export function describeSubscription(subscription: Subscription | null, nameUser: (upn: string) => string): string {
  if (!subscription) return 'This conversation is unsubscribed: no incident cards are posted here. Type `subscribe` to hear of them again.';
  const parts = [`${SEVERITY_WORDS[subscription.minSeverity]} severity and above`];
  if (subscription.users.length) parts.push(`about ${subscription.users.map(nameUser).join(', ')}`);
  if (subscription.sources.length) parts.push(`grouping an alert from ${subscription.sources.map(sourceWords).join(' or ')}`);
  return `New insider-risk incidents posted here: ${parts.join(', ')}.`;
}
