/** Runs a parsed script: let statements, then the tabular pipeline, operator by operator. */
import { compileAggregate, type Accumulator } from './aggregates.js';
import type { Expr, JoinKind, NamedExpr, Operator, Pipeline, Script, SortKey, Source } from './ast.js';
import { KqlError } from './errors.js';
import { convert } from './functions.js';
import { asBool, compileScalar } from './scalar.js';
import { scopeOf, type Budget, type LetScope, type QueryContext, type Scalar, type Scope, type ScalarLet, type TabularLet } from './scope.js';
import { comparable, compareValues, isNumericType, rowKey, type Column, type Frame, type KqlType, type Row, type Value } from './types.js';

export interface ExecuteOptions {
  nowMs: number;
  budget: Budget;
  /** A base table with the time window applied, or undefined when there is none by that name. */
  table(name: string): Frame | undefined;
  /** Most rows an operator may produce (a join's output, for one). */
  maxIntermediateRows: number;
}

const MAX_PIPELINE_NESTING = 64;

export function executeScript(script: Script, options: ExecuteOptions): Frame {
  return new Executor(options).run(script);
}

type Call = Extract<Expr, { k: 'call' }>;

class Executor implements QueryContext {
  readonly nowMs: number;
  readonly budget: Budget;
  private nesting = 0;

  constructor(private readonly options: ExecuteOptions) {
    this.nowMs = options.nowMs;
    this.budget = options.budget;
  }

  run(script: Script): Frame {
    let lets: LetScope = new Map();
    for (const statement of script.statements) {
      if (statement.k === 'query') return this.runPipeline(statement.query, lets);
      const next = new Map(lets);
      if (statement.value.k === 'scalar') {
        const s = compileScalar(statement.value.expr, scopeOf([], lets, this));
        if (!s.constant) throw new KqlError(`let ${statement.name}: the value must not depend on a row`, statement.pos);
        const bound: ScalarLet = { kind: 'scalar', type: s.type, value: s.eval([]) };
        next.set(statement.name, bound);
      } else {
        const bound: TabularLet = { kind: 'tabular', query: statement.value.query, lets };
        next.set(statement.name, bound);
      }
      lets = next;
    }
    throw new KqlError('The query has no tabular expression to run');
  }

  runPipeline(query: Pipeline, lets: LetScope): Frame {
    if (++this.nesting > MAX_PIPELINE_NESTING) throw new KqlError('The query nests too many subqueries and let references');
    try {
      let frame = this.source(query.source, lets);
      for (const operator of query.operators) {
        this.budget.work(frame.rows.length);
        frame = this.operator(frame, operator, lets);
        if (frame.rows.length > this.options.maxIntermediateRows) {
          throw new KqlError(`The query exceeded the embedded tenant's memory limit: an operator produced more than ${this.options.maxIntermediateRows.toLocaleString('en-US')} rows`, operator.pos);
        }
      }
      return frame;
    } finally {
      this.nesting--;
    }
  }

  private scope(columns: readonly Column[], lets: LetScope): Scope {
    return scopeOf(columns, lets, this);
  }

  private source(source: Source, lets: LetScope): Frame {
    switch (source.k) {
      case 'table': {
        const bound = lets.get(source.name);
        if (bound?.kind === 'tabular') {
          bound.result ??= this.runPipeline(bound.query, bound.lets);
          return bound.result;
        }
        if (bound?.kind === 'scalar') throw new KqlError(`'${source.name}' is a scalar value, not a table`, source.pos);
        const table = this.options.table(source.name);
        if (!table) throw new KqlError(`Failed to resolve table expression named '${source.name}'`, source.pos);
        return table;
      }
      case 'pipeline':
        return this.runPipeline(source.query, lets);
      case 'datatable':
        return this.datatable(source, lets);
      case 'print': {
        const scope = this.scope([], lets);
        const columns: Column[] = [];
        const row: Row = [];
        const used = new Set<string>();
        source.items.forEach((item, i) => {
          const s = compileScalar(item.expr, scope);
          columns.push({ name: uniqueName(item.name ?? autoName(item.expr, `print_${i}`), used), type: s.type });
          row.push(s.eval([]));
        });
        return { columns, rows: [row] };
      }
    }
  }

