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
import { NOT_IN_DEFENDER, plain, whenText } from './view-models.js';

export const PAGE_ROWS = 10;
/** A Teams card holds about 28 KB: beyond this many rows, the full result is a link away. */
export const MAX_CARD_ROWS = 50;
const MAX_COLUMNS = 6;
const MAX_CELL_CHARS = 120;

export interface HuntResultCardData {
  queryName: string;
  description: string;
  parameters: string;
  timespanText: string;
  rowsText: string;
  ranText: string;
  hasRows: boolean;
  emptyText: string;
  columns: { name: string; width: number }[];
  rows: { cells: { text: string }[] }[];
  hasNote: boolean;
  note: string;
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

/** One cell as text: dates shortened, objects as compact JSON, long values cut. */
export function cellText(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value) ? value.slice(0, 16).replace('T', ' ') : value;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  if (text.length > MAX_CELL_CHARS) text = `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
  return plain(text) || ' ';
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

export function huntResultCardData(result: HuntResult, shown = PAGE_ROWS, lens: ResultLens = AS_RUN, fullViewUrl: string | null = null): HuntResultCardData {
  const total = result.rows.length;
  const count = Math.max(0, Math.min(shown, total, MAX_CARD_ROWS));
  const columns = result.columns.slice(0, MAX_COLUMNS);
  const hidden = result.columns.length - columns.length;
  const days = result.prepared.days;
  const notes: string[] = [];
  if (hidden > 0) notes.push(`${hidden} more column${hidden === 1 ? '' : 's'} (${result.columns.slice(MAX_COLUMNS).map((c) => c.name).join(', ')}) in Advanced hunting.`);
  if (count === MAX_CARD_ROWS && total > MAX_CARD_ROWS) notes.push(`A card holds ${MAX_CARD_ROWS} rows: open Advanced hunting for all ${total}.`);
  if (result.cached) notes.push('From a result of the last few minutes (no new query was run).');
  const parameters = lens.text(
    Object.entries(result.prepared.values)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' · '),
  );
  const kql = lens.text(result.prepared.kql);
  const kqlAsRun = kql === result.prepared.kql;
  if (!kqlAsRun) notes.push('Names in the KQL are pseudonyms here, so it has no Advanced hunting link: run the hunt in a personal chat for one.');
  return {
    queryName: result.query.name,
    description: result.query.description,
    parameters: parameters || 'defaults',
    timespanText: `last ${days} day${days === 1 ? '' : 's'}`,
    rowsText: total === 0 ? 'none' : `${total}${total === 100_000 ? ' (Defender returns at most 100,000)' : ''}; showing ${count === total ? 'all' : `1–${count}`}`,
    ranText: whenText(result.ranAt),
    hasRows: total > 0,
    emptyText: `No rows matched in the last ${days} days. ${NOT_IN_DEFENDER}`,
    columns: columns.map((c) => ({ name: plain(c.name), width: 1 })),
    rows: lens.rows(result.rows.slice(0, count)).map((row) => ({ cells: columns.map((c) => ({ text: cellText(row[c.name]) })) })),
    hasNote: notes.length > 0,
    note: notes.join(' '),
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

export interface HuntHelpCardData {
  heading: string;
  intro: string;
  queries: { name: string; description: string; tables: string; params: { name: string; text: string }[]; example: string }[];
}

export function huntHelpCardData(queries: readonly CannedQuery[], single = false): HuntHelpCardData {
  return {
    heading: single && queries[0] ? `hunt ${queries[0].name}` : 'Hunting queries',
    intro: `Run one with \`hunt {query} name=value …\` (quote values with spaces). Results cover at most the last ${MAX_DAYS} days, as Defender keeps them.`,
    queries: queries.map((q) => ({
      name: q.name,
      description: q.description,
      tables: q.tables.join(', '),
      params: q.params.map((p) => ({
        name: p.name,
        text: `${p.description}${p.required ? ' (required)' : p.default !== undefined ? ` (default ${p.default})` : ' (optional)'}`,
      })),
      example: q.example,
    })),
  };
}

export interface UserSummaryCardData {
  userText: string;
  openCount: number;
  incidents: { incidentId: string; title: string; severityWord: string; severityColour: string; status: string }[];
  sourceCount: number;
  sources: { source: string; text: string }[];
  behaviourCount: number;
  behaviours: { text: string }[];
  noBehavioursText: string;
  userUrl: string;
}

export function userSummaryCardData(summary: UserSummary): UserSummaryCardData {
  return {
    userText: summary.displayName ? `${summary.displayName} (${summary.upn})` : summary.upn,
    openCount: summary.openIncidents.length,
    incidents: summary.openIncidents.map((a) => ({
      incidentId: a.incidentId ?? '',
      title: plain(a.title),
      severityWord: SEVERITY_WORDS[a.severity],
      severityColour: SEVERITY_COLOURS[a.severity],
      status: ALERT_STATUS_WORDS[a.status],
    })),
    sourceCount: summary.sources.length,
    sources: summary.sources.map((s) => ({
      source: plain(s.source.replace(/^Microsoft /, '')),
      text: `${s.alerts} alert${s.alerts === 1 ? '' : 's'}, ${s.high} high severity${s.lastAlert ? `; last ${whenText(s.lastAlert)}` : ''}`,
    })),
    behaviourCount: summary.behaviours.length,
    behaviours: summary.behaviours.map((b) => ({ text: `${Number.isNaN(Date.parse(b.when)) ? 'Unknown time' : whenText(b.when)} · ${plain(b.actionType)} · ${plain(b.description)} (${b.activityCount} activities)` })),
    noBehavioursText: `No anomalous behaviours in the last ${MAX_DAYS} days. ${NOT_IN_DEFENDER}`,
    userUrl: defenderUserUrl(summary.upn, summary.azureAdUserId),
  };
}
