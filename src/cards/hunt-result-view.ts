/**
 * The hunt result card's view model (`cards/hunt-result.json`): a hunting result as a card an
 * analyst can read in a chat window: the first rows that fit, the total, a way to see more from
 * the cached result, the KQL behind a toggle and a link that opens the same query in Defender's
 * Advanced hunting.
 */
import type { HuntingResult } from '../defender/graph-client.js';
import { advancedHuntingUrl, timeRangeFor } from '../hunting/advanced-hunting-link.js';
import type { CannedQuery, CardColumn, PreparedQuery } from '../hunting/canned-query.js';
import { NOT_IN_DEFENDER, pluralS, whenText } from './common.js';
import { cellText, columnWidth } from './hunt-cells.js';
import { joinMarkdown, md, plain, trustedMarkdown, type Markdown } from './markdown.js';

export const PAGE_ROWS = 10;
/** A Teams card holds about 28 KB: beyond this many rows, the full result is a link away. */
export const MAX_CARD_ROWS = 50;
/** A result whose chosen columns are all missing (a changed schema) shows its first few as they are. */
const FALLBACK_COLUMNS = 3;

/** What the card reads of a hunt's result (hunting/service.ts's HuntResult is one). */
export interface HuntOutcome {
  id: string;
  query: Pick<CannedQuery, 'name' | 'description' | 'card'>;
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
  /** A weight, or `"{n}px"` for a column whose values have a known width (see hunt-cells.ts). */
  columns: { name: Markdown; width: number | string }[];
  rows: { cells: { text: Markdown }[] }[];
  /** The card shows times in the reader's zone (DATE/TIME): it says so where a column holds one. */
  hasTimes: boolean;
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
  const columns = shownColumns(result);
  const shownNames = new Set(columns.flatMap((c) => sources(c)));
  const hidden = result.columns.filter((c) => !shownNames.has(c.name)).map((c) => c.name);
  const days = result.prepared.days;
  const notes: Markdown[] = [];
  const everyColumn = fullViewUrl !== null && total > 0 ? md`Show all` : md`Advanced hunting`;
  if (hidden.length > 0) notes.push(md`${hidden.length} more column${pluralS(hidden.length)} (${plain(hidden.join(', '))}) in ${everyColumn}.`);
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
    columns: columns.map((c) => ({ name: plain(c.header), width: columnWidth(c) })),
    rows: lens.rows(result.rows.slice(0, count)).map((row) => ({ cells: columns.map((c) => ({ text: cellText(valueOf(row, c), c.kind) })) })),
    hasTimes: total > 0 && columns.some((c) => c.kind === 'time'),
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

const sources = (column: CardColumn): readonly string[] => (typeof column.from === 'string' ? [column.from] : column.from);

/** The query's chosen columns that the result has; if it has none of them, its first few as they come. */
function shownColumns(result: HuntOutcome): CardColumn[] {
  const present = new Set(result.columns.map((c) => c.name));
  const chosen = result.query.card.filter((c) => sources(c).some((name) => present.has(name)));
  if (chosen.length > 0) return chosen;
  return result.columns.slice(0, FALLBACK_COLUMNS).map((c) => ({ header: c.name, from: c.name, kind: 'text' }));
}

/** The column's value in a row: with several sources, the first that has one. */
function valueOf(row: HuntOutcome['rows'][number], column: CardColumn): unknown {
  for (const name of sources(column)) {
    const value = row[name];
    if (value !== null && value !== undefined && value !== '') return value;
  }
  return undefined;
}