  private datatable(source: Extract<Source, { k: 'datatable' }>, lets: LetScope): Frame {
    const width = source.columns.length;
    if (source.values.length % width !== 0) throw new KqlError(`datatable: ${source.values.length} values do not fill rows of ${width} columns`, source.pos);
    const scope = this.scope([], lets);
    const rows: Row[] = [];
    let row: Row = [];
    source.values.forEach((expr, i) => {
      const column = source.columns[i % width];
      if (!column) return;
      const s = compileScalar(expr, scope);
      if (!s.constant) throw new KqlError('datatable: values must be literals', expr.pos);
      const fits = s.type === column.type || (isNumericType(s.type) && isNumericType(column.type)) || column.type === 'dynamic' || s.type === 'dynamic' || (column.type === 'guid' && s.type === 'string');
      if (!fits) throw new KqlError(`datatable: a value of type ${s.type} in column '${column.name}' of type ${column.type}`, expr.pos);
      row.push(convert(s, column.type)([]));
      if (row.length === width) {
        rows.push(row);
        row = [];
      }
    });
    return { columns: source.columns.map((c) => ({ ...c })), rows };
  }

  private operator(frame: Frame, op: Operator, lets: LetScope): Frame {
    switch (op.op) {
      case 'where':
        return this.where(frame, op.predicate, lets);
      case 'project':
        return this.project(frame, op.items, lets);
      case 'project-away': {
        const drop = matchColumns(frame.columns, op.patterns);
        return pick(
          frame,
          frame.columns.map((_, i) => i).filter((i) => !drop.has(i)),
        );
      }
      case 'project-keep': {
        const keep = matchColumns(frame.columns, op.patterns);
        return pick(
          frame,
          frame.columns.map((_, i) => i).filter((i) => keep.has(i)),
        );
      }
      case 'project-rename': {
        const columns = frame.columns.map((c) => ({ ...c }));
        for (const r of op.renames) {
          const index = columns.findIndex((c) => c.name === r.from);
          const column = columns[index];
          if (!column) throw new KqlError(`Failed to resolve scalar expression named '${r.from}'`, r.pos);
          column.name = r.to;
        }
        return { columns, rows: frame.rows };
      }
      case 'extend':
        return this.extend(frame, op.items, lets);
      case 'summarize':
        return this.summarize(frame, op, lets);
      case 'sort':
        return { columns: frame.columns, rows: this.sort(frame, op.keys, lets) };
      case 'top': {
        const n = this.count(op.count, lets, 'top');
        return { columns: frame.columns, rows: this.sort(frame, op.keys, lets).slice(0, n) };
      }
      case 'take': {
        const n = this.count(op.count, lets, 'take');
        return { columns: frame.columns, rows: frame.rows.slice(0, n) };
      }
      case 'distinct':
        return this.distinct(frame, op.columns, lets);
      case 'count':
        return { columns: [{ name: 'Count', type: 'long' }], rows: [[frame.rows.length]] };
      case 'join':
        return this.join(frame, op, lets);
    }
  }

  private count(expr: Expr, lets: LetScope, operator: string): number {
    const s = compileScalar(expr, this.scope([], lets));
    const v = s.eval([]);
    if (!s.constant || !isNumericType(s.type) || typeof v !== 'number' || v < 0 || !Number.isFinite(v)) {
      throw new KqlError(`${operator}: the number of rows must be a constant, non-negative number`, expr.pos);
    }
    return Math.trunc(v);
  }

  private where(frame: Frame, predicate: Expr, lets: LetScope): Frame {
    const s = compileScalar(predicate, this.scope(frame.columns, lets));
    const test = asBool(s, (type) => new KqlError(`where: the filter must be a bool expression, but its type is ${type}`, predicate.pos));
    if (s.constant) return { columns: frame.columns, rows: test([]) === true ? frame.rows : [] };
    const rows: Row[] = [];
    for (const row of frame.rows) {
      this.budget.work(1);
      if (test(row) === true) rows.push(row);
    }
    return { columns: frame.columns, rows };
  }

