/**
 * Scalar functions: each checks its arguments' types when the query is compiled and returns a
 * Scalar. Functions never throw while rows are evaluated: a value they cannot compute is null.
 */
import { KqlError, unsupportedFunction } from './errors.js';
import type { Scalar, Scope } from './scope.js';
import {
  compareValues,
  fromDynamic,
  isNumericType,
  isoOf,
  numericResultType,
  parseDatetimeText,
  parseTimespanText,
  toDynamic,
  toText,
  typeClass,
  type KqlType,
  type Row,
  type Value,
} from './types.js';

export interface FunctionCall {
  name: string;
  pos: number;
}

type Compile = (args: Scalar[], call: FunctionCall, scope: Scope) => Scalar;

interface FunctionDef {
  min: number;
  max: number;
  compile: Compile;
}

const DAY = 86_400_000;
/** .NET ticks at the Unix epoch: what tolong(datetime) answers in Kusto. */
const EPOCH_TICKS = 621_355_968_000_000_000;

const num = (v: Value): number | null => (typeof v === 'number' ? v : null);
const str = (v: Value): string => (typeof v === 'string' ? v : '');

function typeError(call: FunctionCall, index: number, expected: string, found: KqlType): KqlError {
  return new KqlError(`${call.name}(): argument ${index + 1} must be ${expected}, but its type is ${found}`, call.pos);
}

function arg(args: Scalar[], i: number): Scalar {
  const a = args[i];
  if (!a) throw new KqlError(`missing argument ${i + 1}`);
  return a;
}

/** An argument read as the given type class (a dynamic argument is converted per value). */
function expect(args: Scalar[], i: number, call: FunctionCall, want: 'number' | 'string' | 'bool' | 'datetime' | 'timespan' | 'dynamic' | 'any'): (row: Row) => Value {
  const a = arg(args, i);
  if (want === 'any' || a.type === want) return a.eval;
  if (want === 'string') return (row) => toText(a.eval(row), a.type);
  if (a.type === 'dynamic') {
    const target: KqlType = want === 'number' ? 'real' : want;
    return (row) => fromDynamic(a.eval(row), target);
  }
  if (want === 'number' && isNumericType(a.type)) return a.eval;
  if (want === 'dynamic') return (row) => toDynamic(a.eval(row), a.type);
  const names = { number: 'a number', bool: 'a bool', datetime: 'a datetime', timespan: 'a timespan' } as const;
  throw typeError(call, i, names[want], a.type);
}

function scalar(type: KqlType, args: Scalar[], evaluate: (row: Row) => Value): Scalar {
  return { type, eval: evaluate, constant: args.every((a) => a.constant === true) };
}

/** The type several branches share (iff, case, coalesce, min_of…), or an error. */
export function unifyTypes(types: readonly KqlType[], what: string, pos: number): KqlType {
  const first = types[0] ?? 'dynamic';
  let result: KqlType = first;
  for (const t of types.slice(1)) {
    if (t === result) continue;
    if (isNumericType(t) && isNumericType(result)) result = numericResultType(t, result);
    else if (typeClass(t) === 'string' && typeClass(result) === 'string') result = 'string';
    else if (t === 'dynamic' || result === 'dynamic') result = 'dynamic';
    else throw new KqlError(`${what}: the values have different types (${types.join(', ')})`, pos);
  }
  return result;
}

/** A scalar's values as another type (after unifyTypes said they agree). */
export function convert(s: Scalar, to: KqlType): (row: Row) => Value {
  if (s.type === to || (isNumericType(s.type) && isNumericType(to)) || (typeClass(s.type) === 'string' && typeClass(to) === 'string')) return s.eval;
  if (to === 'dynamic') return (row) => toDynamic(s.eval(row), s.type);
  if (s.type === 'dynamic') return (row) => fromDynamic(s.eval(row), to);
  return s.eval;
}

function toLong(v: Value, type: KqlType): Value {
  if (v === null) return null;
  if (type === 'datetime' && typeof v === 'number') return Math.round(v * 10_000) + EPOCH_TICKS;
  if (type === 'timespan' && typeof v === 'number') return Math.round(v * 10_000);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    const n = Number(t);
    return Number.isFinite(n) ? Math.trunc(n) : null;
  }
  return null;
}

