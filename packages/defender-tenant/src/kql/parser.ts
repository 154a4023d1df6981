/**
 * Recursive-descent parser for the KQL subset the engine runs. Nesting is bounded twice: the
 * parser's own recursion, and the depth of the tree it builds (so compiling and evaluating the
 * tree cannot exhaust the stack either).
 */
import type { Expr, JoinKey, JoinKind, NamedExpr, Operator, Pipeline, Script, SortKey, Source, Statement } from './ast.js';
import { KqlError, unsupportedOperator } from './errors.js';
import { describeToken, tokenize, type Token } from './lexer.js';
import { parseDatetimeText, parseTimespanText, TYPE_KEYWORDS, type KqlType, type Value } from './types.js';

export interface ParseOptions {
  /** Names that are tables (the parser needs them to tell `let x = T` from `let x = 7d`). */
  tableNames: ReadonlySet<string>;
  /** Deepest tree allowed; default 160. */
  maxDepth?: number;
}

const COMPARISONS = new Set(['==', '!=', '<>', '<', '<=', '>', '>=', '=~', '!~']);
const STRING_OPERATORS = new Set(
  ['has', 'hasprefix', 'hassuffix', 'contains', 'startswith', 'endswith'].flatMap((op) => [op, `${op}_cs`, `!${op}`, `!${op}_cs`]),
);
const LIST_OPERATORS = new Set(['in', '!in', 'in~', '!in~', 'has_any', 'has_all']);
const JOIN_KINDS = new Set<JoinKind>(['inner', 'innerunique', 'leftouter', 'rightouter', 'fullouter', 'leftsemi', 'leftanti', 'rightsemi', 'rightanti']);
const isJoinKind = (s: string): s is JoinKind => (JOIN_KINDS as ReadonlySet<string>).has(s);
const JOIN_KIND_ALIASES: Record<string, JoinKind> = { anti: 'leftanti', leftantisemi: 'leftanti', rightantisemi: 'rightanti', semi: 'leftsemi', outer: 'fullouter' };

/** Kusto operators this engine knows of but does not run: naming them beats "syntax error". */
const UNSUPPORTED_OPERATORS = new Set([
  'as',
  'consume',
  'evaluate',
  'extend-where',
  'externaldata',
  'facet',
  'find',
  'fork',
  'getschema',
  'graph-match',
  'invoke',
  'lookup',
  'make-graph',
  'make-series',
  'mv-apply',
  'mv-expand',
  'parse',
  'parse-kv',
  'parse-where',
  'partition',
  'project-reorder',
  'project-smart',
  'range',
  'reduce',
  'render',
  'sample',
  'sample-distinct',
  'scan',
  'search',
  'serialize',
  'top-hitters',
  'top-nested',
  'union',
]);
const UNSUPPORTED_SOURCES = new Set(['union', 'range', 'search', 'find', 'externaldata', 'evaluate', 'cluster', 'database', 'table', 'external_table', 'materialized_view']);
const UNSUPPORTED_STATEMENTS = new Set(['set', 'declare', 'alias', 'pattern', 'restrict']);

export function parseScript(text: string, options: ParseOptions): Script {
  return new Parser(tokenize(text), options).script();
}

class Parser {
  private i = 0;
  /** Recursion depth of the parser itself. */
  private nesting = 0;
  /** Depth of each node and pipeline built. */
  private readonly depths = new WeakMap<object, number>();
  /** Deepest node in the pipeline being parsed. */
  private pipelineMax = 0;
  private readonly tabularNames: Set<string>;
  private readonly maxDepth: number;

  constructor(
    private readonly tokens: Token[],
    options: ParseOptions,
  ) {
    this.tabularNames = new Set(options.tableNames);
    this.maxDepth = options.maxDepth ?? 160;
  }

  // ---- tokens ----

  private peek(offset = 0): Token {
    const token = this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
    if (!token) throw new KqlError('Syntax error: empty query');
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.text === text;
  }

  private isIdent(text?: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && (text === undefined || t.text === text);
  }