  private project(frame: Frame, items: NamedExpr[], lets: LetScope): Frame {
    const scope = this.scope(frame.columns, lets);
    const used = new Set<string>();
    const columns: Column[] = [];
    const evals: Scalar[] = [];
    let unnamed = 0;
    items.forEach((item) => {
      const s = compileScalar(item.expr, scope);
      const name = item.name ?? autoName(item.expr, '');
      const resolved = name === '' ? `Column${++unnamed}` : name;
      if (item.name !== undefined && used.has(resolved)) throw new KqlError(`project: a column named '${resolved}' is already in the output`, item.pos);
      columns.push({ name: uniqueName(resolved, used), type: s.type });
      evals.push(s);
    });
    const rows = frame.rows.map((row) => {
      this.budget.work(1);
      return evals.map((s) => s.eval(row));
    });
    return { columns, rows };
  }

  private extend(frame: Frame, items: NamedExpr[], lets: LetScope): Frame {
    const columns = frame.columns.map((c) => ({ ...c }));
    const steps: { index: number; eval: (row: Row) => Value }[] = [];
    let unnamed = 0;
    items.forEach((item) => {
      const s = compileScalar(item.expr, this.scope(columns, lets));
      const name = item.name ?? (autoName(item.expr, '') || `Column${++unnamed}`);
      const existing = columns.findIndex((c) => c.name === name);
      if (existing >= 0) {
        columns[existing] = { name, type: s.type };
        steps.push({ index: existing, eval: s.eval });
      } else {
        columns.push({ name, type: s.type });
        steps.push({ index: columns.length - 1, eval: s.eval });
      }
    });
    const rows = frame.rows.map((row) => {
      this.budget.work(1);
      const out = row.slice();
      for (const step of steps) out[step.index] = step.eval(out);
      return out;
    });
    return { columns, rows };
  }

  private summarize(frame: Frame, op: Extract<Operator, { op: 'summarize' }>, lets: LetScope): Frame {
    const input = this.scope(frame.columns, lets);
    const used = new Set<string>();
    const columns: Column[] = [];

    let unnamed = 0;
    const by = op.by.map((item) => {
      const s = compileScalar(item.expr, input);
      if (s.type === 'dynamic') throw new KqlError('summarize: cannot group by a dynamic value (convert it with tostring())', item.pos);
      const name = uniqueName(item.name ?? (byName(item.expr, '') || `Column${++unnamed}`), used);
      columns.push({ name, type: s.type });
      return s;
    });
    const byTypes = by.map((s) => s.type);
    const byNames = new Set(columns.map((c) => c.name));

    /** Accumulators of one group are made by these; outputs read their results. */
    const factories: (() => Accumulator)[] = [];
    const outputs: ((results: Value[], accumulators: Accumulator[]) => Value[])[] = [];

    op.aggregates.forEach((item) => {
      const e = item.expr;
      if (e.k === 'call' && (e.name === 'arg_max' || e.name === 'arg_min')) {
        const arg = this.argExtreme(e, input, byNames, used, columns, item.name);
        const slot = factories.length;
        factories.push(arg.create);
        outputs.push((_, accumulators) => arg.read(accumulators[slot]));
        return;
      }
      const first = factories.length;
      let defaultName = '';
      const aggScope: Scope = {
        ...this.scope([], lets),
        aggregate: {
          input,
          add: (call) => {
            const spec = compileAggregate(call, input);
            if (call === e) defaultName = spec.defaultName;
            const slot = factories.length;
            factories.push(spec.create);
            return { type: spec.type, eval: (results) => results[slot] ?? null };
          },
        },
      };
      const s = compileScalar(e, aggScope);
      if (factories.length === first) throw new KqlError('summarize: each aggregation must use an aggregation function such as count(), dcount() or max()', item.pos);
      columns.push({ name: uniqueName(item.name ?? (defaultName || `Column${++unnamed}`), used), type: s.type });
      outputs.push((results) => [s.eval(results)]);
    });

    const groups = new Map<string, { keys: Value[]; accumulators: Accumulator[] }>();
    for (const row of frame.rows) {
      this.budget.work(1);
      const keys = by.map((s) => s.eval(row));
      const key = rowKey(keys, byTypes);
      let group = groups.get(key);
      if (!group) {
        group = { keys, accumulators: factories.map((f) => f()) };
        groups.set(key, group);
      }
      for (const a of group.accumulators) a.add(row);
    }
    if (by.length === 0 && groups.size === 0) groups.set('', { keys: [], accumulators: factories.map((f) => f()) });

    const rows: Row[] = [];
    for (const group of groups.values()) {
      const results = group.accumulators.map((a) => a.result());
      rows.push([...group.keys, ...outputs.flatMap((o) => o(results, group.accumulators))]);
    }
    return { columns, rows };
  }