function toReal(v: Value, type: KqlType): Value {
  if (v === null) return null;
  if (type === 'datetime' || type === 'timespan') return toLong(v, type);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    const n = Number(t);
    return Number.isNaN(n) && t.toLowerCase() !== 'nan' ? null : n;
  }
  return null;
}

/** Deeper JSON than this stays a string: results must serialise without exhausting the stack. */
const MAX_JSON_DEPTH = 100;

function parseJson(text: string): Value {
  try {
    const parsed: unknown = JSON.parse(text);
    return isJson(parsed) && depthWithin(parsed, MAX_JSON_DEPTH) ? parsed : text;
  } catch {
    // Kusto's parse_json gives back a string that is not JSON as a dynamic string.
    return text;
  }
}

/** Whether a parsed value nests no deeper than `max` (checked without recursion). */
function depthWithin(value: Value, max: number): boolean {
  const stack: { value: Value; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= max) return false;
    const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children) stack.push({ value: child, depth: item.depth + 1 });
  }
  return true;
}

function isJson(value: unknown): value is Value {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'object';
}

/** Kusto's `format_datetime` specifiers: yyyy, yy, MM, M, dd, d, HH, H, hh, h, mm, m, ss, s, f…, F…, tt. */
export function formatDatetime(ms: number, format: string): string | null {
  if (isoOf(ms) === null) return null;
  const d = new Date(ms);
  const parts = {
    y: d.getUTCFullYear(),
    M: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    H: d.getUTCHours(),
    m: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
  };
  const fractionTicks = String(Math.round((((ms % 1000) + 1000) % 1000) * 10_000)).padStart(7, '0');
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i] ?? '';
    let run = 1;
    while (format[i + run] === c) run++;
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    // Month, day, hours (24 and 12), minutes, seconds: one digit, or two when the letter is doubled.
    const field = ({ M: parts.M, d: parts.d, H: parts.H, h: parts.H % 12 === 0 ? 12 : parts.H % 12, m: parts.m, s: parts.s } as Record<string, number | undefined>)[c];
    if (field !== undefined) {
      out += run >= 2 ? pad(field, 2) : String(field);
      i += run;
      continue;
    }
    switch (c) {
      case 'y':
        out += run >= 4 ? pad(parts.y, 4) : run === 2 ? pad(parts.y % 100, 2) : String(parts.y % 100);
        break;
      case 'f':
        out += fractionTicks.slice(0, Math.min(run, 7));
        break;
      case 'F':
        out += fractionTicks.slice(0, Math.min(run, 7)).replace(/0+$/, '');
        break;
      case 't':
        out += parts.H < 12 ? 'AM' : 'PM';
        break;
      default:
        out += c.repeat(run);
    }
    i += run;
  }
  return out;
}

function startOf(unit: 'day' | 'week' | 'month' | 'year', ms: number, offset: number): number | null {
  if (isoOf(ms) === null) return null;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case 'day':
      return Date.UTC(y, m, d.getUTCDate() + offset);
    case 'week':
      return Date.UTC(y, m, d.getUTCDate() - d.getUTCDay() + 7 * offset);
    case 'month':
      return Date.UTC(y, m + offset, 1);
    case 'year':
      return Date.UTC(y + offset, 0, 1);
  }
}

/** `has`: `needle` appears as whole terms (runs of letters and digits) of `hay`. */
export function hasTerm(hay: string, needle: string, caseSensitive: boolean, prefixOnly = false, suffixOnly = false): boolean {
  if (needle === '') return true;
  const h = caseSensitive ? hay : hay.toLowerCase();
  const n = caseSensitive ? needle : needle.toLowerCase();
  const termStart = isTermChar(n.charCodeAt(0));
  const termEnd = isTermChar(n.charCodeAt(n.length - 1));
  let i = h.indexOf(n);
  while (i >= 0) {
    const before = suffixOnly || !termStart || i === 0 || !isTermChar(h.charCodeAt(i - 1));
    const after = prefixOnly || !termEnd || i + n.length === h.length || !isTermChar(h.charCodeAt(i + n.length));
    if (before && after) return true;
    i = h.indexOf(n, i + 1);
  }
  return false;
}

function isTermChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code > 127;
}

const unary =
  (want: Parameters<typeof expect>[3], type: KqlType, f: (v: Value, argType: KqlType) => Value): Compile =>
  (args, call) => {
    const a = expect(args, 0, call, want);
    const argType = arg(args, 0).type;
    return scalar(type, args, (row) => f(a(row), argType));
  };

const FUNCTIONS = new Map<string, FunctionDef>();
const define = (names: string | string[], min: number, max: number, compile: Compile) => {
  for (const name of Array.isArray(names) ? names : [names]) FUNCTIONS.set(name, { min, max, compile });
};

// ---- time ----
define('now', 0, 1, (args, call, scope) => {
  if (args.length === 0) return { type: 'datetime', eval: () => scope.ctx.nowMs, constant: true };
  const offset = expect(args, 0, call, 'timespan');
  return scalar('datetime', args, (row) => {
    const o = num(offset(row));
    return o === null ? null : scope.ctx.nowMs + o;
  });
});
define('ago', 1, 1, (args, call, scope) => {
  const span = expect(args, 0, call, 'timespan');
  return scalar('datetime', args, (row) => {
    const s = num(span(row));
    return s === null ? null : scope.ctx.nowMs - s;
  });
});
for (const unit of ['day', 'week', 'month', 'year'] as const) {
  define(`startof${unit}`, 1, 2, (args, call) => {
    const dt = expect(args, 0, call, 'datetime');
    const offset = args.length > 1 ? expect(args, 1, call, 'number') : () => 0;
    return scalar('datetime', args, (row) => {
      const v = num(dt(row));
      const o = num(offset(row));
      return v === null || o === null ? null : startOf(unit, v, Math.trunc(o));
    });
  });
  define(`endof${unit}`, 1, 2, (args, call) => {
    const dt = expect(args, 0, call, 'datetime');
    const offset = args.length > 1 ? expect(args, 1, call, 'number') : () => 0;
    return scalar('datetime', args, (row) => {
      const v = num(dt(row));
      const o = num(offset(row));
      const next = v === null || o === null ? null : startOf(unit, v, Math.trunc(o) + 1);
      // Milliseconds are the engine's resolution: the last one of the period.
      return next === null ? null : next - 1;
    });
  });
}
define('dayofweek', 1, 1, unary('datetime', 'timespan', (v) => (typeof v === 'number' && isoOf(v) !== null ? new Date(v).getUTCDay() * DAY : null)));
define('hourofday', 1, 1, unary('datetime', 'int', (v) => (typeof v === 'number' && isoOf(v) !== null ? new Date(v).getUTCHours() : null)));
define('dayofmonth', 1, 1, unary('datetime', 'int', (v) => (typeof v === 'number' && isoOf(v) !== null ? new Date(v).getUTCDate() : null)));
define('getmonth', 1, 1, unary('datetime', 'int', (v) => (typeof v === 'number' && isoOf(v) !== null ? new Date(v).getUTCMonth() + 1 : null)));
define('getyear', 1, 1, unary('datetime', 'int', (v) => (typeof v === 'number' && isoOf(v) !== null ? new Date(v).getUTCFullYear() : null)));
define('format_datetime', 2, 2, (args, call) => {
  const dt = expect(args, 0, call, 'datetime');
  const format = expect(args, 1, call, 'string');
  return scalar('string', args, (row) => {
    const v = num(dt(row));
    return v === null ? '' : (formatDatetime(v, str(format(row))) ?? '');
  });
});
define('datetime_diff', 3, 3, (args, call) => {
  const part = expect(args, 0, call, 'string');
  const a = expect(args, 1, call, 'datetime');
  const b = expect(args, 2, call, 'datetime');
  const units: Record<string, number> = { day: DAY, hour: 3_600_000, minute: 60_000, second: 1000, millisecond: 1, week: 7 * DAY };
  return scalar('long', args, (row) => {
    const x = num(a(row));
    const y = num(b(row));
    const p = str(part(row)).toLowerCase();
    if (x === null || y === null || isoOf(x) === null || isoOf(y) === null) return null;
    if (p === 'year') return new Date(x).getUTCFullYear() - new Date(y).getUTCFullYear();
    if (p === 'month') {
      const dx = new Date(x);
      const dy = new Date(y);
      return (dx.getUTCFullYear() - dy.getUTCFullYear()) * 12 + dx.getUTCMonth() - dy.getUTCMonth();
    }
    const unit = Object.hasOwn(units, p) ? units[p] : undefined;
    if (unit === undefined) return null;
    return Math.floor(x / unit) - Math.floor(y / unit);
  });
});

