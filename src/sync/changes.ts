/**
 * What changed in an incident since the bot last saw it, told the way an analyst would say it:
 * "Resolved as False positive by portal.analyst@contoso.com in the Defender portal, 10:42".
 */
import { whenText } from '../cards/view-models.js';
import { CLASSIFICATION_WORDS, SEVERITY_WORDS, sourceWords } from '../defender/irm-mapping.js';
import type { Classification, Incident, Severity } from '../defender/model.js';
import type { IncidentRecord } from '../store/store.js';

export function describeChange(before: IncidentRecord, after: Incident): string | null {
  const alerts = after.alerts ?? [];
  const parts: string[] = [];
  const classification = (c: string | null) => CLASSIFICATION_WORDS[(c ?? 'unknown') as Classification] ?? c;

  if (after.status !== before.status) {
    if (after.status === 'resolved') {
      const c = after.classification && after.classification !== 'unknown' ? ` as ${classification(after.classification)}` : ' without a classification (Dismissed in Insider Risk Management)';
      parts.push(`Resolved${c}`);
    } else if (after.status === 'inProgress') parts.push(before.status === 'resolved' ? 'Reopened, in progress' : 'Investigation started');
    else if (after.status === 'redirected') parts.push('Merged into another incident');
    else if (before.status === 'resolved') parts.push('Reopened');
    else parts.push(`Status set to ${after.status}`);
  } else if ((after.classification ?? null) !== (before.classification ?? null) && after.classification && after.classification !== 'unknown') {
    parts.push(`Classified as ${classification(after.classification)}`);
  }
  if ((after.assignedTo ?? null) !== (before.assignedTo ?? null)) parts.push(after.assignedTo ? `assigned to ${after.assignedTo}` : 'unassigned');
  if (after.severity !== before.severity) parts.push(`severity changed to ${SEVERITY_WORDS[after.severity as Severity] ?? after.severity}`);
  const added = alerts.length - (before.alertCount ?? alerts.length);
  if (added > 0) {
    const newest = [...alerts].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)).slice(0, added);
    const sources = [...new Set(newest.map((a) => sourceWords(a.serviceSource)))].join(', ');
    parts.push(`${added} new alert${added === 1 ? '' : 's'} grouped in (${sources})`);
  }
  if (parts.length === 0) return null;
  const text = parts.join('; ');
  const who = after.lastModifiedBy ? ` by ${after.lastModifiedBy}` : '';
  return `${text[0]!.toUpperCase()}${text.slice(1)}${who} in the Defender portal, ${whenText(after.lastUpdateDateTime)}`;
}
