/** Formatting and ordering of what the tab shows; no DOM, so it is tested under Node. */

/** The age wording is the chat list's too: one module says it. */
export { ageText } from '../../util/age.js';

/** "3 open insider risk incidents", "1 open insider risk incident matches these filters", and what was left unread. */
export function queueSummary(count: number, filtered: boolean, truncated: { scanned: number; oldest: boolean } | null): string {
  const what = `${count} open insider risk incident${count === 1 ? '' : 's'}${filtered ? (count === 1 ? ' matches these filters' : ' match these filters') : ''}`;
  if (!truncated) return what;
  return `${what}, among the ${truncated.oldest ? 'oldest' : 'newest'} ${truncated.scanned} incidents read: narrow the filters, or open the Defender portal for the rest`;
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Ascending order: numbers as numbers, ISO dates in time order, text with embedded numbers (file2 before file10); empty cells after values. */
export function compareCells(a: unknown, b: unknown): number {
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  if (empty(a) || empty(b)) return Number(empty(a)) - Number(empty(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true, sensitivity: 'base' });
}
