/**
 * Compiles scalar expressions into closures over a row, checking names and types first: an
 * unknown column or a datetime compared with a string is a 400 before any row is read.
 */
import type { Expr } from './ast.js';
import { KqlError, unsupportedOperator } from './errors.js';
import { AGGREGATE_FUNCTIONS, checkArity, hasTerm, lookupFunction } from './functions.js';
import { constant, type Scalar, type Scope } from './scope.js';
import {
  comparable,
  compareValues,
  fromDynamic,
  isNumericType,
  keyPart,
  numericResultType,
  toText,
  typeClass,
  type KqlType,
  type Row,
  type Value,
} from './types.js';

export function compileScalar(expr: Expr, scope: Scope): Scalar {
  return fold(compileNode(expr, scope));
}

/** Computes a row-independent expression once. */
function fold(s: Scalar): Scalar {
  if (!s.constant) return s;
  const value = s.eval([]);
  return constant(s.type, value);
}

function compileNode(expr: Expr, scope: Scope): Scalar {
  switch (expr.k) {
    case 'literal':
      return constant(expr.type, expr.value);
    case 'name':
      return compileName(expr.name, expr.pos, scope);
    case 'star':
      throw new KqlError("'*' is only allowed as an argument of arg_max(), arg_min() and count()", expr.pos);
    case 'call':
      return compileCall(expr, scope);
    case 'toscalar': {
      const frame = scope.ctx.runPipeline(expr.query, scope.lets);
      const column = frame.columns[0];
      if (!column) throw new KqlError('toscalar(): the query has no columns', expr.pos);
      const value = frame.rows[0]?.[0] ?? null;
      return constant(column.type, value);
    }
    case 'unary': {
      const operand = compileScalar(expr.operand, scope);
      if (expr.op === '+') return operand;
      if (!isNumericType(operand.type) && operand.type !== 'timespan' && operand.type !== 'dynamic') {
        throw new KqlError(`The operator '-' cannot be applied to a value of type ${operand.type}`, expr.pos);
      }
      const read = operand.type === 'dynamic' ? (row: Row) => fromDynamic(operand.eval(row), 'real') : operand.eval;
      return {
        type: operand.type === 'dynamic' ? 'real' : operand.type,
        eval: (row) => {
          const v = read(row);
          return typeof v === 'number' ? -v : null;
        },
        constant: operand.constant === true,
      };
    }
    case 'binary':
      return compileBinary(expr, scope);
    case 'list':
      return compileList(expr, scope);
    case 'between':
      return compileBetween(expr, scope);
    case 'member': {
      const target = compileScalar(expr.target, scope);
      if (target.type !== 'dynamic') {
        throw new KqlError(`Properties and indexes apply to dynamic values, but this value's type is ${target.type} (parse it with parse_json() first)`, expr.pos);
      }
      const key = compileScalar(expr.key, scope);
      return {
        type: 'dynamic',
        eval: (row) => member(target.eval(row), key.eval(row)),
        constant: target.constant === true && key.constant === true,
      };
    }
  }
}

function member(target: Value, key: Value): Value {
  if (Array.isArray(target) && typeof key === 'number' && Number.isInteger(key)) return target[key < 0 ? target.length + key : key] ?? null;
  if (target !== null && typeof target === 'object' && !Array.isArray(target) && typeof key === 'string') return Object.hasOwn(target, key) ? (target[key] ?? null) : null;
  return null;
}

function compileName(name: string, pos: number, scope: Scope): Scalar {
  const index = scope.index.get(name);
  if (index !== undefined) {
    const column = scope.columns[index];
    if (column) return { type: column.type, eval: (row) => row[index] ?? null };
  }
  const bound = scope.lets.get(name);
  if (bound?.kind === 'scalar') return constant(bound.type, bound.value);
  if (bound?.kind === 'tabular') throw new KqlError(`'${name}' is a tabular expression: it cannot be used as a scalar value`, pos);
  if (scope.aggregate?.input.index.has(name)) {
    throw new KqlError(`Column '${name}' must be inside an aggregation function (count(), max()…) or in the by clause of summarize`, pos);
  }
  throw new KqlError(`Failed to resolve scalar expression named '${name}'`, pos);
}

function compileCall(expr: Extract<Expr, { k: 'call' }>, scope: Scope): Scalar {
  if (AGGREGATE_FUNCTIONS.has(expr.name)) {
    if (!scope.aggregate) throw new KqlError(`${expr.name}() is an aggregation function: use it in summarize`, expr.pos);
    return scope.aggregate.add(expr);
  }
  const def = lookupFunction(expr.name, expr.pos);
  checkArity(def, expr.args.length, expr);
  const args = expr.args.map((a) => compileScalar(a, scope));
  return def.compile(args, expr, scope);
}

