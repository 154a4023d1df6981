/**
 * How a hunting value reads in a card's table cell, and how wide its column is. Advanced hunting
 * answers raw values (bytes, ActionType identifiers, `dynamic` lists and objects, UTC times); a
 * card is read in a chat, often on a phone, so each becomes words: "1.2 MB", "File copied to
 * removable media", "Departing users, Data theft", "Yes", and times in the reader's own zone.
 */
import type { CardColumn, CardColumnKind } from '../hunting/canned-query.js';
import { whenText } from './common.js';
import { md, plain, trustedMarkdown, type Markdown } from './markdown.js';

const MAX_CELL_CHARS = 120;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Column widths by content. Teams mobile does not scroll a card sideways (*Designing Adaptive
 * Cards for your Teams app*: "Teams mobile also doesn't support horizontal scrolling like Teams
 * desktop"), so the columns share the width of a phone. Those whose values have a known width
 * (a date, a number, a size, yes or no, activity words such as "exfiltration") get that width in
 * pixels, enough for the longer of the value (or its longest word) and the header in the card's
 * small text; the rest (file names, titles, lists) share what is left.
 */
const FIXED_CHARS: Partial<Record<CardColumnKind, number>> = { time: 10, count: 5, size: 7, flag: 3, activity: 12 };
const WEIGHT: Record<CardColumnKind, number> = { time: 1, count: 1, size: 1, flag: 1, activity: 1, text: 1, list: 1 };
/** About the widest a character of the table's small text is, bold (headers) and regular (values), in Segoe UI and the wider fallbacks. */
const HEADER_PX_PER_CHAR = 8;
const VALUE_PX_PER_CHAR = 7;
/** A pixel width is the cell's, padding included (8 px a side in Teams' host config). */
const CELL_PADDING_PX = 16;

export function columnWidth(column: Pick<CardColumn, 'header' | 'kind'>): number | string {
  const chars = FIXED_CHARS[column.kind];
  if (chars === undefined) return WEIGHT[column.kind];
  return `${Math.max(HEADER_PX_PER_CHAR * column.header.length, VALUE_PX_PER_CHAR * chars) + CELL_PADDING_PX}px`;
}

/** One cell as a card shows it, escaped (file names, titles and URLs are outside text). */
export function cellText(value: unknown, kind: CardColumnKind = 'text'): Markdown {
  const parsed = structured(value);
  if (parsed === null || parsed === undefined || parsed === '') return md` `;
  if (typeof parsed === 'string' && ISO_TIME.test(parsed) && !Number.isNaN(Date.parse(parsed))) return whenText(parsed, 'COMPACT');
  // Numbers the bot writes itself (plain() would escape "1.2 GB" as if it began a list).
  if (kind === 'size' && isNumeric(parsed)) return trustedMarkdown(bytesText(Number(parsed)));
  if (kind === 'count' && isNumeric(parsed)) return trustedMarkdown(Number(parsed).toLocaleString('en-US'));
  let text = listText(parsed, kind === 'activity' ? activityWords : (s) => s);
  if (text.length > MAX_CELL_CHARS) text = `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
  return plain(text) || md` `;
}

/** `dynamic` values arrive as JSON or as JSON inside a string (AlertEvidence's AdditionalFields, Categories). */
function structured(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!/^[[{]/.test(text)) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

const isNumeric = (value: unknown): boolean => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));

/** Binary units, as Windows shows a file's size (where an analyst will look the file up). */
function bytesText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let size = bytes;
  let unit = 0;
  while (Math.abs(size) >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  const shown = unit === 0 || Math.abs(size) >= 10 ? Math.round(size).toString() : size.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

/** `FileCopiedToRemovableMedia` → "File copied to removable media"; already spaced text is left alone. */
export function activityWords(identifier: string): string {
  if (/\s/.test(identifier) || !/^[A-Za-z0-9]+$/.test(identifier)) return identifier;
  const words = identifier.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g);
  if (!words) return identifier;
  return words.map((w, i) => (i === 0 ? w : /^[A-Z][a-z]/.test(w) ? w.toLowerCase() : w)).join(' ');
}

/** The key that names an object, where there is an obvious one (PolicyName, SensitiveInfoTypeName, DisplayName, …). */
function nameOf(object: Record<string, unknown>): string | undefined {
  const key = Object.keys(object).find((k) => k === 'Name' || k.endsWith('Name'));
  const name = key === undefined ? undefined : object[key];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Lists as "a, b, c"; an object by its name, else as "Key: value" pairs; yes and no as words. */
function listText(value: unknown, word: (s: string) => string): string {
  if (Array.isArray(value)) return value.map((item) => listText(item, word)).filter((s) => s !== '').join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') return /^(true|false)$/i.test(value) ? (value.toLowerCase() === 'true' ? 'Yes' : 'No') : word(value);
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const name = nameOf(object);
    if (name !== undefined) return word(name);
    return Object.entries(object)
      .filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ');
  }
  return String(value);
}
