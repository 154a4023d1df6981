/**
 * The shift summary: open IRM incidents by age and severity, those left New past the reminder
 * bound, and what was resolved since the last summary, by how Insider Risk Management records it.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import { IRM_SOURCE, type Alert } from '../defender/model.js';
import { odataString } from '../defender/graph-client.js';
import { md, plain } from '../cards/markdown.js';
import type { SummaryCardData } from '../cards/summary-view.js';

export type { SummaryCardData } from '../cards/summary-view.js';
import { whenText } from '../cards/common.js';

const AGES = [
  { label: 'Under 1 hour', maxHours: 1 },
  { label: '1 to 24 hours', maxHours: 24 },
  { label: '1 to 7 days', maxHours: 24 * 7 },
  { label: 'Over 7 days', maxHours: Infinity },
] as const;
const SEVERITY_COLUMNS = ['high', 'medium', 'low', 'informational'] as const;
const SCAN = 2000;
/** Open buttons for incidents left New: Microsoft's card guidance allows up to six actions. */
const OPEN_BUTTONS = 5;

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
    return { cells: [plain(age.label), ...SEVERITY_COLUMNS.map((s) => md`${inAge.filter((a) => a.severity === s).length}`)] };
  });
  const overdue = open.filter((a) => a.status === 'new' && ageHours(a) * 60 >= options.remindAfterMinutes);
  const count = (c: string | null) => resolved.filter((a) => (a.classification ?? 'unknown') === c).length;
  const overdueIds = plain(
    overdue
      .slice(0, 10)
      .map((a) => a.incidentId)
      .join(', '),
  );
  return {
    heading: md`Insider risk shift summary`,
    period: md`Since ${whenText(since)}`,
    openCount: open.length,
    header: [md`Age`, md`High`, md`Medium`, md`Low`, md`Informational`],
    ageRows,
    overdueText:
      overdue.length === 0
        ? md`Nothing left New past the reminder bound.`
        : md`${overdue.length} still New after ${options.remindAfterMinutes} minutes: ${overdueIds}${overdue.length > 10 ? md`, …` : md``}.`,
    overdueColour: overdue.length === 0 ? 'Good' : 'Attention',
    hasOverdueOpen: overdue.length > 0,
    overdueOpen: [...overdue].sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime)).slice(0, OPEN_BUTTONS).flatMap((a) => (a.incidentId ? [{ incidentId: a.incidentId }] : [])),
    resolvedCount: resolved.length,
    confirmed: md`${count('truePositive')}`,
    dismissedFalse: md`${count('falsePositive')}`,
    dismissedInformational: md`${count('informationalExpectedActivity')}`,
    dismissedUnclassified: md`${resolved.length - count('truePositive') - count('falsePositive') - count('informationalExpectedActivity')}`,
  };
}
