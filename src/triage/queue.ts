/**
 * The incident queue, the tab's and the chat's `incidents` list alike: the open Insider Risk
 * Management incidents, each with what the card shows (title, severity, person, the tools whose
 * alerts it groups, Defender and IRM status, when it started), filtered and ordered as the
 * analyst asks. Severity and status go to Graph in the one paged list; what Graph cannot filter
 * incidents by (an IRM alert, the person) is filtered here, and the order is made here (Graph
 * documents no ordering option for incidents).
 */
import { odataString } from '../defender/graph-client.js';
import { z } from 'zod';
import { INCIDENT_STATUS_WORDS, SEVERITY_WORDS, sourceWords } from '../defender/irm-mapping.js';
import { IRM_SOURCE, type Incident, type Severity } from '../defender/model.js';
import type { DefenderClient } from '../defender/graph-client.js';
import type { Namer } from '../cards/common.js';
import { firstActivityOf, incidentIrmStatus, incidentTitle, irmAlertsOf, personAtRisk, upnOf } from '../defender/incidents.js';

/** How many open incidents the queue reads (Graph lists the most recent first); beyond, narrower filters or the Defender portal. */
export const QUEUE_SCAN = 1000;

/** The statuses an open incident can be in, as the filter offers them. */
export const OPEN_STATUSES = ['active', 'inProgress', 'awaitingAction'] as const;
const SEVERITY_FILTER = ['high', 'medium', 'low', 'informational'] as const satisfies readonly Severity[];

const list = <T extends string>(values: readonly [T, ...T[]], name: string) =>
  z
    .string()
    .max(200)
    .optional()
    .transform((raw, ctx) => {
      if (!raw) return undefined;
      const picked = raw.split(',').map((v) => v.trim()).filter(Boolean);
      const unknown = picked.filter((v) => !(values as readonly string[]).includes(v));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be one or more of ${values.join(', ')} (got ${unknown.slice(0, 3).join(', ').slice(0, 60)})` });
        return z.NEVER;
      }
      return new Set(picked as T[]);
    });

/**
 * The orders a queue offers, the tab's and the chat's. `oldest`, the default, is a queue's: the
 * incidents nobody has picked up yet (New) first, the longest waiting at the top, then the ones
 * being worked, also oldest first. `newest`: the most recent start first, whatever the status.
 */
export const QUEUE_ORDERS = ['oldest', 'newest'] as const;
export type QueueOrder = (typeof QUEUE_ORDERS)[number];
export const QUEUE_ORDER_WORDS: Record<QueueOrder, string> = { oldest: 'Oldest New first', newest: 'Newest first' };

/** The comparison behind an order: by the incident's start (its first activity, the card's "Started"). */
export function queueOrder(order: QueueOrder): (a: Incident, b: Incident) => number {
  const byStart = (a: Incident, b: Incident) => firstActivityOf(a).localeCompare(firstActivityOf(b)) || a.id.localeCompare(b.id, undefined, { numeric: true });
  if (order === 'newest') return (a, b) => byStart(b, a);
  const waiting = (i: Incident) => (i.status === 'active' ? 0 : 1);
  return (a, b) => waiting(a) - waiting(b) || byStart(a, b);
}

export const queueQuerySchema = z
  .object({
    severity: list(SEVERITY_FILTER, 'severity'),
    status: list(OPEN_STATUSES, 'status'),
    user: z.string().trim().max(200, 'the user filter is longer than 200 characters').optional(),
    sort: z.enum(QUEUE_ORDERS, { message: `sort must be ${QUEUE_ORDERS.join(' or ')}` }).default('oldest'),
  })
  .strict();
export type QueueQuery = z.infer<typeof queueQuerySchema>;

export interface QueueItem {
  incidentId: string;
  /** The incident's lastUpdateDateTime: actions carry it back, as on the card. */
  version: string;
  title: string;
  severity: Severity;
  severityWord: string;
  user: string;
  status: string;
  defenderStatus: string;
  irmStatus: string;
  sources: { name: string; count: number; irm: boolean }[];
  /** When its activity began (firstActivityOf): the card's "Started", and what the age counts from. */
  startedDateTime: string;
  assignedTo: string | null;
  incidentUrl: string;
}

export interface Queue {
  items: QueueItem[];
  /** More incidents matched the severity and status filters than the queue reads (`scanned`, in the order asked). */
  truncated: boolean;
  scanned: number;
}

export function queueItem(incident: Incident, namer: Namer): QueueItem {
  const alerts = incident.alerts ?? [];
  const counts = new Map<string, { name: string; count: number; irm: boolean }>();
  for (const alert of alerts) {
    const name = sourceWords(alert.serviceSource);
    const entry = counts.get(name) ?? { name, count: 0, irm: alert.serviceSource === IRM_SOURCE };
    entry.count++;
    counts.set(name, entry);
  }
  const user = personAtRisk(incident);
  return {
    incidentId: incident.id,
    version: incident.lastUpdateDateTime,
    title: incidentTitle(incident),
    severity: incident.severity,
    severityWord: SEVERITY_WORDS[incident.severity],
    user: user ? namer(user) : 'Unknown user',
    status: incident.status,
    defenderStatus: INCIDENT_STATUS_WORDS[incident.status],
    irmStatus: incidentIrmStatus(incident),
    sources: [...counts.values()].sort((a, b) => Number(b.irm) - Number(a.irm) || b.count - a.count),
    startedDateTime: firstActivityOf(incident),
    assignedTo: incident.assignedTo ?? null,
    incidentUrl: incident.incidentWebUrl ?? `https://security.microsoft.com/incidents/${encodeURIComponent(incident.id)}`,
  };
}

