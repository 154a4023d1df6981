/**
 * The digest card: when a poll brings more new incidents to one conversation than a card each
 * would comfortably show (and Teams would accept at once), one card sums them up: counts by
 * severity, the users with the most incidents, the newest few with an Open button each. The
 * install backlog (the incidents already open when the bot is added) is one too, whatever its
 * size: a newcomer gets the welcome and one card, not a run of old incidents.
 */
import { SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import type { Incident, Severity } from '../defender/model.js';
import { md, plain, type Markdown } from './markdown.js';
import { upnAtRisk } from '../defender/incidents.js';
import { userText, whenText, type Namer } from './common.js';

/** More new incidents than this for one conversation in one poll: a digest instead of a card each. */
export const DIGEST_THRESHOLD = 5;

export interface DigestCardData {
  heading: Markdown;
  headingColour: 'Attention' | 'Accent' | 'Default';
  intro: Markdown;
  severities: { word: Markdown; colour: string; count: Markdown }[];
  topUsers: { userText: Markdown; count: Markdown }[];
  hasMoreUsers: boolean;
  moreUsersText: Markdown;
  newest: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; userText: Markdown; created: Markdown }[];
  hasOlder: boolean;
  olderText: Markdown;
}

export interface DigestOptions {
  /** Incidents listed with an Open button (default 5). */
  newest?: number;
  /** Users listed by incident count (default 3). */
  topUsers?: number;
  /** How users are named (pseudonyms where others may look). */
  namer?: Namer;
  /** The threshold that led to the digest, for the card's words (default DIGEST_THRESHOLD). */
  threshold?: number;
  /** Why they are summed up: a burst of new ones (default), or the backlog open at install. */
  reason?: 'burst' | 'backlog';
}

/** Whether this many new incidents for one conversation call for a digest. */
export function shouldDigest(count: number, threshold: number = DIGEST_THRESHOLD): boolean {
  return count > threshold;
}

/** Most severe first; both "unknown" members read "Unknown" and count together. */
const SEVERITY_ORDER: readonly Severity[] = ['high', 'medium', 'low', 'informational', 'unknown'];
const severityGroup = (s: Severity): Severity => (s === 'unknownFutureValue' ? 'unknown' : s);

const plural = (n: number, one: string, many = `${one}s`): Markdown => plain(`${n} ${n === 1 ? one : many}`);

/** Same person, however the evidence spells the UPN; incidents without one are told apart by their user text. */
function userKey(incident: Incident): string {
  return upnAtRisk(incident)?.toLowerCase() ?? `text:${userText(incident)}`;
}

const newestFirst = (a: Incident, b: Incident) => b.createdDateTime.localeCompare(a.createdDateTime) || b.id.localeCompare(a.id, 'en', { numeric: true });

export function digestCardData(incidents: readonly Incident[], options: DigestOptions = {}): DigestCardData {
  const newestCount = Math.max(0, options.newest ?? 5);
  const topUserCount = Math.max(0, options.topUsers ?? 3);
  const threshold = options.threshold ?? DIGEST_THRESHOLD;
  const total = incidents.length;

  const bySeverity = new Map<Severity, number>();
  for (const incident of incidents) {
    const s = severityGroup(incident.severity);
    bySeverity.set(s, (bySeverity.get(s) ?? 0) + 1);
  }
  const severities = SEVERITY_ORDER.filter((s) => bySeverity.has(s)).map((s) => ({ word: plain(SEVERITY_WORDS[s]), colour: SEVERITY_COLOURS[s], count: md`${bySeverity.get(s) ?? 0}` }));
  const highest = SEVERITY_ORDER.find((s) => bySeverity.has(s)) ?? 'unknown';

  const users = new Map<string, { text: Markdown; count: number }>();
  for (const incident of incidents) {
    const key = userKey(incident);
    const entry = users.get(key);
    if (entry) entry.count++;
    else users.set(key, { text: userText(incident, options.namer), count: 1 });
  }
  const rankedUsers = [...users.values()].sort((a, b) => b.count - a.count || a.text.localeCompare(b.text));
  const topUsers = rankedUsers.slice(0, topUserCount);

  const newest = [...incidents].sort(newestFirst).slice(0, newestCount);

  const backlog = options.reason === 'backlog';
  return {
    heading: backlog ? plural(total, 'open insider-risk incident') : plural(total, 'new insider-risk incident'),
    headingColour: SEVERITY_COLOURS[highest],
    intro: backlog
      ? md`Already open when I was added here. New incidents get a card each.`
      : md`More than ${threshold} arrived at once, so they are summed up here instead of a card each.`,
    severities,
    topUsers: topUsers.map((u) => ({ userText: u.text, count: plural(u.count, 'incident') })),
    hasMoreUsers: rankedUsers.length > topUsers.length,
    moreUsersText: md`and ${plural(rankedUsers.length - topUsers.length, 'more user')}`,
    newest: newest.map((incident) => ({
      incidentId: incident.id,
      title: incident.displayName ? plain(incident.displayName) : md`Untitled incident`,
      severityWord: plain(SEVERITY_WORDS[incident.severity]),
      severityColour: SEVERITY_COLOURS[incident.severity],
      userText: userText(incident, options.namer),
      created: whenText(incident.createdDateTime),
    })),
    hasOlder: total > newest.length,
    olderText: md`The newest ${newest.length} of ${total}. Type **incidents** for the open ones, or open any incident by its id with **incident {id}**.`,
  };
}
