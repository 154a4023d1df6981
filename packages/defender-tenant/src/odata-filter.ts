/**
 * A small OData `$filter` parser and evaluator: a tokenizer, a recursive-descent parser to an
 * AST, and a compiler from AST to a predicate over the tenant's records.
 *
 *   expr     := and ('or' and)*
 *   and      := unary ('and' unary)*
 *   unary    := 'not' unary | '(' expr ')' | property op literal | property 'in' '(' literal (',' literal)* ')'
 *   op       := eq | ne | gt | ge | lt | le
 *   literal  := 'string' ('' escapes a quote) | 2024-05-01T10:00:00Z | null | true | false | number
 *
 * Errors are Graph 400s whose message names the problem.
 *
 * Which properties may be filtered is per endpoint, as its page lists them (see query.ts). Which
 * operators is not documented: the pages' examples use `eq` only. The tenant is lenient there and
 * takes the usual OData comparison and logical operators (an incremental sync needs
 * `lastUpdateDateTime ge …`).
 */
import { PREFER_UNKNOWN_ENUM_MEMBERS, SENTINEL, camel } from './graph-model.js';
import { badRequest } from './graph-error.js';

export const COMPARISON_OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'datetime'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; op: ComparisonOp; property: string; literal: Literal }
  | { type: 'in'; property: string; literals: Literal[] };

type Token =
  | { kind: 'lparen' | 'rparen' | 'comma'; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'literal'; literal: Literal; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?![\w:-])/;
const WORD = /^[A-Za-z_][\w.]*/;

