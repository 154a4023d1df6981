/**
 * A hunting result as a card an analyst can read in a chat window: the first rows that fit,
 * the total, a way to see more from the cached result, the KQL behind a toggle and a link that
 * opens the same query in Defender's Advanced hunting.
 */
import { advancedHuntingUrl, timeRangeFor } from '../hunting/advanced-hunting-link.js';
import type { CannedQuery } from '../hunting/canned-query.js';
import { MAX_DAYS } from '../hunting/params.js';
import type { HuntResult } from '../hunting/service.js';
import { defenderUserUrl, type UserSummary } from '../hunting/user-summary.js';
import { ALERT_STATUS_WORDS, SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import { joinMarkdown, md, plain, trustedMarkdown, type Markdown } from './markdown.js';
import { NOT_IN_DEFENDER, whenText } from './common.js';

export const PAGE_ROWS = 10;
/** A Teams card holds about 28 KB: beyond this many rows, the full result is a link away. */
export const MAX_CARD_ROWS = 50;
const MAX_COLUMNS = 6;
const MAX_CELL_CHARS = 120;

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
  rows(rows: HuntResult['rows']): HuntResult['rows'];
  text(text: string): string;
}

export const AS_RUN: ResultLens = { rows: (rows) => rows, text: (text) => text };

const pluralS = (n: number): Markdown => (n === 1 ? md`` : md`s`);

export function huntResultCardData(result: HuntResult, shown = PAGE_ROWS, lens: ResultLens = AS_RUN, fullViewUrl: string | null = null): HuntResultCardData {
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

/** Everything here is the query catalogue's own words and markdown (code spans in the intro). */
export interface HuntHelpCardData {
  heading: Markdown;
  intro: Markdown;
  queries: { name: Markdown; description: Markdown; tables: Markdown; params: { name: Markdown; text: Markdown }[]; example: Markdown }[];
}

export function huntHelpCardData(queries: readonly CannedQuery[], single = false): HuntHelpCardData {
  return {
    heading: single && queries[0] ? md`hunt ${trustedMarkdown(queries[0].name)}` : md`Hunting queries`,
    intro: md`Run one with \`hunt {query} name=value …\` (quote values with spaces). Results cover at most the last ${MAX_DAYS} days, as Defender keeps them.`,
    queries: queries.map((q) => ({
      name: trustedMarkdown(q.name),
      description: trustedMarkdown(q.description),
      tables: trustedMarkdown(q.tables.join(', ')),
      params: q.params.map((p) => ({
        name: trustedMarkdown(p.name),
        text: trustedMarkdown(`${p.description}${p.required ? ' (required)' : p.default !== undefined ? ` (default ${p.default})` : ' (optional)'}`),
      })),
      example: trustedMarkdown(q.example),
    })),
  };
}

export interface UserSummaryCardData {
  userText: Markdown;
  openCount: number;
  incidents: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; status: Markdown }[];
  sourceCount: number;
  sources: { source: Markdown; text: Markdown }[];
  behaviourCount: number;
  behaviours: { text: Markdown }[];
  noBehavioursText: Markdown;
  userUrl: string;
}

export function userSummaryCardData(summary: UserSummary): UserSummaryCardData {
  return {
    userText: summary.displayName ? md`${plain(summary.displayName)} (${plain(summary.upn)})` : plain(summary.upn),
    openCount: summary.openIncidents.length,
    incidents: summary.openIncidents.map((a) => ({
      incidentId: a.incidentId ?? '',
      title: plain(a.title),
      severityWord: plain(SEVERITY_WORDS[a.severity]),
      severityColour: SEVERITY_COLOURS[a.severity],
      status: plain(ALERT_STATUS_WORDS[a.status]),
    })),
    sourceCount: summary.sources.length,
    sources: summary.sources.map((s) => ({
      source: plain(s.source.replace(/^Microsoft /, '')),
      text: md`${s.alerts} alert${pluralS(s.alerts)}, ${s.high} high severity${s.lastAlert ? md`; last ${whenText(s.lastAlert)}` : md``}`,
    })),
    behaviourCount: summary.behaviours.length,
    behaviours: summary.behaviours.map((b) => ({
      text: md`${Number.isNaN(Date.parse(b.when)) ? md`Unknown time` : whenText(b.when)} · ${plain(b.actionType)} · ${plain(b.description)} (${b.activityCount} activities)`,
    })),
    noBehavioursText: md`No anomalous behaviours in the last ${MAX_DAYS} days. ${NOT_IN_DEFENDER}`,
    userUrl: defenderUserUrl(summary.upn, summary.azureAdUserId),
  };
}