  private fail(expected: string, token: Token = this.peek()): never {
    throw new KqlError(`Syntax error: expected ${expected} but found ${describeToken(token)}`, token.start);
  }

  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.fail(`'${text}'`);
    return this.next();
  }

  private expectKeyword(text: string): Token {
    if (!this.isIdent(text)) this.fail(`'${text}'`);
    return this.next();
  }

  private identifier(what: string): { name: string; pos: number } {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return { name: t.text, pos: t.start };
    }
    // ['Column name'] / ["Column name"]
    if (t.kind === 'op' && t.text === '[') {
      const s = this.peek(1);
      if (s.kind === 'string' && this.isOp(']', 2)) {
        this.i += 3;
        return { name: s.value, pos: t.start };
      }
    }
    return this.fail(what);
  }

  private enter(): void {
    if (++this.nesting > this.maxDepth) throw new KqlError('The query is nested too deeply', this.peek().start);
  }

  private leave(): void {
    this.nesting--;
  }

  /** Records a node's depth (1 + its deepest child) and refuses trees deeper than the limit. */
  private node<T extends Expr>(expr: T, children: readonly (Expr | Pipeline)[]): T {
    let deepest = 0;
    for (const child of children) deepest = Math.max(deepest, this.depths.get(child) ?? 1);
    const depth = deepest + 1;
    if (depth > this.maxDepth) throw new KqlError('The query is nested too deeply', expr.pos);
    this.depths.set(expr, depth);
    this.pipelineMax = Math.max(this.pipelineMax, depth);
    return expr;
  }

  // ---- statements ----

  script(): Script {
    const statements: Statement[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.isOp(';')) {
        this.next();
        continue;
      }
      const t = this.peek();
      if (t.kind === 'ident' && t.text === 'let') statements.push(this.letStatement());
      else if (t.kind === 'ident' && UNSUPPORTED_STATEMENTS.has(t.text) && this.peek(1).kind === 'ident') throw new KqlError(`The embedded tenant's hunting engine does not support '${t.text}' statements`, t.start);
      else statements.push({ k: 'query', query: this.pipeline(), pos: t.start });
      if (this.peek().kind !== 'eof' && !this.isOp(';')) this.fail(`';' or '|'`);
    }
    const queries = statements.filter((s) => s.k === 'query');
    const last = statements.at(-1);
    if (!last || last.k !== 'query') throw new KqlError('Syntax error: the query has no tabular expression to run (after its let statements)', this.peek().start);
    if (queries.length > 1) throw new KqlError(`The embedded tenant's hunting engine runs one tabular expression per query; this one has ${queries.length}`, queries[1]?.pos);
    return { statements };
  }

  private letStatement(): Statement {
    this.next();
    const { name, pos } = this.identifier('a name after let');
    this.expectOp('=');
    // let f = (x:string) { … } defines a function.
    if (this.isOp('(') && (this.isOp(')', 1) || (this.peek(1).kind === 'ident' && this.isOp(':', 2)))) {
      throw new KqlError("The embedded tenant's hunting engine does not support user-defined functions (let with parameters)", this.peek().start);
    }
    if (this.looksTabular()) {
      const query = this.pipeline();
      this.tabularNames.add(name);
      return { k: 'let', name, value: { k: 'tabular', query }, pos };
    }
    const expr = this.expression();
    this.tabularNames.delete(name);
    return { k: 'let', name, value: { k: 'scalar', expr }, pos };
  }

  /** Whether a tabular expression starts here (a table, a tabular let, datatable, a parenthesised pipeline…). */
  private looksTabular(): boolean {
    let offset = 0;
    while (this.isOp('(', offset)) offset++;
    const t = this.peek(offset);
    if (t.kind !== 'ident') return false;
    if (this.tabularNames.has(t.text)) return true;
    if (t.text === 'print' || UNSUPPORTED_SOURCES.has(t.text)) return true;
    if (t.text === 'datatable' || t.text === 'materialize') return this.isOp('(', offset + 1);
    return this.isOp('|', offset + 1);
  }

  // ---- tabular ----

  private pipeline(): Pipeline {
    this.enter();
    const outerMax = this.pipelineMax;
    this.pipelineMax = 0;
    const source = this.source();
    const operators: Operator[] = [];
    while (this.isOp('|')) {
      this.next();
      operators.push(this.operator());
    }
    const pipeline: Pipeline = { source, operators };
    const depth = this.pipelineMax + 1;
    if (depth > this.maxDepth) throw new KqlError('The query is nested too deeply', this.peek().start);
    this.depths.set(pipeline, depth);
    this.pipelineMax = Math.max(outerMax, depth);
    this.leave();
    return pipeline;
  }

  private source(): Source {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      const query = this.pipeline();
      this.expectOp(')');
      return { k: 'pipeline', query, pos: t.start };
    }
    if (t.kind !== 'ident') {
      if (t.kind === 'op' && t.text === '[') return { k: 'table', ...this.identifier('a table name') };
      return this.fail('a table name');
    }
    if (t.text === 'datatable' && this.isOp('(', 1)) return this.datatable();
    if (t.text === 'materialize' && this.isOp('(', 1)) {
      this.i += 2;
      const query = this.pipeline();
      this.expectOp(')');
      return { k: 'pipeline', query, pos: t.start };
    }
    if (t.text === 'print') {
      this.next();
      return { k: 'print', items: this.namedList(), pos: t.start };
    }
    if (UNSUPPORTED_SOURCES.has(t.text) && !this.tabularNames.has(t.text)) throw unsupportedOperator(t.text, t.start);
    if (t.text === 'let') this.fail("';' before let");
    this.next();
    return { k: 'table', name: t.text, pos: t.start };
  }

  private datatable(): Source {
    const start = this.next().start;
    this.expectOp('(');
    const columns: { name: string; type: KqlType }[] = [];
    do {
      if (this.isOp(')')) break;
      const { name } = this.identifier('a column name');
      this.expectOp(':');
      const typeToken = this.peek();
      if (typeToken.kind !== 'ident' || !Object.hasOwn(TYPE_KEYWORDS, typeToken.text)) this.fail('a type name (string, long, int, real, bool, datetime, timespan, dynamic)');
      this.next();
      columns.push({ name, type: TYPE_KEYWORDS[typeToken.text] ?? 'string' });
    } while (this.isOp(',') && this.next());
    this.expectOp(')');
    if (columns.length === 0) this.fail('at least one column');
    this.expectOp('[');
    const values: Expr[] = [];
    while (!this.isOp(']')) {
      values.push(this.expression());
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(']');
    return { k: 'datatable', columns, values, pos: start };
  }

  /** `project-away`, `mv-expand`: operator names are words joined by adjacent hyphens. */
  private operatorName(): { name: string; pos: number } {
    const t = this.peek();
    if (t.kind !== 'ident') return this.fail('a query operator');
    this.next();
    let name = t.text;
    let end = t.end;
    while (this.isOp('-')) {
      const dash = this.peek();
      const word = this.peek(1);
      if (dash.start !== end || word.kind !== 'ident' || word.start !== dash.end) break;
      this.i += 2;
      name += `-${word.text}`;
      end = word.end;
    }
    return { name, pos: t.start };
  }

  private operator(): Operator {
    const { name, pos } = this.operatorName();
    switch (name) {
      case 'where':
      case 'filter':
        return { op: 'where', predicate: this.expression(), pos };
      case 'project':
        return { op: 'project', items: this.namedList(), pos };
      case 'project-away':
      case 'project-keep':
        return { op: name, patterns: this.namePatterns(), pos };
      case 'project-rename': {
        const renames: { to: string; from: string; pos: number }[] = [];
        do {
          const to = this.identifier('a new column name');
          this.expectOp('=');
          const from = this.identifier('a column name');
          renames.push({ to: to.name, from: from.name, pos: from.pos });
        } while (this.isOp(',') && this.next());
        return { op: 'project-rename', renames, pos };
      }
      case 'extend':
        return { op: 'extend', items: this.namedList(), pos };
      case 'summarize': {
        this.hints();
        const aggregates = this.isIdent('by') ? [] : this.namedList();
        let by: NamedExpr[] = [];
        if (this.isIdent('by')) {
          this.next();
          by = this.namedList();
        }
        if (aggregates.length === 0 && by.length === 0) this.fail('an aggregation or by');
        return { op: 'summarize', aggregates, by, pos };
      }
      case 'order':
      case 'sort':
        this.expectKeyword('by');
        return { op: 'sort', keys: this.sortKeys(), pos };
      case 'top': {
        const count = this.expression();
        this.expectKeyword('by');
        return { op: 'top', count, keys: this.sortKeys(), pos };
      }
      case 'take':
      case 'limit':
        return { op: 'take', count: this.expression(), pos };
      case 'distinct': {
        if (this.isOp('*')) {
          this.next();
          return { op: 'distinct', columns: '*', pos };
        }
        const columns: Expr[] = [];
        do columns.push(this.expression());
        while (this.isOp(',') && this.next());
        return { op: 'distinct', columns, pos };
      }
      case 'count':
        return { op: 'count', pos };
      case 'join':
        return this.join(pos);
      default:
        if (UNSUPPORTED_OPERATORS.has(name)) throw unsupportedOperator(name, pos);
        throw new KqlError(`Syntax error: '${name}' is not a query operator the embedded tenant's hunting engine knows`, pos);
    }
  }

  /** `hint.strategy=shuffle` and the like: accepted and ignored. */
  private hints(): void {
    while (this.isIdent('hint') && this.isOp('.', 1)) {
      this.i += 2;
      this.identifier('a hint name');
      this.expectOp('=');
      const value = this.peek();
      if (value.kind !== 'ident' && value.kind !== 'number' && value.kind !== 'string') this.fail('a hint value');
      this.next();
    }
  }

  private join(pos: number): Operator {
    let kind: JoinKind = 'innerunique';
    while (true) {
      this.hints();
      if (this.isIdent('kind') && this.isOp('=', 1)) {
        this.i += 2;
        const t = this.peek();
        if (t.kind !== 'ident') this.fail('a join kind');
        this.next();
        const resolved = isJoinKind(t.text) ? t.text : JOIN_KIND_ALIASES[t.text];
        if (!resolved) throw new KqlError(`Syntax error: '${t.text}' is not a join kind (inner, innerunique, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti)`, t.start);
        kind = resolved;
        continue;
      }
      if (this.isIdent('hint')) continue;
      break;
    }
    let right: Pipeline;
    const t = this.peek();
    if (this.isOp('(')) {
      this.next();
      right = this.pipeline();
      this.expectOp(')');
    } else if (t.kind === 'ident' && t.text !== 'on') {
      this.next();
      right = { source: { k: 'table', name: t.text, pos: t.start }, operators: [] };
    } else {
      return this.fail('the right side of the join: a table or a (parenthesised query)');
    }
    this.expectKeyword('on');
    const on: JoinKey[] = [];
    do {
      on.push(this.joinKey());
    } while ((this.isOp(',') || this.isIdent('and')) && this.next());
    return { op: 'join', kind, right, on, pos };
  }

  private joinKey(): JoinKey {
    const first = this.peek();
    if (first.kind === 'ident' && (first.text === '$left' || first.text === '$right')) {
      const a = this.sideColumn();
      this.expectOp('==');
      const b = this.sideColumn();
      if (a.side === b.side) throw new KqlError('Syntax error: a join condition compares a $left column with a $right column', first.start);
      return a.side === '$left' ? { left: a.name, right: b.name, pos: first.start } : { left: b.name, right: a.name, pos: first.start };
    }
    const { name, pos } = this.identifier('a column to join on');
    return { left: name, right: name, pos };
  }

  private sideColumn(): { side: string; name: string } {
    const t = this.peek();
    if (t.kind !== 'ident' || (t.text !== '$left' && t.text !== '$right')) return this.fail('$left.Column or $right.Column');
    this.next();
    this.expectOp('.');
    return { side: t.text, name: this.identifier('a column name').name };
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    do {
      const expr = this.expression();
      let descending = true;
      if (this.isIdent('asc')) {
        this.next();
        descending = false;
      } else if (this.isIdent('desc')) {
        this.next();
      }
      let nullsFirst = !descending;
      if (this.isIdent('nulls')) {
        this.next();
        if (this.isIdent('first')) nullsFirst = true;
        else if (this.isIdent('last')) nullsFirst = false;
        else this.fail("'first' or 'last'");
        this.next();
      }
      keys.push({ expr, descending, nullsFirst });
    } while (this.isOp(',') && this.next());
    return keys;
  }

  /** Column names, possibly with `*` wildcards: `project-away Device*, Account*`. */
  private namePatterns(): { name: string; pos: number }[] {
    const patterns: { name: string; pos: number }[] = [];
    do {
      const first = this.peek();
      if (first.kind !== 'ident' && !(first.kind === 'op' && (first.text === '*' || first.text === '['))) this.fail('a column name');
      if (first.kind === 'op' && first.text === '[') {
        patterns.push(this.identifier('a column name'));
        continue;
      }
      let name = '';
      let end = first.start;
      while (true) {
        const t = this.peek();
        if (t.start !== end && name !== '') break;
        if (t.kind === 'ident') name += t.text;
        else if (t.kind === 'op' && t.text === '*') name += '*';
        else break;
        end = t.end;
        this.next();
      }
      patterns.push({ name, pos: first.start });
    } while (this.isOp(',') && this.next());
    return patterns;
  }

  /** `A, B = expr, expr`: project, extend, summarize, print. */
  private namedList(): NamedExpr[] {
    const items: NamedExpr[] = [];
    do {
      const start = this.peek();
      let name: string | undefined;
      if (start.kind === 'ident' && this.isOp('=', 1)) {
        name = start.text;
        this.i += 2;
      } else if (start.kind === 'op' && start.text === '[' && this.peek(1).kind === 'string' && this.isOp(']', 2) && this.isOp('=', 3)) {
        const s = this.peek(1);
        name = s.kind === 'string' ? s.value : undefined;
        this.i += 4;
      } else if (start.kind === 'op' && start.text === '(' && this.peek(1).kind === 'ident' && this.isOp(',', 2)) {
        throw new KqlError("The embedded tenant's hunting engine does not support naming several columns at once ((A, B) = …)", start.start);
      }
      items.push({ name, expr: this.expression(), pos: start.start });
    } while (this.isOp(',') && this.next());
    return items;
  }

  // ---- scalar expressions ----

  expression(): Expr {
    this.enter();
    const e = this.or();
    this.leave();
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isIdent('or')) {
      const pos = this.next().start;
      const right = this.and();
      left = this.node({ k: 'binary', op: 'or', left, right, pos }, [left, right]);
    }
    return left;
  }

  private and(): Expr {
    let left = this.comparison();
    while (this.isIdent('and')) {
      const pos = this.next().start;
      const right = this.comparison();
      left = this.node({ k: 'binary', op: 'and', left, right, pos }, [left, right]);
    }
    return left;
  }

  private comparison(): Expr {
    let left = this.additive();
    while (true) {
      const t = this.peek();
      const text = t.kind === 'op' || t.kind === 'ident' ? t.text : '';
      if (t.kind === 'op' && COMPARISONS.has(text)) {
        this.next();
        const right = this.additive();
        left = this.node({ k: 'binary', op: text === '<>' ? '!=' : text, left, right, pos: t.start }, [left, right]);
      } else if (STRING_OPERATORS.has(text)) {
        this.next();
        const right = this.additive();
        left = this.node({ k: 'binary', op: text, left, right, pos: t.start }, [left, right]);
      } else if (LIST_OPERATORS.has(text) || text === 'has_any_cs' || text === 'has_all_cs') {
        this.next();
        left = this.listOperand(text, left, t.start);
      } else if (text === 'between' || text === '!between') {
        this.next();
        this.expectOp('(');
        const low = this.additive();
        this.expectOp('..');
        const high = this.additive();
        this.expectOp(')');
        left = this.node({ k: 'between', negated: text === '!between', left, low, high, pos: t.start }, [left, low, high]);
      } else if (t.kind === 'ident' && (text === 'matches' || text === 'like' || text === 'notlike' || text === 'contains_any')) {
        throw unsupportedOperator(text === 'matches' ? 'matches regex' : text, t.start);
      } else if (t.kind === 'op' && text.startsWith('!') && text.length > 2) {
        throw unsupportedOperator(text, t.start);
      } else {
        return left;
      }
    }
  }

  /** The parenthesised right side of `in`, `has_any`…: scalars (dynamic arrays flatten) or a tabular subquery. */
  private listOperand(op: string, left: Expr, pos: number): Expr {
    this.expectOp('(');
    if (this.looksTabular()) {
      const query = this.pipeline();
      this.expectOp(')');
      return this.node({ k: 'list', op, left, items: query, pos }, [left, query]);
    }
    const items: Expr[] = [];
    if (!this.isOp(')')) {
      do items.push(this.expression());
      while (this.isOp(',') && this.next());
    }
    this.expectOp(')');
    return this.node({ k: 'list', op, left, items, pos }, [left, ...items]);
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      const right = this.multiplicative();
      left = this.node({ k: 'binary', op: t.kind === 'op' ? t.text : '+', left, right, pos: t.start }, [left, right]);
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      const right = this.unary();
      left = this.node({ k: 'binary', op: t.kind === 'op' ? t.text : '*', left, right, pos: t.start }, [left, right]);
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const op = t.kind === 'op' && t.text === '-' ? '-' : '+';
      const next = this.peek();
      // -5, -1d: negative literals.
      if (op === '-' && next.kind === 'number' && !this.isOp('.', 1) && !this.isOp('[', 1)) {
        this.next();
        return this.node({ k: 'literal', type: next.real ? 'real' : 'long', value: -next.value, pos: t.start }, []);
      }
      this.enter();
      const operand = this.unary();
      this.leave();
      return this.node({ k: 'unary', op, operand, pos: t.start }, [operand]);
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    while (true) {
      if (this.isOp('.') && (this.peek(1).kind === 'ident' || (this.isOp('[', 1) && this.peek(2).kind === 'string'))) {
        const dot = this.next();
        const { name } = this.identifier('a property name');
        const key = this.node({ k: 'literal', type: 'string', value: name, pos: dot.end }, []);
        e = this.node({ k: 'member', target: e, key, pos: dot.start }, [e, key]);
      } else if (this.isOp('[')) {
        const open = this.next();
        const key = this.expression();
        this.expectOp(']');
        e = this.node({ k: 'member', target: e, key, pos: open.start }, [e, key]);
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return this.node({ k: 'literal', type: t.real ? 'real' : 'long', value: t.value, pos: t.start }, []);
      case 'string':
        this.next();
        return this.node({ k: 'literal', type: 'string', value: t.value, pos: t.start }, []);
      case 'timespan':
        this.next();
        return this.node({ k: 'literal', type: 'timespan', value: t.ms, pos: t.start }, []);
      case 'raw':
        this.next();
        return this.node(this.rawLiteral(t), []);
      case 'op':
        if (t.text === '(') {
          this.next();
          const e = this.expression();
          this.expectOp(')');
          return e;
        }
        if (t.text === '[') {
          const { name, pos } = this.identifier('an expression');
          return this.node({ k: 'name', name, pos }, []);
        }
        return this.fail('an expression');
      case 'ident':
        return this.identExpression(t);
      case 'eof':
        return this.fail('an expression');
    }
  }

  private rawLiteral(t: Extract<Token, { kind: 'raw' }>): Expr {
    const content = t.content.trim();
    if (content === 'null') return { k: 'literal', type: t.name, value: null, pos: t.start };
    if (t.name === 'datetime') {
      const ms = parseDatetimeText(content);
      if (ms === undefined) throw new KqlError(`Syntax error: '${content}' is not a valid datetime literal (write datetime(2026-11-01) or datetime(2026-11-01T08:00:00Z))`, t.start);
      return { k: 'literal', type: 'datetime', value: ms, pos: t.start };
    }
    if (t.name === 'timespan') {
      const ms = parseTimespanText(content);
      if (ms === undefined) throw new KqlError(`Syntax error: '${content}' is not a valid timespan literal (write timespan(1d) or timespan(01:30:00))`, t.start);
      return { k: 'literal', type: 'timespan', value: ms, pos: t.start };
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(content)) throw new KqlError(`Syntax error: '${content}' is not a valid guid literal`, t.start);
    return { k: 'literal', type: 'guid', value: content.toLowerCase(), pos: t.start };
  }

  private identExpression(t: Extract<Token, { kind: 'ident' }>): Expr {
    const call = this.isOp('(', 1);
    if (!call) {
      this.next();
      if (t.text === 'true' || t.text === 'false' || t.text === 'True' || t.text === 'False' || t.text === 'TRUE' || t.text === 'FALSE') {
        return this.node({ k: 'literal', type: 'bool', value: t.text.toLowerCase() === 'true', pos: t.start }, []);
      }
      return this.node({ k: 'name', name: t.text, pos: t.start }, []);
    }
    if (t.text === 'dynamic') {
      this.i += 2;
      const value = this.dynamicValue();
      this.expectOp(')');
      return this.node({ k: 'literal', type: 'dynamic', value, pos: t.start }, []);
    }
    if (Object.hasOwn(TYPE_KEYWORDS, t.text) && t.text !== 'datetime' && t.text !== 'timespan' && t.text !== 'guid') {
      this.i += 2;
      const type = TYPE_KEYWORDS[t.text] ?? 'string';
      const value = this.typedLiteralValue(type);
      this.expectOp(')');
      return this.node({ k: 'literal', type, value, pos: t.start }, []);
    }
    if (t.text === 'toscalar') {
      this.i += 2;
      this.hintsInCall();
      const query = this.pipeline();
      this.expectOp(')');
      return this.node({ k: 'toscalar', query, pos: t.start }, [query]);
    }
    this.i += 2;
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do {
        if (this.isOp('*') && (this.isOp(',', 1) || this.isOp(')', 1))) args.push(this.node({ k: 'star', pos: this.next().start }, []));
        else args.push(this.expression());
      } while (this.isOp(',') && this.next());
    }
    this.expectOp(')');
    return this.node({ k: 'call', name: t.text, args, pos: t.start }, args);
  }

  /** `toscalar(kind=nooptimization, T)`: the option is accepted and ignored. */
  private hintsInCall(): void {
    if (this.isIdent('kind') && this.isOp('=', 1)) {
      this.i += 3;
      this.expectOp(',');
    }
  }

  /** The inside of `int(…)`, `real(…)`, `bool(…)`, `string(…)`: a literal of that type or null. */
  private typedLiteralValue(type: KqlType): Value {
    const t = this.next();
    if (t.kind === 'ident' && t.text === 'null') return null;
    if (type === 'bool' && t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return t.text === 'true';
    if (type === 'string' && t.kind === 'string') return t.value;
    if (type === 'real' && t.kind === 'ident' && (t.text === 'nan' || t.text === 'inf')) return t.text === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY;
    let sign = 1;
    let number = t;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      sign = t.text === '-' ? -1 : 1;
      number = this.next();
    }
    if ((type === 'int' || type === 'long' || type === 'real') && number.kind === 'number') {
      const value = sign * number.value;
      return type === 'real' ? value : Math.trunc(value);
    }
    if (type === 'real' && number.kind === 'ident' && number.text === 'inf') return sign * Number.POSITIVE_INFINITY;
    return this.fail(`a ${type} literal or null`, t);
  }

  /** JSON-like contents of `dynamic(…)`. */
  private dynamicValue(): Value {
    this.enter();
    try {
      const t = this.next();
      switch (t.kind) {
        case 'string':
          return t.value;
        case 'number':
          return t.value;
        case 'raw':
          if (t.name === 'datetime') {
            const ms = parseDatetimeText(t.content);
            return ms === undefined ? null : new Date(ms).toISOString();
          }
          return t.content.trim();
        case 'ident':
          if (t.text === 'null') return null;
          if (t.text === 'true' || t.text === 'false') return t.text === 'true';
          return this.fail('a dynamic value', t);
        case 'op': {
          if (t.text === '-') {
            const n = this.next();
            if (n.kind !== 'number') return this.fail('a number', n);
            return -n.value;
          }
          if (t.text === '[') {
            const items: Value[] = [];
            while (!this.isOp(']')) {
              items.push(this.dynamicValue());
              if (!this.isOp(',')) break;
              this.next();
            }
            this.expectOp(']');
            return items;
          }
          if (t.text === '{') {
            const bag: { [key: string]: Value } = {};
            while (!this.isOp('}')) {
              const key = this.next();
              if (key.kind !== 'string' && key.kind !== 'ident') return this.fail('a property name', key);
              this.expectOp(':');
              const name = key.kind === 'string' ? key.value : key.text;
              Object.defineProperty(bag, name, { value: this.dynamicValue(), enumerable: true, writable: true, configurable: true });
              if (!this.isOp(',')) break;
              this.next();
            }
            this.expectOp('}');
            return bag;
          }
          return this.fail('a dynamic value', t);
        }
        default:
          return this.fail('a dynamic value', t);
      }
    } finally {
      this.leave();
    }
  }
}