// ---- bins and numbers ----
define(['bin', 'floor'], 2, 2, (args, call) => {
  const value = arg(args, 0);
  const size = arg(args, 1);
  const okValue = isNumericType(value.type) || value.type === 'datetime' || value.type === 'timespan';
  if (!okValue) throw typeError(call, 0, 'a number, datetime or timespan', value.type);
  const sizeOk = isNumericType(value.type) ? isNumericType(size.type) : size.type === 'timespan' || (value.type === 'timespan' && isNumericType(size.type));
  if (!sizeOk) throw typeError(call, 1, value.type === 'datetime' ? 'a timespan' : 'a number', size.type);
  return scalar(value.type, args, (row) => {
    const v = num(value.eval(row));
    const s = num(size.eval(row));
    if (v === null || s === null || !(s > 0)) return null;
    return Math.floor(v / s) * s;
  });
});
define('bin_at', 3, 3, (args, call) => {
  const value = arg(args, 0);
  if (!(isNumericType(value.type) || value.type === 'datetime' || value.type === 'timespan')) throw typeError(call, 0, 'a number, datetime or timespan', value.type);
  const size = expect(args, 1, call, value.type === 'datetime' || value.type === 'timespan' ? 'timespan' : 'number');
  const at = expect(args, 2, call, value.type === 'datetime' ? 'datetime' : value.type === 'timespan' ? 'timespan' : 'number');
  return scalar(value.type, args, (row) => {
    const v = num(value.eval(row));
    const s = num(size(row));
    const a = num(at(row));
    if (v === null || s === null || a === null || !(s > 0)) return null;
    return a + Math.floor((v - a) / s) * s;
  });
});
define('abs', 1, 1, (args, call) => {
  const a = arg(args, 0);
  if (!isNumericType(a.type) && a.type !== 'timespan') throw typeError(call, 0, 'a number or timespan', a.type);
  return scalar(a.type, args, (row) => {
    const v = num(a.eval(row));
    return v === null ? null : Math.abs(v);
  });
});
define('round', 1, 2, (args, call) => {
  const a = expect(args, 0, call, 'number');
  const digits = args.length > 1 ? expect(args, 1, call, 'number') : () => 0;
  const type = arg(args, 0).type === 'dynamic' ? 'real' : arg(args, 0).type;
  return scalar(type, args, (row) => {
    const v = num(a(row));
    const d = num(digits(row));
    if (v === null || d === null) return null;
    const f = 10 ** Math.max(-15, Math.min(15, Math.trunc(d)));
    return Math.round(v * f) / f;
  });
});
define('ceiling', 1, 1, unary('number', 'real', (v) => (typeof v === 'number' ? Math.ceil(v) : null)));
define('sqrt', 1, 1, unary('number', 'real', (v) => (typeof v === 'number' && v >= 0 ? Math.sqrt(v) : null)));
define('log10', 1, 1, unary('number', 'real', (v) => (typeof v === 'number' && v > 0 ? Math.log10(v) : null)));
define(['max_of', 'min_of'], 2, 64, (args, call) => {
  const type = unifyTypes(
    args.map((a) => a.type),
    `${call.name}()`,
    call.pos,
  );
  if (type === 'dynamic' || type === 'bool') throw typeError(call, 0, 'numbers, strings, datetimes or timespans', type);
  const evals = args.map((a) => convert(a, type));
  const sign = call.name === 'max_of' ? 1 : -1;
  return scalar(type, args, (row) => {
    let best: Value = null;
    for (const e of evals) {
      const v = e(row);
      if (v !== null && (best === null || sign * compareValues(v, best, type) > 0)) best = v;
    }
    return best;
  });
});