/** Reads both sides of a comparison as one type: a dynamic side takes the other side's type. */
function alignForComparison(left: Scalar, right: Scalar, op: string, pos: number): { type: KqlType; l: (row: Row) => Value; r: (row: Row) => Value } {
  if (!comparable(left.type, right.type)) {
    throw new KqlError(`Cannot compare a value of type ${left.type} with a value of type ${right.type} using '${op}' (convert one side, e.g. with todatetime() or tostring())`, pos);
  }
  if (left.type === 'dynamic' && right.type !== 'dynamic') return { type: right.type, l: (row) => fromDynamic(left.eval(row), right.type), r: right.eval };
  if (right.type === 'dynamic' && left.type !== 'dynamic') return { type: left.type, l: left.eval, r: (row) => fromDynamic(right.eval(row), left.type) };
  return { type: left.type, l: left.eval, r: right.eval };
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

type StringTest = (hay: string, needle: string) => boolean;
const lower = (s: string) => s.toLowerCase();
const STRING_TESTS: Record<string, StringTest> = {
  has: (h, n) => hasTerm(h, n, false),
  has_cs: (h, n) => hasTerm(h, n, true),
  hasprefix: (h, n) => hasTerm(h, n, false, true),
  hasprefix_cs: (h, n) => hasTerm(h, n, true, true),
  hassuffix: (h, n) => hasTerm(h, n, false, false, true),
  hassuffix_cs: (h, n) => hasTerm(h, n, true, false, true),
  contains: (h, n) => lower(h).includes(lower(n)),
  contains_cs: (h, n) => h.includes(n),
  startswith: (h, n) => lower(h).startsWith(lower(n)),
  startswith_cs: (h, n) => h.startsWith(n),
  endswith: (h, n) => lower(h).endsWith(lower(n)),
  endswith_cs: (h, n) => h.endsWith(n),
};

/** A scalar read as a bool (a dynamic value converted), or the refusal for any other type: filters, `and`/`or`, `*if` aggregates. */
export function asBool(s: Scalar, refuse: (type: KqlType) => KqlError): (row: Row) => Value {
  if (s.type === 'bool') return s.eval;
  if (s.type === 'dynamic') return (row) => fromDynamic(s.eval(row), 'bool');
  throw refuse(s.type);
}

function bool(s: Scalar, what: string, pos: number): (row: Row) => Value {
  return asBool(s, (type) => new KqlError(`${what} needs a bool value, but this one's type is ${type}`, pos));
}

function compileBinary(expr: Extract<Expr, { k: 'binary' }>, scope: Scope): Scalar {
  const left = compileScalar(expr.left, scope);
  const right = compileScalar(expr.right, scope);
  const isConstant = left.constant === true && right.constant === true;
  const { op, pos } = expr;
  const result = (type: KqlType, evaluate: (row: Row) => Value): Scalar => ({ type, eval: evaluate, constant: isConstant });

  if (op === 'and' || op === 'or') {
    const l = bool(left, `'${op}'`, expr.left.pos);
    const r = bool(right, `'${op}'`, expr.right.pos);
    if (op === 'and') {
      return result('bool', (row) => {
        const a = l(row);
        if (a === false) return false;
        const b = r(row);
        if (b === false) return false;
        return a === true && b === true ? true : null;
      });
    }
    return result('bool', (row) => {
      const a = l(row);
      if (a === true) return true;
      const b = r(row);
      if (b === true) return true;
      return a === false && b === false ? false : null;
    });
  }

  if (op === '==' || op === '!=') {
    const { l, r } = alignForComparison(left, right, op, pos);
    const negate = op === '!=';
    return result('bool', (row) => {
      const a = l(row);
      const b = r(row);
      if (a === null || b === null) return null;
      return equal(a, b) !== negate;
    });
  }

  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    const { type, l, r } = alignForComparison(left, right, op, pos);
    const test = op === '<' ? (c: number) => c < 0 : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
    return result('bool', (row) => {
      const a = l(row);
      const b = r(row);
      if (a === null || b === null) return null;
      return test(compareValues(a, b, type));
    });
  }

  if (op === '=~' || op === '!~') {
    for (const side of [left, right]) {
      if (typeClass(side.type) !== 'string' && side.type !== 'dynamic') throw new KqlError(`The operator '${op}' compares strings, but one side's type is ${side.type}`, pos);
    }
    const negate = op === '!~';
    return result('bool', (row) => (lower(toText(left.eval(row), left.type)) === lower(toText(right.eval(row), right.type))) !== negate);
  }

  const negated = op.startsWith('!');
  const testName = negated ? op.slice(1) : op;
  if (Object.hasOwn(STRING_TESTS, testName)) {
    const test = STRING_TESTS[testName];
    if (!test) throw unsupportedOperator(op, pos);
    if (typeClass(right.type) !== 'string' && right.type !== 'dynamic') throw new KqlError(`The operator '${op}' needs a string on its right, but its type is ${right.type}`, pos);
    return result('bool', (row) => test(toText(left.eval(row), left.type), toText(right.eval(row), right.type)) !== negated);
  }

  if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') return arithmetic(op, left, right, pos, isConstant);
  throw unsupportedOperator(op, pos);
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%', left: Scalar, right: Scalar, pos: number, isConstant: boolean): Scalar {
  const lt = left.type;
  const rt = right.type;
  const numeric = (t: KqlType) => isNumericType(t) || t === 'dynamic';
  const read = (s: Scalar) => (s.type === 'dynamic' ? (row: Row) => fromDynamic(s.eval(row), 'real') : s.eval);
  const l = read(left);
  const r = read(right);
  const make = (type: KqlType, f: (a: number, b: number) => number | null): Scalar => ({
    type,
    eval: (row) => {
      const a = l(row);
      const b = r(row);
      if (typeof a !== 'number' || typeof b !== 'number') return null;
      const v = f(a, b);
      return v === null || Number.isNaN(v) ? null : v;
    },
    constant: isConstant,
  });
  const plain = (f: (a: number, b: number) => number | null) => f;

  if (numeric(lt) && numeric(rt)) {
    const type = numericResultType(lt, rt);
    const integral = type !== 'real';
    switch (op) {
      case '+':
        return make(type, (a, b) => a + b);
      case '-':
        return make(type, (a, b) => a - b);
      case '*':
        return make(type, (a, b) => a * b);
      case '/':
        return make(type, (a, b) => (integral ? (b === 0 ? null : Math.trunc(a / b)) : a / b));
      case '%':
        return make(type, (a, b) => (b === 0 ? null : a % b));
    }
  }
  if (lt === 'datetime' && rt === 'datetime' && op === '-') return make('timespan', (a, b) => a - b);
  if (lt === 'datetime' && rt === 'timespan' && (op === '+' || op === '-')) return make('datetime', op === '+' ? (a, b) => a + b : (a, b) => a - b);
  if (lt === 'timespan' && rt === 'datetime' && op === '+') return make('datetime', (a, b) => a + b);
  if (lt === 'timespan' && rt === 'timespan') {
    if (op === '+') return make('timespan', (a, b) => a + b);
    if (op === '-') return make('timespan', (a, b) => a - b);
    if (op === '/') return make('real', plain((a, b) => (b === 0 ? null : a / b)));
    if (op === '%') return make('timespan', (a, b) => (b === 0 ? null : a % b));
  }
  if (lt === 'timespan' && numeric(rt) && (op === '*' || op === '/')) return make('timespan', op === '*' ? (a, b) => a * b : (a, b) => (b === 0 ? null : a / b));
  if (numeric(lt) && rt === 'timespan' && op === '*') return make('timespan', (a, b) => a * b);
  const hint = typeClass(lt) === 'string' && typeClass(rt) === 'string' && op === '+' ? ' (join strings with strcat())' : '';
  throw new KqlError(`The operator '${op}' cannot be applied to values of types ${lt} and ${rt}${hint}`, pos);
}

