/**
 * What changed in an incident since the bot last saw it, told the way an analyst would say it:
 * "Resolved as False positive by portal.analyst@contoso.com in the Defender portal, 10:42".
 * Markdown, kept in the store and shown on the card as it is: who changed what, and to whom it
 * was assigned, are escaped here.
 */
import { joinMarkdown, md, plain, trustedMarkdown, type Markdown } from '../cards/markdown.js';
import { whenText } from '../cards/common.js';
import { CLASSIFICATION_WORDS, SEVERITY_WORDS, sourceWords } from '../defender/irm-mapping.js';
import type { Classification, Incident, Severity } from '../defender/model.js';
import type { IncidentRecord } from '../store/store.js';

export function describeChange(before: IncidentRecord, after: Incident): Markdown | null {
  const alerts = after.alerts ?? [];
  const parts: Markdown[] = [];
  const classification = (c: string | null) => plain(CLASSIFICATION_WORDS[(c ?? 'unknown') as Classification] ?? c ?? '');

  if (after.status !== before.status) {
    if (after.status === 'resolved') {
      const c = after.classification && after.classification !== 'unknown' ? md` as ${classification(after.classification)}` : md` without a classification (Dismissed in Insider Risk Management)`;
      parts.push(md`Resolved${c}`);
    } else if (after.status === 'inProgress') parts.push(before.status === 'resolved' ? md`Reopened, in progress` : md`Investigation started`);
    else if (after.status === 'redirected') parts.push(md`Merged into another incident`);
    else if (before.status === 'resolved') parts.push(md`Reopened`);
    else parts.push(md`Status set to ${plain(after.status)}`);
  } else if ((after.classification ?? null) !== (before.classification ?? null) && after.classification && after.classification !== 'unknown') {
    parts.push(md`Classified as ${classification(after.classification)}`);
  }
  if ((after.assignedTo ?? null) !== (before.assignedTo ?? null)) parts.push(after.assignedTo ? md`assigned to ${plain(after.assignedTo)}` : md`unassigned`);
  if (after.severity !== before.severity) parts.push(md`severity changed to ${plain(SEVERITY_WORDS[after.severity as Severity] ?? after.severity)}`);
  const added = alerts.length - (before.alertCount ?? alerts.length);
  if (added > 0) {
    const newest = [...alerts].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)).slice(0, added);
    const sources = plain([...new Set(newest.map((a) => sourceWords(a.serviceSource)))].join(', '));
    parts.push(md`${added} new alert${added === 1 ? md`` : md`s`} grouped in (${sources})`);
  }
  if (parts.length === 0) return null;
  const text = joinMarkdown(parts, '; ');
  // Every part starts with a word of ours, so upper-casing the first letter changes no escape.
  const sentence = trustedMarkdown(`${text[0]!.toUpperCase()}${text.slice(1)}`);
  const who = after.lastModifiedBy ? md` by ${plain(after.lastModifiedBy)}` : md``;
  return md`${sentence}${who} in the Defender portal, ${whenText(after.lastUpdateDateTime)}`;
}