const invalid = (message: string) => badRequest(`Invalid filter clause: ${message}`);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', pos: i });
      i++;
    } else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(`unterminated string literal starting at position ${start}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'literal', literal: { kind: 'string', value }, pos: start });
    } else {
      const rest = text.slice(i);
      const datetime = DATETIME.exec(rest);
      if (datetime) {
        tokens.push({ kind: 'literal', literal: { kind: 'datetime', value: datetime[0] }, pos: i });
        i += datetime[0].length;
        continue;
      }
      const number = NUMBER.exec(rest);
      if (number) {
        tokens.push({ kind: 'literal', literal: { kind: 'number', value: Number(number[0]) }, pos: i });
        i += number[0].length;
        continue;
      }
      const word = WORD.exec(rest);
      if (!word) throw invalid(`unexpected character '${ch}' at position ${i}`);
      const lower = word[0].toLowerCase();
      if (lower === 'null') tokens.push({ kind: 'literal', literal: { kind: 'null' }, pos: i });
      else if (lower === 'true' || lower === 'false') tokens.push({ kind: 'literal', literal: { kind: 'bool', value: lower === 'true' }, pos: i });
      else tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
    }
  }
  return tokens;
}

const isOp = (text: string): text is ComparisonOp => COMPARISON_OPS.some((op) => op === text);

class Parser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): FilterNode {
    if (this.tokens.length === 0) throw invalid('the expression is empty');
    const node = this.or();
    const extra = this.peek();
    if (extra) throw invalid(`unexpected ${this.describe(extra)} at position ${extra.pos}`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }
  private take(): Token | undefined {
    return this.tokens[this.index++];
  }
  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'word' && token.text.toLowerCase() === word) {
      this.index++;
      return true;
    }
    return false;
  }
  private describe(token: Token): string {
    if (token.kind === 'word') return `'${token.text}'`;
    if (token.kind === 'literal') return 'literal';
    return token.kind === 'lparen' ? "'('" : token.kind === 'rparen' ? "')'" : "','";
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.keyword('or')) left = { type: 'or', left, right: this.and() };
    return left;
  }
  private and(): FilterNode {
    let left = this.unary();
    while (this.keyword('and')) left = { type: 'and', left, right: this.unary() };
    return left;
  }
  private unary(): FilterNode {
    if (this.keyword('not')) return { type: 'not', operand: this.unary() };
    const token = this.take();
    if (!token) throw invalid(`the expression '${this.text}' ends too early`);
    if (token.kind === 'lparen') {
      const inner = this.or();
      const close = this.take();
      if (close?.kind !== 'rparen') throw invalid(`expected ')' ${close ? `at position ${close.pos}` : 'at the end'}`);
      return inner;
    }
    if (token.kind !== 'word') throw invalid(`expected a property name at position ${token.pos}, found ${this.describe(token)}`);
    const opToken = this.take();
    if (opToken?.kind !== 'word') throw invalid(`expected an operator after '${token.text}'`);
    const op = opToken.text.toLowerCase();
    if (op === 'in') {
      if (this.take()?.kind !== 'lparen') throw invalid(`expected '(' after 'in'`);
      const literals: Literal[] = [this.literal()];
      for (;;) {
        const next = this.take();
        if (next?.kind === 'rparen') break;
        if (next?.kind !== 'comma') throw invalid(`expected ',' or ')' in the 'in' list`);
        literals.push(this.literal());
      }
      return { type: 'in', property: token.text, literals };
    }
    if (!isOp(op)) throw invalid(`'${opToken.text}' is not a supported operator (use ${COMPARISON_OPS.join(', ')}, in)`);
    return { type: 'compare', op, property: token.text, literal: this.literal() };
  }
  private literal(): Literal {
    const token = this.take();
    if (token?.kind !== 'literal') {
      throw invalid(token ? `expected a value at position ${token.pos}, found ${this.describe(token)}` : 'expected a value at the end');
    }
    return token.literal;
  }
}

export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text), text).parse();
}

/** A filterable property of an entity. */
export type FilterProperty<T> =
  | { name: string; kind: 'string'; get(item: T): string | null }
  | { name: string; kind: 'datetime'; get(item: T): string | null }
  | {
      name: string;
      kind: 'enum';
      /** Graph's enum type name, for messages. */
      enumType: string;
      /** Member → underlying value, for ordering comparisons. */
      members: ReadonlyMap<string, number>;
      /** Members Graph hides behind `unknownFutureValue` unless the request opts in. */
      evolvable?: ReadonlySet<string>;
      get(item: T): string | null;
    };

export interface FilterContext {
  /** The request carried `Prefer: include-unknown-enum-members`. */
  preferUnknownMembers: boolean;
  /** For messages, e.g. 'alert'. */
  entity: string;
}

type Comparable = string | number | null;

function compare(op: ComparisonOp, left: Comparable, right: Comparable): boolean {
  if (op === 'eq') return left === right;
  if (op === 'ne') return left !== right;
  if (left === null || right === null) return false;
  if (op === 'gt') return left > right;
  if (op === 'ge') return left >= right;
  if (op === 'lt') return left < right;
  return left <= right;
}

/** Compile an AST against an entity's properties; unknown properties and bad values are 400s. */
export function compileFilter<T>(node: FilterNode, properties: readonly FilterProperty<T>[], context: FilterContext): (item: T) => boolean {
  const byName = new Map(properties.map((p) => [p.name.toLowerCase(), p]));
  const lookup = (name: string): FilterProperty<T> => {
    const property = byName.get(name.toLowerCase());
    if (!property) {
      throw invalid(`could not find a property named '${name}' on type '${context.entity}' that can be filtered (documented: ${properties.map((p) => p.name).join(', ')})`);
    }
    return property;
  };

  // Each property compiles to a reader of a comparable value and a converter of literals.
  const compilePair = (property: FilterProperty<T>, literal: Literal, op: ComparisonOp): { read: (item: T) => Comparable; value: Comparable } => {
    if (literal.kind === 'null') {
      if (op !== 'eq' && op !== 'ne') throw invalid(`'${op} null' is not allowed on '${property.name}'`);
      return { read: (item) => property.get(item), value: null };
    }
    if (property.kind === 'datetime') {
      const text = literal.kind === 'datetime' || literal.kind === 'string' ? literal.value : null;
      const key = text !== null && DATETIME.test(text) ? instantKey(text) : null;
      if (key === null) throw invalid(`'${property.name}' takes a DateTimeOffset such as 2024-05-01T10:00:00Z`);
      return { read: (item) => instantKey(property.get(item)), value: key };
    }
    if (literal.kind !== 'string') throw invalid(`'${property.name}' takes a string in single quotes`);
    if (property.kind === 'string') return { read: (item) => property.get(item), value: literal.value };
    const member = camel(literal.value);
    if (!property.members.has(member)) {
      throw invalid(`'${literal.value}' is not a member of ${property.enumType} (members: ${[...property.members.keys()].join(', ')})`);
    }
    const evolvable = property.evolvable ?? new Set<string>();
    if (evolvable.has(member) && !context.preferUnknownMembers) {
      throw invalid(`the ${property.enumType} member '${member}' is only available with the request header 'Prefer: ${PREFER_UNKNOWN_ENUM_MEMBERS}'`);
    }
    const rank = (value: string | null): Comparable => {
      if (value === null) return null;
      const visible = evolvable.has(value) && !context.preferUnknownMembers ? SENTINEL : value;
      return op === 'eq' || op === 'ne' ? visible : (property.members.get(visible) ?? null);
    };
    return { read: (item) => rank(property.get(item)), value: op === 'eq' || op === 'ne' ? member : (property.members.get(member) ?? null) };
  };

  const build = (n: FilterNode): ((item: T) => boolean) => {
    switch (n.type) {
      case 'and': {
        const left = build(n.left);
        const right = build(n.right);
        return (item) => left(item) && right(item);
      }
      case 'or': {
        const left = build(n.left);
        const right = build(n.right);
        return (item) => left(item) || right(item);
      }
      case 'not': {
        const operand = build(n.operand);
        return (item) => !operand(item);
      }
      case 'compare': {
        const { read, value } = compilePair(lookup(n.property), n.literal, n.op);
        return (item) => compare(n.op, read(item), value);
      }
      case 'in': {
        const property = lookup(n.property);
        const pairs = n.literals.map((literal) => compilePair(property, literal, 'eq'));
        const read = pairs[0]!.read;
        const values = new Set(pairs.map((p) => p.value));
        return (item) => values.has(read(item));
      }
    }
  };
  return build(node);
}

/**
 * A sortable key for an instant: UTC with seven fractional digits, so Graph's sub-millisecond
 * precision (`.1234567`) is kept where a JavaScript Date would drop it.
 */
function instantKey(value: string | null): string | null {
  if (value === null) return null;
  // Fast path for what the tenant stores (Date.toISOString()): already UTC with milliseconds.
  if (value.length === 24 && STORED_INSTANT.test(value)) return `${value.slice(0, 23)}0000Z`;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < 0 || ms > 253402300799999) return null;
  const beyondMillis = /\.\d{3}(\d{1,4})/.exec(value)?.[1] ?? '';
  return `${new Date(ms).toISOString().slice(0, 23)}${beyondMillis.padEnd(4, '0')}Z`;
}
