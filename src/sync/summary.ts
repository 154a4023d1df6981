/**
 * The shift summary: open IRM incidents by age and severity, those left New past the reminder
 * bound, and what was resolved since the last summary, by how Insider Risk Management records it.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import { IRM_SOURCE, type Alert } from '../defender/model.js';
import { odataString } from '../defender/graph-client.js';
import { whenText } from '../cards/view-models.js';

const AGES = [
  { label: 'Under 1 hour', maxHours: 1 },
  { label: '1 to 24 hours', maxHours: 24 },
  { label: '1 to 7 days', maxHours: 24 * 7 },
  { label: 'Over 7 days', maxHours: Infinity },
] as const;
const SEVERITY_COLUMNS = ['high', 'medium', 'low', 'informational'] as const;
const SCAN = 2000;

export interface SummaryCardData {
  heading: string;
  period: string;
  openCount: number;
  header: string[];
  ageRows: { cells: string[] }[];
  overdueText: string;
  overdueColour: 'Attention' | 'Good';
  resolvedCount: number;
  /** FactSet values are text. */
  confirmed: string;
  dismissedFalse: string;
  dismissedInformational: string;
  dismissedUnclassified: string;
}

/** One alert per incident: the earliest IRM alert stands for the incident's age and status. */
function byIncident(alerts: readonly Alert[]): Alert[] {
  const first = new Map<string, Alert>();
  for (const alert of alerts) {
    if (!alert.incidentId) continue;
    const seen = first.get(alert.incidentId);
    if (!seen || alert.createdDateTime < seen.createdDateTime) first.set(alert.incidentId, alert);
  }
  return [...first.values()];
}

export async function shiftSummary(client: DefenderClient, options: { now: Date; since: string | null; remindAfterMinutes: number }): Promise<SummaryCardData> {
  const { now } = options;
  const since = options.since ?? new Date(now.getTime() - 24 * 3600_000).toISOString();
  const open = byIncident(await client.listOpenIrmAlerts(SCAN));
  const resolved = byIncident(
    await client.listAlerts({
      filter: `serviceSource eq ${odataString(IRM_SOURCE)} and status eq 'resolved' and lastUpdateDateTime ge ${since}`,
      top: 500,
      limit: SCAN,
    }),
  );

  const ageHours = (a: Alert) => (now.getTime() - Date.parse(a.createdDateTime)) / 3600_000;
  const ageRows = AGES.map((age, i) => {
    const minHours = i === 0 ? -Infinity : AGES[i - 1]!.maxHours;
    const inAge = open.filter((a) => ageHours(a) >= minHours && ageHours(a) < age.maxHours);
    return { cells: [age.label, ...SEVERITY_COLUMNS.map((s) => String(inAge.filter((a) => a.severity === s).length))] };
  });
  const overdue = open.filter((a) => a.status === 'new' && ageHours(a) * 60 >= options.remindAfterMinutes);
  const count = (c: string | null) => resolved.filter((a) => (a.classification ?? 'unknown') === c).length;
  return {
    heading: 'Insider risk shift summary',
    period: `Since ${whenText(since)}`,
    openCount: open.length,
    header: ['Age', 'High', 'Medium', 'Low', 'Informational'],
    ageRows,
    overdueText:
      overdue.length === 0
        ? 'Nothing left New past the reminder bound.'
        : `${overdue.length} still New after ${options.remindAfterMinutes} minutes: ${overdue
            .slice(0, 10)
            .map((a) => a.incidentId)
            .join(', ')}${overdue.length > 10 ? ', …' : ''}.`,
    overdueColour: overdue.length === 0 ? 'Good' : 'Attention',
    resolvedCount: resolved.length,
    confirmed: String(count('truePositive')),
    dismissedFalse: String(count('falsePositive')),
    dismissedInformational: String(count('informationalExpectedActivity')),
    dismissedUnclassified: String(resolved.length - count('truePositive') - count('falsePositive') - count('informationalExpectedActivity')),
  };
}
