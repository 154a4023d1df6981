/**
 * Kusto scalar types and how values of each are held while a query runs.
 *
 * Values are plain JSON values: datetimes are epoch milliseconds and timespans milliseconds
 * (numbers), so the static type of an expression, known when it is compiled, says how to read one.
 */
import type { Json } from '../records.js';

export type KqlType = 'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'timespan' | 'dynamic' | 'guid';
export type Value = Json;
export type Row = Value[];

export interface Column {
  name: string;
  type: KqlType;
}

/** A table while a query runs: rows are arrays in column order. */
export interface Frame {
  columns: Column[];
  rows: Row[];
}

/** The type names advanced hunting reports in a result's schema (.NET names, as Kusto's JSON does). */
export const WIRE_TYPE_NAMES: Record<KqlType, string> = {
  string: 'String',
  long: 'Int64',
  int: 'Int32',
  real: 'Double',
  bool: 'Boolean',
  datetime: 'DateTime',
  timespan: 'TimeSpan',
  dynamic: 'Object',
  guid: 'Guid',
};

/** Type names as written in KQL (`datatable(A:string)`, `int(null)`). */
export const TYPE_KEYWORDS: Record<string, KqlType> = {
  string: 'string',
  long: 'long',
  int: 'int',
  real: 'real',
  double: 'real',
  decimal: 'real',
  bool: 'bool',
  boolean: 'bool',
  datetime: 'datetime',
  date: 'datetime',
  timespan: 'timespan',
  time: 'timespan',
  dynamic: 'dynamic',
  guid: 'guid',
  uniqueid: 'guid',
};

export const isNumericType = (t: KqlType): boolean => t === 'int' || t === 'long' || t === 'real';

/** Types that compare with each other: numbers together, strings with guids, dynamic with anything. */
export function typeClass(t: KqlType): 'number' | 'string' | 'bool' | 'datetime' | 'timespan' | 'dynamic' {
  if (isNumericType(t)) return 'number';
  switch (t) {
    case 'guid':
    case 'string':
      return 'string';
    case 'bool':
    case 'datetime':
    case 'timespan':
    case 'dynamic':
      return t;
    default:
      return 'number';
  }
}

export function comparable(a: KqlType, b: KqlType): boolean {
  return a === 'dynamic' || b === 'dynamic' || typeClass(a) === typeClass(b);
}

export function numericResultType(a: KqlType, b: KqlType): KqlType {
  if (a === 'real' || b === 'real' || a === 'dynamic' || b === 'dynamic') return 'real';
  if (a === 'int' && b === 'int') return 'int';
  return 'long';
}

const MS_PER_DAY = 86_400_000;
/** Beyond this, `Date` cannot represent the instant. */
const MAX_DATE_MS = 8.64e15;

export function isoOf(ms: number): string | null {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return null;
  return new Date(ms).toISOString();
}

/** Kusto's timespan text: `[-][d.]hh:mm:ss[.fffffff]`. */
export function formatTimespan(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const sign = ms < 0 ? '-' : '';
  let ticks = Math.round(Math.abs(ms) * 10_000);
  const days = Math.floor(ticks / (MS_PER_DAY * 10_000));
  ticks -= days * MS_PER_DAY * 10_000;
  const hours = Math.floor(ticks / 36_000_000_000);
  ticks -= hours * 36_000_000_000;
  const minutes = Math.floor(ticks / 600_000_000);
  ticks -= minutes * 600_000_000;
  const seconds = Math.floor(ticks / 10_000_000);
  ticks -= seconds * 10_000_000;
  const two = (n: number) => String(n).padStart(2, '0');
  const fraction = ticks > 0 ? '.' + String(ticks).padStart(7, '0') : '';
  return `${sign}${days > 0 ? `${days}.` : ''}${two(hours)}:${two(minutes)}:${two(seconds)}${fraction}`;
}

const TIMESPAN_UNITS: Record<string, number> = {
  d: MS_PER_DAY,
  day: MS_PER_DAY,
  days: MS_PER_DAY,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  microsecond: 0.001,
  microseconds: 0.001,
  tick: 0.0001,
  ticks: 0.0001,
};

export function timespanUnit(unit: string): number | undefined {
  return Object.hasOwn(TIMESPAN_UNITS, unit) ? TIMESPAN_UNITS[unit] : undefined;
}