  /** `arg_max(Timestamp, *)`, `arg_min(Score, A, B)`: the row with the extreme value, or some of its columns. */
  private argExtreme(call: Call, input: Scope, byNames: ReadonlySet<string>, used: Set<string>, columns: Column[], givenName: string | undefined) {
    const [target, ...picks] = call.args;
    if (!target || target.k === 'star') throw new KqlError(`${call.name}(): the first argument is the expression to ${call.name === 'arg_max' ? 'maximise' : 'minimise'}`, call.pos);
    if (picks.length === 0) throw new KqlError(`${call.name}(): name the columns to return after the expression, or *`, call.pos);
    const value = compileScalar(target, input);
    const sign = call.name === 'arg_max' ? 1 : -1;
    const targetName = givenName ?? (target.k === 'name' ? target.name : `${call.name === 'arg_max' ? 'max' : 'min'}_${autoName(target, '')}`);
    const outputs: Scalar[] = [value];
    columns.push({ name: uniqueName(targetName, used), type: value.type });
    for (const p of picks) {
      if (p.k === 'star') {
        input.columns.forEach((c, index) => {
          if (byNames.has(c.name) || used.has(c.name)) return;
          columns.push({ name: uniqueName(c.name, used), type: c.type });
          outputs.push({ type: c.type, eval: (row) => row[index] ?? null });
        });
      } else {
        const s = compileScalar(p, input);
        columns.push({ name: uniqueName(autoName(p, `Column${columns.length + 1}`), used), type: s.type });
        outputs.push(s);
      }
    }
    const bestRows = new WeakMap<Accumulator, Row | null>();
    return {
      create: (): Accumulator => {
        let best: Row | null = null;
        let bestValue: Value = null;
        const accumulator: Accumulator = {
          add: (row) => {
            const v = value.eval(row);
            if (best === null || (v !== null && (bestValue === null || sign * compareValues(v, bestValue, value.type) > 0))) {
              best = row;
              bestValue = v;
              bestRows.set(accumulator, row);
            }
          },
          result: () => bestValue,
        };
        return accumulator;
      },
      read: (accumulator: Accumulator | undefined): Value[] => {
        const row = accumulator ? bestRows.get(accumulator) : undefined;
        return outputs.map((s) => (row ? s.eval(row) : null));
      },
    };
  }

  private sort(frame: Frame, keys: SortKey[], lets: LetScope): Row[] {
    const scope = this.scope(frame.columns, lets);
    const compiled = keys.map((k) => ({ ...k, s: compileScalar(k.expr, scope) }));
    const decorated = frame.rows.map((row) => ({ row, values: compiled.map((k) => k.s.eval(row)) }));
    this.budget.work(frame.rows.length * Math.max(1, Math.log2(frame.rows.length + 1)));
    decorated.sort((a, b) => {
      for (let i = 0; i < compiled.length; i++) {
        const key = compiled[i];
        if (!key) continue;
        const x = a.values[i] ?? null;
        const y = b.values[i] ?? null;
        if (x === null && y === null) continue;
        if (x === null) return key.nullsFirst ? -1 : 1;
        if (y === null) return key.nullsFirst ? 1 : -1;
        const c = compareValues(x, y, key.s.type);
        if (c !== 0) return key.descending ? -c : c;
      }
      return 0;
    });
    return decorated.map((d) => d.row);
  }