// ---- strings ----
define('tolower', 1, 1, unary('string', 'string', (v) => str(v).toLowerCase()));
define('toupper', 1, 1, unary('string', 'string', (v) => str(v).toUpperCase()));
define('strlen', 1, 1, unary('string', 'long', (v) => str(v).length));
define('strcat', 1, 64, (args, call, scope) => {
  const parts = args.map((_, i) => expect(args, i, call, 'string'));
  return scalar('string', args, (row) => {
    let out = '';
    for (const p of parts) out += str(p(row));
    scope.ctx.budget.work(out.length);
    return out;
  });
});
define('strcat_delim', 3, 64, (args, call, scope) => {
  const parts = args.map((_, i) => expect(args, i, call, 'string'));
  const [delimiter, ...rest] = parts;
  return scalar('string', args, (row) => {
    const out = rest.map((p) => str(p(row))).join(delimiter ? str(delimiter(row)) : '');
    scope.ctx.budget.work(out.length);
    return out;
  });
});
define('substring', 2, 3, (args, call) => {
  const s = expect(args, 0, call, 'string');
  const start = expect(args, 1, call, 'number');
  const length = args.length > 2 ? expect(args, 2, call, 'number') : () => null;
  return scalar('string', args, (row) => {
    const text = str(s(row));
    const from = Math.max(0, Math.trunc(num(start(row)) ?? 0));
    const len = num(length(row));
    return len === null ? text.slice(from) : text.slice(from, from + Math.max(0, Math.trunc(len)));
  });
});
define('indexof', 2, 2, (args, call) => {
  const s = expect(args, 0, call, 'string');
  const lookup = expect(args, 1, call, 'string');
  return scalar('long', args, (row) => str(s(row)).indexOf(str(lookup(row))));
});
define('countof', 2, 2, (args, call) => {
  const s = expect(args, 0, call, 'string');
  const lookup = expect(args, 1, call, 'string');
  return scalar('long', args, (row) => {
    const text = str(s(row));
    const needle = str(lookup(row));
    if (needle === '') return 0;
    let count = 0;
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) count++;
    return count;
  });
});
define('replace_string', 3, 3, (args, call, scope) => {
  const s = expect(args, 0, call, 'string');
  const lookup = expect(args, 1, call, 'string');
  const replacement = expect(args, 2, call, 'string');
  return scalar('string', args, (row) => {
    const needle = str(lookup(row));
    const text = str(s(row));
    if (needle === '') return text;
    const out = text.split(needle).join(str(replacement(row)));
    scope.ctx.budget.work(out.length);
    return out;
  });
});
define('split', 2, 3, (args, call) => {
  const s = expect(args, 0, call, 'string');
  const delimiter = expect(args, 1, call, 'string');
  const index = args.length > 2 ? expect(args, 2, call, 'number') : null;
  return scalar('dynamic', args, (row) => {
    const d = str(delimiter(row));
    const parts: Value[] = d === '' ? [str(s(row))] : str(s(row)).split(d);
    if (!index) return parts;
    const i = num(index(row));
    if (i === null) return null;
    const part = parts[Math.trunc(i)];
    return part === undefined ? [] : [part];
  });
});
define('isempty', 1, 1, unary('any', 'bool', (v) => v === null || v === ''));
define('isnotempty', 1, 1, unary('any', 'bool', (v) => v !== null && v !== ''));
define('isnull', 1, 1, unary('any', 'bool', (v) => v === null));
define('isnotnull', 1, 1, unary('any', 'bool', (v) => v !== null));

