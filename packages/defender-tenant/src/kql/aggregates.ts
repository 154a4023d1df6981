/** Aggregation functions for summarize: each compiles to a factory of per-group accumulators. */
import type { Expr } from './ast.js';
import { ENGINE, KqlError } from './errors.js';
import { checkArity } from './functions.js';
import { asBool, compileScalar } from './scalar.js';
import type { Scalar, Scope } from './scope.js';
import { compareValues, fromDynamic, isNumericType, keyPart, toDynamic, type KqlType, type Row, type Value } from './types.js';

export interface Accumulator {
  add(row: Row): void;
  result(): Value;
}

export interface AggregateSpec {
  type: KqlType;
  /** The column name Kusto gives it when the query does not: count_, dcount_AccountUpn… */
  defaultName: string;
  create(): Accumulator;
}

type CallExpr = Extract<Expr, { k: 'call' }>;

const DEFAULT_SET_SIZE = 1_048_576;

function columnSuffix(expr: Expr | undefined): string {
  if (!expr) return '';
  if (expr.k === 'name') return expr.name;
  if (expr.k === 'member') {
    const target = columnSuffix(expr.target);
    return expr.key.k === 'literal' && typeof expr.key.value === 'string' && target ? `${target}_${expr.key.value}` : target;
  }
  if (expr.k === 'call') return columnSuffix(expr.args[0]);
  return '';
}

function arity(call: CallExpr, min: number, max: number): void {
  checkArity({ min, max }, call.args.length, call);
}

function compileArg(call: CallExpr, i: number, input: Scope): Scalar {
  const expr = call.args[i];
  if (!expr) throw new KqlError(`${call.name}(): missing argument ${i + 1}`, call.pos);
  return compileScalar(expr, input);
}

/**
 * The operands most aggregations share: the value (argument 1), the `*if` variants' predicate
 * (argument 2), and the index where an optional trailing argument (a size limit) would be.
 */
function operands(call: CallExpr, input: Scope, conditional: boolean, optionalExtra = false) {
  const base = conditional ? 2 : 1;
  arity(call, base, base + (optionalExtra ? 1 : 0));
  return { value: compileArg(call, 0, input), test: conditional ? predicate(call, 1, input) : always, extra: base };
}

function predicate(call: CallExpr, i: number, input: Scope): (row: Row) => boolean {
  const test = asBool(compileArg(call, i, input), (type) => new KqlError(`${call.name}(): argument ${i + 1} must be a bool predicate, but its type is ${type}`, call.pos));
  return (row) => test(row) === true;
}

function limitArg(call: CallExpr, i: number, input: Scope): number {
  if (call.args.length <= i) return DEFAULT_SET_SIZE;
  const s = compileArg(call, i, input);
  const v = s.constant ? s.eval([]) : null;
  if (typeof v !== 'number' || !isNumericType(s.type) || v < 1) throw new KqlError(`${call.name}(): the maximum size must be a positive constant number`, call.pos);
  return Math.min(Math.trunc(v), DEFAULT_SET_SIZE);
}

const always = () => true;

export function compileAggregate(call: CallExpr, input: Scope): AggregateSpec {
  const suffix = columnSuffix(call.args[0]);
  switch (call.name) {
    case 'count': {
      arity(call, 0, 1);
      const first = call.args[0];
      const value = first && first.k !== 'star' ? compileArg(call, 0, input) : null;
      return {
        type: 'long',
        defaultName: 'count_',
        create: () => {
          let n = 0;
          return {
            add: (row) => {
              if (!value || value.eval(row) !== null) n++;
            },
            result: () => n,
          };
        },
      };
    }
    case 'countif': {
      arity(call, 1, 1);
      const test = predicate(call, 0, input);
      return {
        type: 'long',
        defaultName: 'countif_',
        create: () => {
          let n = 0;
          return { add: (row) => void (test(row) && n++), result: () => n };
        },
      };
    }
    case 'dcount':
    case 'dcountif': {
      const { value, test } = operands(call, input, call.name === 'dcountif', true);
      return {
        type: 'long',
        defaultName: `${call.name}_${suffix}`,
        create: () => {
          const seen = new Set<string>();
          return {
            add: (row) => {
              if (!test(row)) return;
              const v = value.eval(row);
              if (v !== null) seen.add(keyPart(v, value.type));
            },
            result: () => seen.size,
          };
        },
      };
    }
    case 'sum':
    case 'sumif':
    case 'avg':
    case 'avgif': {
      const { value, test } = operands(call, input, call.name.endsWith('if'));
      if (!isNumericType(value.type) && value.type !== 'timespan' && value.type !== 'dynamic') {
        throw new KqlError(`${call.name}(): expects a number or a timespan, but the argument's type is ${value.type}`, call.pos);
      }
      const read = value.type === 'dynamic' ? (row: Row) => fromDynamic(value.eval(row), 'real') : value.eval;
      const average = call.name.startsWith('avg');
      const type: KqlType = value.type === 'timespan' ? 'timespan' : average || value.type === 'real' || value.type === 'dynamic' ? 'real' : 'long';
      return {
        type,
        defaultName: `${call.name}_${suffix}`,
        create: () => {
          let total = 0;
          let n = 0;
          return {
            add: (row) => {
              if (!test(row)) return;
              const v = read(row);
              if (typeof v === 'number') {
                total += v;
                n++;
              }
            },
            result: () => (n === 0 ? null : average ? total / n : total),
          };
        },
      };
    }
    case 'min':
    case 'max':
    case 'minif':
    case 'maxif': {
      const { value, test } = operands(call, input, call.name.endsWith('if'));
      const sign = call.name.startsWith('max') ? 1 : -1;
      return {
        type: value.type,
        defaultName: `${call.name}_${suffix}`,
        create: () => {
          let best: Value = null;
          return {
            add: (row) => {
              if (!test(row)) return;
              const v = value.eval(row);
              if (v !== null && (best === null || sign * compareValues(v, best, value.type) > 0)) best = v;
            },
            result: () => best,
          };
        },
      };
    }
    case 'make_set':
    case 'make_set_if':
    case 'make_list':
    case 'make_list_if': {
      const { value, test, extra } = operands(call, input, call.name.endsWith('_if'), true);
      const max = limitArg(call, extra, input);
      const distinct = call.name.startsWith('make_set');
      return {
        type: 'dynamic',
        defaultName: `${distinct ? 'set' : 'list'}_${suffix}`,
        create: () => {
          const items: Value[] = [];
          const seen = new Set<string>();
          return {
            add: (row) => {
              if (items.length >= max || !test(row)) return;
              const v = value.eval(row);
              if (v === null) return;
              if (distinct) {
                const key = keyPart(v, value.type);
                if (seen.has(key)) return;
                seen.add(key);
              }
              items.push(toDynamic(v, value.type));
            },
            result: () => items,
          };
        },
      };
    }
    case 'take_any':
    case 'any': {
      arity(call, 1, 1);
      const value = compileArg(call, 0, input);
      return {
        type: value.type,
        defaultName: `any_${suffix}`,
        create: () => {
          let found: Value = null;
          return {
            add: (row) => {
              if (found === null) found = value.eval(row);
            },
            result: () => found,
          };
        },
      };
    }
    case 'arg_max':
    case 'arg_min':
      throw new KqlError(`${call.name}() must stand alone in summarize (summarize ${call.name}(Timestamp, *) by …)`, call.pos);
    default:
      throw new KqlError(`${ENGINE} does not support the aggregation function '${call.name}()'`, call.pos);
  }
}