  private distinct(frame: Frame, columns: Expr[] | '*', lets: LetScope): Frame {
    const projected = columns === '*' ? frame : this.project(frame, columns.map((expr) => ({ name: undefined, expr, pos: expr.pos })), lets);
    const types = projected.columns.map((c) => c.type);
    const seen = new Set<string>();
    const rows: Row[] = [];
    for (const row of projected.rows) {
      const key = rowKey(row, types);
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
    }
    return { columns: projected.columns, rows };
  }

  private join(left: Frame, op: Extract<Operator, { op: 'join' }>, lets: LetScope): Frame {
    const right = this.runPipeline(op.right, lets);
    const leftKeys: number[] = [];
    const rightKeys: number[] = [];
    const keyTypes: KqlType[] = [];
    for (const key of op.on) {
      const l = left.columns.findIndex((c) => c.name === key.left);
      const r = right.columns.findIndex((c) => c.name === key.right);
      const lc = left.columns[l];
      const rc = right.columns[r];
      if (!lc) throw new KqlError(`Failed to resolve scalar expression named '${key.left}' on the left side of the join`, key.pos);
      if (!rc) throw new KqlError(`Failed to resolve scalar expression named '${key.right}' on the right side of the join`, key.pos);
      if (!comparable(lc.type, rc.type)) throw new KqlError(`join: cannot match '${key.left}' (${lc.type}) with '${key.right}' (${rc.type})`, key.pos);
      leftKeys.push(l);
      rightKeys.push(r);
      keyTypes.push(lc.type === 'dynamic' ? rc.type : lc.type);
    }
    const keyOf = (row: Row, indices: number[], types: KqlType[]): string | null => {
      const values: Value[] = [];
      for (let i = 0; i < indices.length; i++) {
        const v = row[indices[i] ?? -1] ?? null;
        if (v === null) return null;
        values.push(types[i] === 'dynamic' && typeof v === 'object' ? JSON.stringify(v) : v);
      }
      return rowKey(values, keyTypes);
    };
    const leftTypes = leftKeys.map((i) => left.columns[i]?.type ?? 'dynamic');
    const rightTypes = rightKeys.map((i) => right.columns[i]?.type ?? 'dynamic');
    const kind: JoinKind = op.kind;

    // Semi and anti joins keep one side's rows by whether the other side has their key.
    if (kind === 'leftsemi' || kind === 'leftanti' || kind === 'rightsemi' || kind === 'rightanti') {
      const keepLeft = kind.startsWith('left');
      const [kept, keptKeys, keptTypes] = keepLeft ? [left, leftKeys, leftTypes] : [right, rightKeys, rightTypes];
      const [probe, probeKeys, probeTypes] = keepLeft ? [right, rightKeys, rightTypes] : [left, leftKeys, leftTypes];
      const present = new Set<string>();
      for (const row of probe.rows) {
        this.budget.work(1);
        const key = keyOf(row, probeKeys, probeTypes);
        if (key !== null) present.add(key);
      }
      const wanted = kind.endsWith('semi');
      return {
        columns: kept.columns,
        rows: kept.rows.filter((row) => {
          const key = keyOf(row, keptKeys, keptTypes);
          return (key !== null && present.has(key)) === wanted;
        }),
      };
    }

    const index = new Map<string, number[]>();
    right.rows.forEach((row, i) => {
      this.budget.work(1);
      const key = keyOf(row, rightKeys, rightTypes);
      if (key === null) return;
      const bucket = index.get(key);
      if (bucket) bucket.push(i);
      else index.set(key, [i]);
    });

    const used = new Set(left.columns.map((c) => c.name));
    const columns: Column[] = [...left.columns, ...right.columns.map((c) => ({ name: uniqueName(c.name, used), type: c.type }))];
    const leftNulls: Row = left.columns.map(() => null);
    const rightNulls: Row = right.columns.map(() => null);
    const rows: Row[] = [];
    const matchedRight = new Set<number>();
    const seenLeftKeys = new Set<string>();
    const limit = this.options.maxIntermediateRows;
    const emit = (row: Row) => {
      if (rows.length >= limit) throw new KqlError(`The query exceeded the embedded tenant's memory limit: the join produced more than ${limit.toLocaleString('en-US')} rows`, op.pos);
      this.budget.work(1);
      rows.push(row);
    };
    for (const row of left.rows) {
      const key = keyOf(row, leftKeys, leftTypes);
      if (kind === 'innerunique' && key !== null) {
        if (seenLeftKeys.has(key)) continue;
        seenLeftKeys.add(key);
      }
      const bucket = key === null ? undefined : index.get(key);
      if (bucket) {
        for (const r of bucket) {
          matchedRight.add(r);
          emit([...row, ...(right.rows[r] ?? rightNulls)]);
        }
      } else if (kind === 'leftouter' || kind === 'fullouter') {
        emit([...row, ...rightNulls]);
      }
    }
    if (kind === 'rightouter' || kind === 'fullouter') {
      right.rows.forEach((row, i) => {
        if (!matchedRight.has(i)) emit([...leftNulls, ...row]);
      });
    }
    return { columns, rows };
  }
}