// ---- conversions ----
define('tostring', 1, 1, unary('any', 'string', (v, t) => toText(v, t)));
define(['toint', 'tolong'], 1, 1, (args, call) => {
  const a = arg(args, 0);
  return scalar(call.name === 'toint' ? 'int' : 'long', args, (row) => {
    const v = toLong(a.eval(row), a.type);
    return typeof v === 'number' && call.name === 'toint' ? v | 0 : v;
  });
});
define(['toreal', 'todouble', 'todecimal'], 1, 1, (args) => {
  const a = arg(args, 0);
  return scalar('real', args, (row) => toReal(a.eval(row), a.type));
});
define(['tobool', 'toboolean'], 1, 1, (args) => {
  const a = arg(args, 0);
  return scalar('bool', args, (row) => {
    const v = a.eval(row);
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : null;
    }
    return fromDynamic(v, 'bool');
  });
});
define('todatetime', 1, 1, (args) => {
  const a = arg(args, 0);
  return scalar('datetime', args, (row) => {
    const v = a.eval(row);
    if (a.type === 'datetime') return v;
    return typeof v === 'string' ? (parseDatetimeText(v) ?? null) : null;
  });
});
define('totimespan', 1, 1, (args) => {
  const a = arg(args, 0);
  return scalar('timespan', args, (row) => {
    const v = a.eval(row);
    if (a.type === 'timespan') return v;
    if (typeof v === 'string') return parseTimespanText(v) ?? null;
    return typeof v === 'number' && isNumericType(a.type) ? v / 10_000 : null;
  });
});
define(['todynamic', 'parse_json'], 1, 1, (args, _call, scope) => {
  const a = arg(args, 0);
  return scalar('dynamic', args, (row) => {
    const v = a.eval(row);
    if (a.type === 'dynamic') return typeof v === 'string' ? parseJson(v) : v;
    if (typeof v !== 'string') return toDynamic(v, a.type);
    scope.ctx.budget.work(v.length);
    return parseJson(v);
  });
});

// ---- logic ----
define('not', 1, 1, unary('bool', 'bool', (v) => (typeof v === 'boolean' ? !v : null)));
define(['iff', 'iif'], 3, 3, (args, call) => {
  const condition = expect(args, 0, call, 'bool');
  const type = unifyTypes([arg(args, 1).type, arg(args, 2).type], `${call.name}()`, call.pos);
  const then = convert(arg(args, 1), type);
  const otherwise = convert(arg(args, 2), type);
  return scalar(type, args, (row) => (condition(row) === true ? then(row) : otherwise(row)));
});
define('case', 3, 129, (args, call) => {
  if (args.length % 2 === 0) throw new KqlError('case(): expects pairs of condition and value, then a value for when none holds', call.pos);
  const pairs: { when: (row: Row) => Value; value: Scalar }[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) pairs.push({ when: expect(args, i, call, 'bool'), value: arg(args, i + 1) });
  const fallback = arg(args, args.length - 1);
  const type = unifyTypes([...pairs.map((p) => p.value.type), fallback.type], 'case()', call.pos);
  const branches = pairs.map((p) => ({ when: p.when, then: convert(p.value, type) }));
  const otherwise = convert(fallback, type);
  return scalar(type, args, (row) => {
    for (const b of branches) if (b.when(row) === true) return b.then(row);
    return otherwise(row);
  });
});
define('coalesce', 2, 64, (args, call) => {
  const type = unifyTypes(
    args.map((a) => a.type),
    'coalesce()',
    call.pos,
  );
  const evals = args.map((a) => convert(a, type));
  return scalar(type, args, (row) => {
    for (const e of evals) {
      const v = e(row);
      if (v !== null && v !== '') return v;
    }
    return type === 'string' ? '' : null;
  });
});