function compileBetween(expr: Extract<Expr, { k: 'between' }>, scope: Scope): Scalar {
  const value = compileScalar(expr.left, scope);
  const low = compileScalar(expr.low, scope);
  let high = compileScalar(expr.high, scope);
  // datetime between (start .. 1d): the upper bound is an offset from the lower one.
  if (value.type === 'datetime' && low.type === 'datetime' && high.type === 'timespan') {
    const span = high;
    high = { type: 'datetime', eval: (row) => {
      const a = low.eval(row);
      const b = span.eval(row);
      return typeof a === 'number' && typeof b === 'number' ? a + b : null;
    }, constant: low.constant === true && span.constant === true };
  }
  const lo = alignForComparison(value, low, 'between', expr.pos);
  const hi = alignForComparison(value, high, 'between', expr.pos);
  return {
    type: 'bool',
    eval: (row) => {
      const v = lo.l(row);
      const a = lo.r(row);
      const b = hi.r(row);
      if (v === null || a === null || b === null) return null;
      const inside = compareValues(v, a, lo.type) >= 0 && compareValues(v, b, hi.type) <= 0;
      return inside !== expr.negated;
    },
    constant: value.constant === true && low.constant === true && high.constant === true,
  };
}

/** Values of the right side of `in`/`has_any`, flattened (dynamic arrays contribute their elements). */
function listValues(expr: Extract<Expr, { k: 'list' }>, left: Scalar, scope: Scope): { constant: Value[] | null; evals: ((row: Row) => Value[]) | null } {
  const items = expr.items;
  if (!Array.isArray(items)) {
    const frame = scope.ctx.runPipeline(items, scope.lets);
    const column = frame.columns[0];
    if (!column) throw new KqlError(`The subquery of '${expr.op}' has no columns`, expr.pos);
    if (!comparable(left.type, column.type)) throw new KqlError(`Cannot compare a value of type ${left.type} with the subquery's ${column.type} column '${column.name}' using '${expr.op}'`, expr.pos);
    return { constant: frame.rows.map((r) => r[0] ?? null), evals: null };
  }
  const compiled = items.map((item) => compileScalar(item, scope));
  for (const c of compiled) {
    if (!comparable(left.type, c.type) && !expr.op.startsWith('has')) throw new KqlError(`Cannot compare a value of type ${left.type} with a value of type ${c.type} using '${expr.op}'`, expr.pos);
  }
  const flatten = (row: Row): Value[] => {
    const out: Value[] = [];
    for (const c of compiled) {
      const v = c.eval(row);
      if (c.type === 'dynamic' && Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out;
  };
  if (compiled.every((c) => c.constant === true)) return { constant: flatten([]), evals: null };
  return { constant: null, evals: flatten };
}

function compileList(expr: Extract<Expr, { k: 'list' }>, scope: Scope): Scalar {
  const left = compileScalar(expr.left, scope);
  const { op } = expr;
  const values = listValues(expr, left, scope);
  const leftType = left.type;

  if (op === 'has_any' || op === 'has_all' || op === 'has_any_cs' || op === 'has_all_cs') {
    const caseSensitive = op.endsWith('_cs');
    const all = op.startsWith('has_all');
    const needlesOf = (row: Row) => (values.constant ?? values.evals?.(row) ?? []).map((v) => toText(v, 'dynamic'));
    return {
      type: 'bool',
      eval: (row) => {
        const hay = toText(left.eval(row), leftType);
        const needles = needlesOf(row);
        return all ? needles.every((n) => hasTerm(hay, n, caseSensitive)) : needles.some((n) => hasTerm(hay, n, caseSensitive));
      },
    };
  }

  const negated = op.startsWith('!');
  const insensitive = op.endsWith('~');
  if (insensitive && typeClass(leftType) !== 'string' && leftType !== 'dynamic') throw new KqlError(`The operator '${op}' compares strings, but the value's type is ${leftType}`, expr.pos);
  const itemKey = insensitive ? (v: Value) => lower(toText(v, 'dynamic')) : (v: Value) => keyPart(leftType === 'dynamic' ? normalize(v) : fromItem(v, leftType), 'dynamic');
  const leftKey = insensitive ? (v: Value) => lower(toText(v, leftType)) : (v: Value) => keyPart(normalize(v), 'dynamic');
  const keysOf = (vs: Value[]) => new Set(vs.filter((v) => v !== null).map(itemKey));
  const fixed = values.constant ? keysOf(values.constant) : null;
  return {
    type: 'bool',
    eval: (row) => {
      const v = left.eval(row);
      if (v === null) return negated;
      const keys = fixed ?? keysOf(values.evals?.(row) ?? []);
      return keys.has(leftKey(v)) !== negated;
    },
    constant: left.constant === true && fixed !== null,
  };
}

/** A list item (maybe from a dynamic array) as the left side's type, so `Timestamp in (dynamic([...]))` and `1 in ("1")` behave. */
function fromItem(v: Value, type: KqlType): Value {
  if (typeof v === 'string' && (type === 'datetime' || type === 'timespan' || isNumericType(type))) return fromDynamic(v, type);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return v;
}

/** Dynamic values compared by `in`: arrays and bags by their JSON text. */
function normalize(v: Value): Value {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
}
