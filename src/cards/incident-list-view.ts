/**
 * The incident list card's view model (`cards/incident-list.json`): the open IRM incidents, newest
 * first, built from the open IRM alerts triage/incident-list.ts reads.
 */
import { ALERT_STATUS_WORDS, SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import { userAtRisk, type Alert } from '../defender/model.js';
import { NOT_IN_DEFENDER, personText, whenText, type Namer } from './common.js';
import { md, plain, type Markdown } from './markdown.js';

export const LIST_LIMIT = 15;

/** The severities a list can be narrowed to. */
export const LISTED_SEVERITIES = ['high', 'medium', 'low', 'informational'] as const;
export type ListedSeverity = (typeof LISTED_SEVERITIES)[number];

export interface IncidentListCardData {
  heading: Markdown;
  count: number;
  emptyText: Markdown;
  items: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; userText: Markdown; status: Markdown; started: Markdown }[];
  hasMore: boolean;
  moreText: Markdown;
}

/**
 * One item per incident (its first alert read stands for it), the newest LIST_LIMIT shown.
 * `capped`: the read stopped at its limit, so there may be more open incidents than counted.
 */
export function incidentListCardData(alerts: readonly Alert[], options: { namer?: Namer; capped?: boolean; severity?: ListedSeverity } = {}): IncidentListCardData {
  const byIncident = new Map<string, Alert>();
  for (const alert of alerts) {
    if (options.severity && alert.severity !== options.severity) continue;
    if (alert.incidentId && !byIncident.has(alert.incidentId)) byIncident.set(alert.incidentId, alert);
  }
  const which = options.severity ? md` ${plain(SEVERITY_WORDS[options.severity])} severity` : md``;
  const newest = [...byIncident.entries()].sort(([, a], [, b]) => b.createdDateTime.localeCompare(a.createdDateTime));
  const shown = newest.slice(0, LIST_LIMIT);
  return {
    heading: md`Open${which} insider risk incidents: ${newest.length}${options.capped ? md`+` : md``}`,
    count: newest.length,
    emptyText: md`No open${which} Insider Risk Management incidents in Microsoft Defender. ${NOT_IN_DEFENDER}`,
    items: shown.map(([incidentId, alert]) => ({
      incidentId,
      title: plain(alert.title),
      severityWord: plain(SEVERITY_WORDS[alert.severity]),
      severityColour: SEVERITY_COLOURS[alert.severity],
      userText: personText(userAtRisk([alert]), options.namer),
      status: plain(ALERT_STATUS_WORDS[alert.status]),
      started: whenText(alert.createdDateTime),
    })),
    hasMore: newest.length > shown.length,
    moreText: md`Showing the newest ${shown.length}. Open the Defender portal for the rest.`,
  };
}