/** Columns picked by index, in the order given. */
function pick(frame: Frame, indices: number[]): Frame {
  return {
    columns: indices.flatMap((i) => {
      const c = frame.columns[i];
      return c ? [c] : [];
    }),
    rows: frame.rows.map((row) => indices.map((i) => row[i] ?? null)),
  };
}

/** Indices of the columns the patterns name (`Device*` is a wildcard); a plain name that matches nothing is an error. */
function matchColumns(columns: readonly Column[], patterns: { name: string; pos: number }[]): Set<number> {
  const matched = new Set<number>();
  for (const p of patterns) {
    if (p.name.includes('*')) {
      const re = new RegExp(`^${p.name.split('*').map(escapeRegExp).join('.*')}$`);
      columns.forEach((c, i) => {
        if (re.test(c.name)) matched.add(i);
      });
      continue;
    }
    const index = columns.findIndex((c) => c.name === p.name);
    if (index < 0) throw new KqlError(`Failed to resolve scalar expression named '${p.name}'`, p.pos);
    matched.add(index);
  }
  return matched;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const CONVERSIONS = new Set(['tostring', 'toint', 'tolong', 'toreal', 'todouble', 'todecimal', 'tobool', 'toboolean', 'todatetime', 'totimespan', 'todynamic', 'parse_json']);

/** The name Kusto gives an unnamed expression: a column keeps its name (through a conversion), `A.B` becomes `A_B`. */
function autoName(expr: Expr, fallback: string): string {
  if (expr.k === 'name') return expr.name;
  if (expr.k === 'call' && CONVERSIONS.has(expr.name) && expr.args.length === 1 && expr.args[0]) return autoName(expr.args[0], fallback);
  if (expr.k === 'member' && expr.key.k === 'literal' && (typeof expr.key.value === 'string' || typeof expr.key.value === 'number')) {
    const target = autoName(expr.target, '');
    if (target) return `${target}_${expr.key.value}`;
  }
  return fallback;
}

/** `by bin(Timestamp, 1d)` keeps the name Timestamp. */
function byName(expr: Expr, fallback: string): string {
  if (expr.k === 'call' && ['bin', 'floor', 'bin_at', 'startofday', 'startofweek', 'startofmonth', 'startofyear'].includes(expr.name)) {
    const first = expr.args[0];
    if (first) return autoName(first, fallback);
  }
  return autoName(expr, fallback);
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 1; used.has(candidate); n++) candidate = `${name}${n}`;
  used.add(candidate);
  return candidate;
}