/** `1d`, `1.5h`, `-30m`, `2.12:00:00`, `00:30`, `00:00:01.5`; undefined when not a timespan. */
export function parseTimespanText(text: string): number | undefined {
  const t = text.trim();
  const unit = /^(-)?(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(t);
  if (unit) {
    const factor = timespanUnit((unit[3] ?? '').toLowerCase());
    if (factor === undefined) return undefined;
    return (unit[1] ? -1 : 1) * Number(unit[2]) * factor;
  }
  const clock = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(t);
  if (!clock) return undefined;
  const [, neg, days, hours, minutes, seconds, fraction] = clock;
  const ms =
    Number(days ?? 0) * MS_PER_DAY +
    Number(hours) * 3_600_000 +
    Number(minutes) * 60_000 +
    Number(seconds ?? 0) * 1000 +
    (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  return neg ? -ms : ms;
}

/** `2026-11-01`, `2026-11-01T10:00:00Z`, `2026-11-01 10:00:00.1234567`, offsets; undefined when not a datetime. UTC unless an offset says otherwise. */
export function parseDatetimeText(text: string): number | undefined {
  const t = text.trim();
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) {
    // Other forms Kusto accepts (RFC 822 and the like) only when they name their zone.
    if (!/(GMT|UTC|Z|[+-]\d{2}:?\d{2})$/i.test(t) || !/[a-z]/i.test(t)) return undefined;
    const parsed = Date.parse(t);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(base);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  let ms = base + (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z) return undefined;
    ms -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return ms;
}

/** A value as Kusto's `tostring()` renders it. */
export function toText(value: Value, type: KqlType): string {
  if (value === null) return '';
  switch (type) {
    case 'datetime':
      return typeof value === 'number' ? (isoOf(value) ?? '') : '';
    case 'timespan':
      return typeof value === 'number' ? (formatTimespan(value) ?? '') : '';
    case 'dynamic':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** A typed value put into a dynamic (make_set, pack_array…): datetimes and timespans become text. */
export function toDynamic(value: Value, type: KqlType): Value {
  if (value === null) return null;
  if (type === 'datetime' || type === 'timespan') return toText(value, type);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** A value read from a dynamic, taken as the given type (null when it is not one). */
export function fromDynamic(value: Value, type: KqlType): Value {
  if (value === null) return null;
  switch (typeClass(type)) {
    case 'dynamic':
      return value;
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'number':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '') {
        const n = Number(value);
        return Number.isFinite(n) ? n : null;
      }
      return typeof value === 'boolean' ? Number(value) : null;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'True') return true;
      if (value === 'false' || value === 'False') return false;
      return typeof value === 'number' ? value !== 0 : null;
    case 'datetime':
      return typeof value === 'string' ? (parseDatetimeText(value) ?? null) : null;
    case 'timespan':
      return typeof value === 'string' ? (parseTimespanText(value) ?? null) : typeof value === 'number' ? value : null;
  }
}

/** A stored table cell (JSON as the tenant keeps it) as a value of its column's type. */
export function ingest(value: Json | undefined, type: KqlType): Value {
  if (value === undefined) return type === 'string' ? '' : null;
  if (type === 'string' || type === 'guid') return value === null ? '' : fromDynamic(value, 'string');
  if (type === 'datetime' && typeof value === 'number') return value;
  return fromDynamic(value, type);
}

/** A value as the results carry it: datetimes as ISO 8601, timespans as Kusto prints them. */
export function toWire(value: Value, type: KqlType): Json {
  if (value === null) return null;
  if (type === 'datetime') return typeof value === 'number' ? isoOf(value) : null;
  if (type === 'timespan') return typeof value === 'number' ? formatTimespan(value) : null;
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** Orders two values of one type; nulls are left to the caller. */
export function compareValues(a: Value, b: Value, type: KqlType): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = toText(a, type);
  const y = toText(b, type);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A key for hashing (group by, distinct, join): equal values, equal keys, across int/long/real. */
export function keyPart(value: Value, type: KqlType): string {
  if (value === null) return 'n';
  if (typeof value === 'number') return `#${value}`;
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return `j${JSON.stringify(value)}${type === 'dynamic' ? '' : type}`;
}

export function rowKey(values: readonly Value[], types: readonly KqlType[]): string {
  if (values.length === 1) return keyPart(values[0] ?? null, types[0] ?? 'dynamic');
  return JSON.stringify(values.map((v, i) => keyPart(v, types[i] ?? 'dynamic')));
}
