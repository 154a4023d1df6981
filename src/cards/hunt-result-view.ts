/**
 * The hunt result card's view model (`cards/hunt-result.json`): a hunting result as a card an
 * analyst can read in a chat window: the first rows that fit, the total, a way to see more from
 * the cached result, the KQL behind a toggle and a link that opens the same query in Defender's
 * Advanced hunting.
 */
import type { HuntingResult } from '../defender/graph-client.js';
import { advancedHuntingUrl, timeRangeFor } from '../hunting/advanced-hunting-link.js';
import type { CannedQuery, PreparedQuery } from '../hunting/canned-query.js';
import { NOT_IN_DEFENDER, pluralS, whenText } from './common.js';
import { joinMarkdown, md, plain, trustedMarkdown, type Markdown } from './markdown.js';

export const PAGE_ROWS = 10;
/** A Teams card holds about 28 KB: beyond this many rows, the full result is a link away. */
export const MAX_CARD_ROWS = 50;
const MAX_COLUMNS = 6;
const MAX_CELL_CHARS = 120;

/** What the card reads of a hunt's result (hunting/service.ts's HuntResult is one). */
export interface HuntOutcome {
  id: string;
  query: Pick<CannedQuery, 'name' | 'description'>;
  prepared: Pick<PreparedQuery, 'kql' | 'days' | 'values'>;
  columns: HuntingResult['schema'];
  rows: HuntingResult['results'];
  ranAt: string;
  /** Served from the kept results rather than a new Graph call. */
  cached: boolean;
}

/** Text fields are Markdown (see markdown.ts); `kql` lands in a TextRun, which reads no markdown. */
export interface HuntResultCardData {
  queryName: Markdown;
  description: Markdown;
  parameters: Markdown;
  timespanText: Markdown;
  rowsText: Markdown;
  ranText: Markdown;
  hasRows: boolean;
  emptyText: Markdown;
  columns: { name: Markdown; width: number }[];
  rows: { cells: { text: Markdown }[] }[];
  hasNote: boolean;
  note: Markdown;
  kql: string;
  canShowMore: boolean;
  resultId: string;
  nextShown: number;
  /** Absent where the KQL had to be pseudonymised: the link carries the query, names and all. */
  hasHuntingUrl: boolean;
  huntingUrl: string;
  /** Every row, sortable, with CSV: the tab's full view (a Teams dialog in Teams). */
  hasFullView: boolean;
  fullViewUrl: string;
}

/** One cell as text: dates shortened, objects as compact JSON, long values cut; escaped (file names, URLs, command lines). */
export function cellText(value: unknown): Markdown {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value) ? value.slice(0, 16).replace('T', ' ') : value;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  if (text.length > MAX_CELL_CHARS) text = `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
  return plain(text) || md` `;
}

/**
 * How a result reads where it is posted: as it ran (for the analyst who ran it), or with people
 * and devices pseudonymised (`Privacy.pseudonymiser`, for a shared conversation).
 */
export interface ResultLens {
  rows(rows: HuntOutcome['rows']): HuntOutcome['rows'];
  text(text: string): string;
}

export const AS_RUN: ResultLens = { rows: (rows) => rows, text: (text) => text };

export function huntResultCardData(result: HuntOutcome, shown = PAGE_ROWS, lens: ResultLens = AS_RUN, fullViewUrl: string | null = null): HuntResultCardData {
  const total = result.rows.length;
  const count = Math.max(0, Math.min(shown, total, MAX_CARD_ROWS));
  const columns = result.columns.slice(0, MAX_COLUMNS);
  const hidden = result.columns.length - columns.length;
  const days = result.prepared.days;
  const notes: Markdown[] = [];
  if (hidden > 0) notes.push(md`${hidden} more column${pluralS(hidden)} (${plain(result.columns.slice(MAX_COLUMNS).map((c) => c.name).join(', '))}) in Advanced hunting.`);
  if (count === MAX_CARD_ROWS && total > MAX_CARD_ROWS) notes.push(md`A card holds ${MAX_CARD_ROWS} rows: open Advanced hunting for all ${total}.`);
  if (result.cached) notes.push(md`From a result of the last few minutes (no new query was run).`);
  // The values are what someone typed (checked by the query's parameters, but `_` and the like pass).
  const parameters = Object.entries(result.prepared.values).map(([k, v]) => plain(lens.text(`${k}=${String(v)}`)));
  const kql = lens.text(result.prepared.kql);
  const kqlAsRun = kql === result.prepared.kql;
  if (!kqlAsRun) notes.push(md`Names in the KQL are pseudonyms here, so it has no Advanced hunting link: run the hunt in a personal chat for one.`);
  const shownRows = count === total ? md`all` : md`1–${count}`;
  return {
    // The catalogue's names and descriptions are the bot's own words.
    queryName: trustedMarkdown(result.query.name),
    description: trustedMarkdown(result.query.description),
    parameters: parameters.length > 0 ? joinMarkdown(parameters, ' · ') : md`defaults`,
    timespanText: md`last ${days} day${pluralS(days)}`,
    rowsText: total === 0 ? md`none` : md`${total}${total === 100_000 ? md` (Defender returns at most 100,000)` : md``}; showing ${shownRows}`,
    ranText: whenText(result.ranAt),
    hasRows: total > 0,
    emptyText: md`No rows matched in the last ${days} days. ${NOT_IN_DEFENDER}`,
    columns: columns.map((c) => ({ name: plain(c.name), width: 1 })),
    rows: lens.rows(result.rows.slice(0, count)).map((row) => ({ cells: columns.map((c) => ({ text: cellText(row[c.name]) })) })),
    hasNote: notes.length > 0,
    note: joinMarkdown(notes, ' '),
    kql,
    canShowMore: count < Math.min(total, MAX_CARD_ROWS),
    resultId: result.id,
    nextShown: count + PAGE_ROWS,
    hasHuntingUrl: kqlAsRun,
    huntingUrl: kqlAsRun ? advancedHuntingUrl(kql, timeRangeFor(days)) : '',
    hasFullView: fullViewUrl !== null && total > 0,
    fullViewUrl: fullViewUrl ?? '',
  };
}
