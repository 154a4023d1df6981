/**
 * The incident list card's view model (`cards/incident-list.json`): the queue the tab shows
 * (src/triage/queue.ts), in its words and order, drawn for chat. Title, start, severity and
 * statuses are the incident card's.
 */
import { SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import type { Severity } from '../defender/model.js';
import { ageText } from '../util/age.js';
import { NOT_IN_DEFENDER, whenText } from './common.js';
import { md, plain, type Markdown } from './markdown.js';

export const LIST_LIMIT = 15;

/** The severities a list can be narrowed to. */
export const LISTED_SEVERITIES = ['high', 'medium', 'low', 'informational'] as const;
export type ListedSeverity = (typeof LISTED_SEVERITIES)[number];

/** What the list shows of each incident: an item of the queue (triage/queue.ts builds them), as this card reads it. */
export interface ListedIncident {
  incidentId: string;
  title: string;
  severity: Severity;
  severityWord: string;
  user: string;
  defenderStatus: string;
  irmStatus: string;
  startedDateTime: string;
}

/** The queue's orders (triage/queue.ts QUEUE_ORDERS). */
type QueueOrder = 'oldest' | 'newest';

export interface IncidentListCardData {
  heading: Markdown;
  /** The order, in the tab's words. */
  orderText: Markdown;
  /** What the list was asked for ('' for any severity): its Open buttons carry them, so the list redrawn after a click is the same list. */
  listSeverity: ListedSeverity | '';
  listOrder: QueueOrder;
  count: number;
  emptyText: Markdown;
  items: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; userText: Markdown; status: Markdown; started: Markdown; age: Markdown }[];
  hasMore: boolean;
  moreText: Markdown;
}

const ORDER_TEXT: Record<QueueOrder, Markdown> = {
  oldest: md`Oldest New first: the incidents nobody has picked up yet, longest waiting at the top, then those in progress. \`incidents newest\` for the newest first.`,
  newest: md`Newest first, by when each started.`,
};

/**
 * The first LIST_LIMIT items of the queue, in its order. `now` is when the ages are counted from
 * (the card is a snapshot; the tab counts them live).
 */
export function incidentListCardData(queue: { items: readonly ListedIncident[]; truncated: boolean }, options: { severity?: ListedSeverity; order?: QueueOrder; now?: number } = {}): IncidentListCardData {
  const which = options.severity ? md` ${plain(SEVERITY_WORDS[options.severity])} severity` : md``;
  const shown = queue.items.slice(0, LIST_LIMIT);
  const now = options.now ?? Date.now();
  return {
    heading: md`Open${which} insider risk incidents: ${queue.items.length}${queue.truncated ? md`+` : md``}`,
    orderText: ORDER_TEXT[options.order ?? 'oldest'],
    listSeverity: options.severity ?? '',
    listOrder: options.order ?? 'oldest',
    count: queue.items.length,
    emptyText: md`No open${which} Insider Risk Management incidents in Microsoft Defender. ${NOT_IN_DEFENDER}`,
    items: shown.map((item) => ({
      incidentId: item.incidentId,
      title: plain(item.title),
      severityWord: plain(item.severityWord),
      severityColour: SEVERITY_COLOURS[item.severity],
      userText: plain(item.user),
      status: md`Defender: ${plain(item.defenderStatus)} · IRM: ${plain(item.irmStatus)}`,
      started: whenText(item.startedDateTime),
      age: plain(ageText(item.startedDateTime, now)),
    })),
    hasMore: queue.items.length > shown.length,
    moreText: md`Showing the first ${shown.length}. The Insider risk queue tab lists them all; the Defender portal has the rest.`,
  };
}
