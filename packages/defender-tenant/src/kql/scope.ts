/** What an expression is compiled against: the columns of its input, the let names, the query's context. */
import type { Expr, Pipeline } from './ast.js';
import { KqlError } from './errors.js';
import type { Column, Frame, KqlType, Row, Value } from './types.js';

/** A compiled scalar expression: its static type and how to compute it for a row. */
export interface Scalar {
  type: KqlType;
  eval: (row: Row) => Value;
  /** Same value for every row (literals, lets, ago(7d)…). */
  constant?: boolean;
}

export interface ScalarLet {
  kind: 'scalar';
  type: KqlType;
  value: Value;
}

export interface TabularLet {
  kind: 'tabular';
  query: Pipeline;
  /** The names visible where it was defined. */
  lets: LetScope;
  result?: Frame;
}

export type LetScope = ReadonlyMap<string, ScalarLet | TabularLet>;

/** Limits on the work one query may do: rows touched and characters built, and wall time. */
export class Budget {
  private used = 0;
  private nextClockCheck = 4096;

  constructor(
    private readonly maxWork: number,
    private readonly deadline: number,
  ) {}

  work(units: number): void {
    this.used += units;
    if (this.used > this.maxWork) throw new KqlError(`The query exceeded the embedded tenant's CPU quota (${this.maxWork.toLocaleString('en-US')} units of work): narrow it with where, take or summarize`);
    if (this.used >= this.nextClockCheck) {
      this.nextClockCheck = this.used + 4096;
      if (Date.now() > this.deadline) throw new KqlError("The query exceeded the embedded tenant's time limit: narrow it with where, take or summarize");
    }
  }
}

export interface QueryContext {
  nowMs: number;
  budget: Budget;
  /** Runs a tabular subquery: `toscalar(…)`, `x in (T | project y)`. */
  runPipeline(query: Pipeline, lets: LetScope): Frame;
}

/** Lets `summarize` see aggregation calls while the rest of the expression compiles as usual. */
export interface AggregateHook {
  input: Scope;
  add(call: Extract<Expr, { k: 'call' }>): Scalar;
}

export interface Scope {
  columns: readonly Column[];
  index: ReadonlyMap<string, number>;
  lets: LetScope;
  ctx: QueryContext;
  aggregate?: AggregateHook;
}

export function scopeOf(columns: readonly Column[], lets: LetScope, ctx: QueryContext): Scope {
  const index = new Map<string, number>();
  columns.forEach((c, i) => {
    if (!index.has(c.name)) index.set(c.name, i);
  });
  return { columns, index, lets, ctx };
}

export function constant(type: KqlType, value: Value): Scalar {
  return { type, eval: () => value, constant: true };
}
