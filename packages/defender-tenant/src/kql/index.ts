/**
 * The embedded tenant's advanced-hunting engine: a KQL subset evaluated for real over the
 * tenant's tables, answering as `POST /security/runHuntingQuery` does. Every problem with a
 * query (syntax, unknown names, types, unsupported constructs, limits) is a Graph 400.
 */
import { createLogger } from '../logger.js';
import { badRequest, GraphHttpError } from '../graph-error.js';
import type { HuntingEngine, HuntingQueryResult } from '../hunting-engine.js';
import { HUNTING_SCHEMAS, HUNTING_TABLE_NAMES, type HuntingRow, type HuntingTables } from '../hunting-tables.js';
import type { Json } from '../records.js';
import { describeKqlError, ENGINE, KqlError } from './errors.js';
import { executeScript } from './execute.js';
import { parseScript } from './parser.js';
import { Budget } from './scope.js';
import { ingest, toWire, WIRE_TYPE_NAMES, type Frame, type KqlType, type Row, type Value } from './types.js';
import { huntingWindow, RETENTION_DAYS } from './window.js';

export type { KqlType } from './types.js';
export { WIRE_TYPE_NAMES } from './types.js';

const log = createLogger('tenant');

/** A table the engine can query: its schema and its rows as stored (datetimes as ISO text). */
export interface KqlTable {
  columns: readonly { name: string; type: KqlType }[];
  rows: readonly Readonly<Record<string, Json>>[];
}

export interface KqlEngineOptions {
  /** Rows returned at most; more are cut off. Default 100,000, as advanced hunting documents. */
  maxRows?: number;
  /** Longest query text accepted. Default 10,000 characters. */
  maxQueryLength?: number;
  /** Wall-clock limit for one query. Default 20 s. */
  timeoutMs?: number;
  /** Most rows any operator may produce (a join, say). Default 1,000,000. */
  maxIntermediateRows?: number;
  /** Work units (rows touched, characters built) one query may spend. Default 200,000,000. */
  maxWork?: number;
  /** Days of data kept. Default 30. */
  retentionDays?: number;
}

export interface KqlQuery {
  query: string;
  /** The request's Timespan (ISO 8601 duration or interval); default P30D. */
  timespan?: string | undefined;
  now: Date;
  tables: Readonly<Record<string, KqlTable>>;
}

export const DEFAULT_MAX_ROWS = 100_000;
export const DEFAULT_MAX_QUERY_LENGTH = 10_000;

/** The column the Timespan applies to, in tables that have it. */
const TIME_COLUMN = 'Timestamp';

/** Runs a query and answers `{schema, results}`; throws a Graph 400 (GraphHttpError) for any problem with it. */
export function runKql(input: KqlQuery, options: KqlEngineOptions = {}): HuntingQueryResult {
  const { query } = input;
  const maxQueryLength = options.maxQueryLength ?? DEFAULT_MAX_QUERY_LENGTH;
  if (query.trim() === '') throw badRequest('The query is empty.');
  if (query.length > maxQueryLength) throw badRequest(`The query is ${query.length} characters long; the embedded tenant's hunting engine accepts at most ${maxQueryLength}.`);
  try {
    return evaluate(input, options);
  } catch (error) {
    if (error instanceof KqlError) throw badRequest(describeKqlError(error, query));
    if (error instanceof GraphHttpError) throw error;
    if (error instanceof RangeError) throw badRequest(`The query is too complex for the embedded tenant's hunting engine (${error.message}).`);
    // A bug in the engine, not in the query: logged, and still answered as a query Graph could not run.
    log.error('hunting engine failed', { err: error });
    throw badRequest(`${ENGINE} failed on this query: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function evaluate(input: KqlQuery, options: KqlEngineOptions): HuntingQueryResult {
  const nowMs = input.now.getTime();
  const window = huntingWindow(input.timespan, nowMs, options.retentionDays ?? RETENTION_DAYS);
  const tableNames = new Set(Object.keys(input.tables).filter((name) => Object.hasOwn(input.tables, name)));
  const script = parseScript(input.query, { tableNames });
  const budget = new Budget(options.maxWork ?? 200_000_000, Date.now() + (options.timeoutMs ?? 20_000));
  const loaded = new Map<string, Frame>();
  const frame = executeScript(script, {
    nowMs,
    budget,
    maxIntermediateRows: options.maxIntermediateRows ?? 1_000_000,
    table: (name) => {
      if (!Object.hasOwn(input.tables, name)) return undefined;
      const table = input.tables[name];
      if (!table) return undefined;
      let frame = loaded.get(name);
      if (!frame) {
        frame = load(table, window.startMs, window.endMs, budget);
        loaded.set(name, frame);
      }
      return frame;
    },
  });
  return answer(frame, options.maxRows ?? DEFAULT_MAX_ROWS);
}

/** A stored table as the query sees it: typed values, and only rows inside the time window. */
function load(table: KqlTable, startMs: number, endMs: number, budget: Budget): Frame {
  const columns = table.columns.map((c) => ({ name: c.name, type: c.type }));
  const timeIndex = columns.findIndex((c) => c.name === TIME_COLUMN && c.type === 'datetime');
  const rows: Row[] = [];
  for (const stored of table.rows) {
    budget.work(1);
    let time: Value = null;
    if (timeIndex >= 0) {
      time = ingest(Object.hasOwn(stored, TIME_COLUMN) ? stored[TIME_COLUMN] : undefined, 'datetime');
      if (typeof time !== 'number' || time < startMs || time > endMs) continue;
    }
    // The time column is already read (a date parse per row): the rest of the row once more.
    rows.push(columns.map((c, i) => (i === timeIndex ? time : ingest(Object.hasOwn(stored, c.name) ? stored[c.name] : undefined, c.type))));
  }
  return { columns, rows };
}

function answer(frame: Frame, maxRows: number): HuntingQueryResult {
  const schema = frame.columns.map((c) => ({ name: c.name, type: WIRE_TYPE_NAMES[c.type] }));
  const results: HuntingRow[] = [];
  for (const row of frame.rows.slice(0, maxRows)) {
    const out: HuntingRow = {};
    frame.columns.forEach((c, i) => {
      const value = toWire(row[i] ?? null, c.type);
      if (c.name === '__proto__') Object.defineProperty(out, c.name, { value, enumerable: true, writable: true, configurable: true });
      else out[c.name] = value;
    });
    results.push(out);
  }
  return { schema, results };
}

/** The tenant's hunting tables, with their documented schemas. */
export function kqlTablesOf(tables: HuntingTables): Record<string, KqlTable> {
  const out: Record<string, KqlTable> = {};
  for (const name of HUNTING_TABLE_NAMES) out[name] = { columns: HUNTING_SCHEMAS[name], rows: tables[name] };
  return out;
}

/** A HuntingEngine for the tenant (see TenantOptions.huntingEngine). */
export function createKqlHuntingEngine(options: KqlEngineOptions = {}): HuntingEngine {
  return ({ query, timespan, tables, now }) => runKql({ query, timespan, now, tables: kqlTablesOf(tables) }, options);
}

/** The engine with advanced hunting's documented limits. */
export const kqlHuntingEngine: HuntingEngine = createKqlHuntingEngine();