function matchesUser(incident: Incident, needle: string): boolean {
  const user = personAtRisk(incident);
  if (!user) return false;
  const haystack = [user.displayName, upnOf(user)].filter(Boolean).join(' ').toLowerCase();
  return haystack.includes(needle.toLowerCase());
}

/** `(p eq 'a' or p eq 'b')`, or nothing for no choice. */
function anyOf(property: string, values: ReadonlySet<string> | undefined): string[] {
  return values && values.size > 0 ? [`(${[...values].map((v) => `${property} eq ${odataString(v)}`).join(' or ')})`] : [];
}

/**
 * The Graph list behind a queue: open incidents of the severities and statuses asked, in the order
 * asked. *List incidents* documents no ordering option (only `$count`, `$filter`, `$skip`, `$top`,
 * `$expand`; https://learn.microsoft.com/en-us/graph/api/security-list-incidents?view=graph-rest-1.0),
 * so the order is made here, over what was read.
 */
export async function listQueueIncidents(client: DefenderClient, query: QueueQuery): Promise<Incident[]> {
  const filter = ["status ne 'resolved'", "status ne 'redirected'", ...anyOf('severity', query.severity), ...anyOf('status', query.status)].join(' and ');
  const incidents = await client.listIncidents({ filter, top: 50, limit: QUEUE_SCAN });
  return incidents.sort(queueOrder(query.sort));
}

/** The queue from those incidents: the ones with an open IRM alert (as the chat's `incidents` counts them), and the person asked for. */
export function buildQueue(incidents: readonly Incident[], query: QueueQuery, namer: Namer): Queue {
  const items = incidents
    .filter((i) => irmAlertsOf(i).some((a) => a.status !== 'resolved') && (!query.user || matchesUser(i, query.user)))
    .map((i) => queueItem(i, namer));
  return { items, truncated: incidents.length >= QUEUE_SCAN, scanned: incidents.length };
}

export async function openQueue(client: DefenderClient, query: QueueQuery, namer: Namer): Promise<Queue> {
  return buildQueue(await listQueueIncidents(client, query), query, namer);
}

/**
 * Every open tab refreshes its queue each minute: the Graph list behind each filter is shared for
 * a few seconds, so ten analysts cost Defender's throttling budget what one does. A decision taken
 * through the tab clears it.
 */
export class QueueCache {
  private readonly entries = new Map<string, { at: number; incidents: Promise<Incident[]> }>();
  constructor(
    private readonly client: DefenderClient,
    private readonly ttlMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  list(query: QueueQuery): Promise<Incident[]> {
    const key = JSON.stringify([[...(query.severity ?? [])].sort(), [...(query.status ?? [])].sort(), query.sort]);
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.incidents;
    const incidents = listQueueIncidents(this.client, query);
    this.entries.set(key, { at: this.now(), incidents });
    incidents.catch(() => this.entries.delete(key));
    return incidents;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** For the filter controls: every value with its words. */
export const QUEUE_FILTERS = {
  severity: SEVERITY_FILTER.map((value) => ({ value, title: SEVERITY_WORDS[value] })),
  status: OPEN_STATUSES.map((value) => ({ value, title: INCIDENT_STATUS_WORDS[value] })),
  sort: QUEUE_ORDERS.map((value) => ({ value, title: QUEUE_ORDER_WORDS[value] })),
};