// ---- dynamic ----
define('array_length', 1, 1, unary('dynamic', 'long', (v) => (Array.isArray(v) ? v.length : null)));
define(['pack_array', 'make_array'], 1, 64, (args, call) => {
  const evals = args.map((_, i) => expect(args, i, call, 'dynamic'));
  return scalar('dynamic', args, (row) => evals.map((e) => e(row)));
});
define(['bag_pack', 'pack'], 2, 64, (args, call) => {
  if (args.length % 2 !== 0) throw new KqlError(`${call.name}(): expects pairs of key and value`, call.pos);
  const keys = args.filter((_, i) => i % 2 === 0).map((_, i) => expect(args, i * 2, call, 'string'));
  const values = args.filter((_, i) => i % 2 === 1).map((_, i) => expect(args, i * 2 + 1, call, 'dynamic'));
  return scalar('dynamic', args, (row) => {
    const bag: { [key: string]: Value } = {};
    keys.forEach((k, i) => {
      const value = values[i]?.(row) ?? null;
      Object.defineProperty(bag, str(k(row)), { value, enumerable: true, writable: true, configurable: true });
    });
    return bag;
  });
});
define('set_has_element', 2, 2, (args, call) => {
  const set = expect(args, 0, call, 'dynamic');
  const element = expect(args, 1, call, 'dynamic');
  return scalar('bool', args, (row) => {
    const s = set(row);
    const e = JSON.stringify(element(row));
    return Array.isArray(s) ? s.some((x) => JSON.stringify(x) === e) : null;
  });
});
define('bag_keys', 1, 1, unary('dynamic', 'dynamic', (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : null)));

/** Kusto aggregation functions: they belong in summarize. */
export const AGGREGATE_FUNCTIONS = new Set([
  'count',
  'countif',
  'dcount',
  'dcountif',
  'sum',
  'sumif',
  'avg',
  'avgif',
  'min',
  'max',
  'minif',
  'maxif',
  'make_set',
  'make_set_if',
  'make_list',
  'make_list_if',
  'arg_max',
  'arg_min',
  'take_any',
  'any',
]);

/** Kusto functions this engine knows of but does not run (regular expressions, hashing, parsing…). */
const UNSUPPORTED_FUNCTIONS = new Set([
  'extract',
  'extract_all',
  'extract_json',
  'replace_regex',
  'replace',
  'trim',
  'trim_start',
  'trim_end',
  'parse_url',
  'parse_urlquery',
  'parse_path',
  'parse_ipv4',
  'parse_ipv6',
  'parse_xml',
  'parse_csv',
  'parse_command_line',
  'parse_user_agent',
  'base64_encode_tostring',
  'base64_decode_tostring',
  'hash',
  'hash_sha256',
  'hash_md5',
  'hash_sha1',
  'ipv4_is_private',
  'ipv4_is_in_range',
  'ipv4_compare',
  'geo_info_from_ip_address',
  'materialize',
  'percentile',
  'percentiles',
  'stdev',
  'variance',
  'make_bag',
  'row_number',
  'prev',
  'next',
  'row_cumsum',
  'series_stats',
  'url_decode',
  'url_encode',
  'gettype',
  'datetime_add',
  'datetime_part',
  'make_datetime',
  'make_timespan',
  'format_timespan',
  'unixtime_seconds_todatetime',
  'unixtime_milliseconds_todatetime',
  'tohex',
  'reverse',
  'array_concat',
  'array_slice',
  'array_index_of',
  'set_union',
  'set_intersect',
  'set_difference',
  'bag_merge',
  'mv_expand',
  'toguid',
  'column_ifexists',
]);

export function lookupFunction(name: string, pos: number): FunctionDef {
  const def = FUNCTIONS.get(name);
  if (def) return def;
  if (UNSUPPORTED_FUNCTIONS.has(name)) throw unsupportedFunction(name, pos);
  throw new KqlError(`Unknown function: '${name}'`, pos);
}

export function checkArity(def: Pick<FunctionDef, 'min' | 'max'>, count: number, call: Pick<FunctionCall, 'name' | 'pos'>): void {
  if (count < def.min || count > def.max) {
    const expected = def.min === def.max ? `${def.min}` : def.max >= 64 ? `at least ${def.min}` : `${def.min} to ${def.max}`;
    throw new KqlError(`${call.name}(): expects ${expected} argument${def.max === 1 ? '' : 's'}, got ${count}`, call.pos);
  }
}
