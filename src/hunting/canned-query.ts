/**
 * A canned advanced-hunting query: a KQL template with `{name}` placeholders, and the typed
 * parameters that fill them. `prepare` validates what was typed in chat, writes each value as a
 * literal (`literals.ts`) and gives back KQL ready for `runHuntingQuery`.
 */
import { quoted } from '../util/echo.js';
import type { z } from 'zod';
import { BadInputError } from '../errors.js';
import { closest } from '../util/closest.js';
import { isoDays, kqlInt, kqlString, kqlTimespanDays } from './literals.js';
import { MAX_DAYS, type QueryParam } from './params.js';

export type HuntingTable = 'AlertInfo' | 'AlertEvidence' | 'DataSecurityBehaviors' | 'DataSecurityEvents' | 'IdentityInfo';

export interface PreparedQuery {
  kql: string;
  /** How many days back the query looks: its `days` parameter, else all Defender keeps. */
  days: number;
  /** ISO 8601 duration for runHuntingQuery's Timespan, following `days` (e.g. `P7D`). */
  timespan: string;
  /** The validated values, defaults included, by parameter name. */
  values: Record<string, unknown>;
}

/**
 * What a chat card's column holds, which decides how its values read and how wide it is
 * (`src/cards/hunt-cells.ts`): `time` a date and time, `count` a number, `size` bytes, `flag` a
 * yes or no, `activity` an ActionType (one or a list), `list` several values, `text` anything else.
 */
export type CardColumnKind = 'time' | 'count' | 'size' | 'flag' | 'activity' | 'list' | 'text';

/**
 * One column of the chat card. A card is read on a phone as often as on a desktop, and a table
 * there cannot scroll sideways, so each query picks the three or four columns an analyst decides
 * on; every column stays in the result, the tab's full view and its CSV.
 */
export interface CardColumn {
  /** A short header, one word where possible (it must not break on a phone). */
  readonly header: string;
  /** The result column it shows; with several, the first of them that has a value in the row. */
  readonly from: string | readonly string[];
  readonly kind: CardColumnKind;
}

export interface CannedQuery {
  readonly name: string;
  readonly description: string;
  readonly tables: readonly HuntingTable[];
  /** The columns the chat card shows, in order (at most four). */
  readonly card: readonly CardColumn[];
  /** In the order help text lists them. */
  readonly params: readonly QueryParam[];
  /**
   * KQL, one operator per line. `{name}` stands for a parameter's literal; a line that names an
   * optional parameter left out is dropped.
   */
  readonly template: string;
  /** A chat command that runs it, for help text. */
  readonly example: string;
  prepare(raw: Readonly<Record<string, string>>): PreparedQuery;
}

export interface CannedQuerySpec {
  name: string;
  description: string;
  tables: readonly HuntingTable[];
  card: readonly CardColumn[];
  params: readonly QueryParam[];
  template: string;
}

/** More than four columns do not fit a phone's width without breaking words. */
export const MAX_CARD_COLUMNS = 4;

const PLACEHOLDER = /\{([a-z][A-Za-z]*)\}/g;

/** Checks the template against its parameters once, at load: a typo is a start-up failure, not a bad query. */
export function defineQuery(spec: CannedQuerySpec): CannedQuery {
  const names = spec.params.map((p) => p.name);
  const used = new Set([...spec.template.matchAll(PLACEHOLDER)].map((m) => m[1]));
  for (const name of used) if (!name || !names.includes(name)) throw new Error(`Query ${spec.name}: template uses {${name}}, which is not a parameter`);
  for (const name of names) if (!used.has(name)) throw new Error(`Query ${spec.name}: parameter ${name} is not used by the template`);
  if (new Set(names).size !== names.length) throw new Error(`Query ${spec.name}: a parameter is declared twice`);
  if (spec.card.length < 1 || spec.card.length > MAX_CARD_COLUMNS) throw new Error(`Query ${spec.name}: a card shows 1 to ${MAX_CARD_COLUMNS} columns`);
  const example = ['hunt', spec.name, ...spec.params.filter((p) => p.required).map((p) => `${p.name}=${p.example}`)].join(' ');
  return { ...spec, example, prepare: (raw) => prepare(spec, raw) };
}

function prepare(spec: CannedQuerySpec, raw: Readonly<Record<string, string>>): PreparedQuery {
  const known = spec.params.map((p) => p.name);
  const given = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const name = key.toLowerCase();
    if (!known.includes(name)) throw new BadInputError(unknownParameterMessage(spec.name, key, known));
    if (given.has(name)) throw new BadInputError(`${name} is given twice; give it once.`);
    given.set(name, value);
  }

  const values: Record<string, unknown> = {};
  const literals = new Map<string, string>();
  for (const param of spec.params) {
    const input = given.get(param.name) ?? param.default;
    if (input === undefined) {
      if (param.required) throw new BadInputError(`${spec.name} needs ${param.name}: ${param.description}. For example: hunt ${spec.name} ${param.name}=${param.example}`);
      continue;
    }
    const literal = bind(param, input);
    values[param.name] = literal.value;
    literals.set(param.name, literal.kql);
  }

  const daysParam = spec.params.find((p) => p.kind === 'days');
  const chosen = daysParam ? values[daysParam.name] : undefined;
  const days = typeof chosen === 'number' ? chosen : MAX_DAYS;
  return { kql: render(spec.template, literals), days, timespan: isoDays(days), values };
}

function bind(param: QueryParam, input: string): { value: string | number; kql: string } {
  switch (param.kind) {
    case 'string': {
      const value = validate(param, input);
      return { value, kql: kqlString(value) };
    }
    case 'days': {
      const value = validate(param, input);
      return { value, kql: kqlTimespanDays(value) };
    }
    case 'count': {
      const value = validate(param, input);
      return { value, kql: kqlInt(value) };
    }
  }
}

function validate<V>(param: { name: string; schema: z.ZodType<V, string> }, input: string): V {
  const result = param.schema.safeParse(input);
  if (result.success) return result.data;
  throw new BadInputError(result.error.issues[0]?.message ?? `${param.name} is not valid`);
}

/**
 * One pass over the template: a literal is never scanned again, so a value that happens to
 * contain `{days}` stays text.
 */
function render(template: string, literals: ReadonlyMap<string, string>): string {
  return template
    .split('\n')
    .filter((line) => [...line.matchAll(PLACEHOLDER)].every((m) => m[1] !== undefined && literals.has(m[1])))
    .map((line) => line.replace(PLACEHOLDER, (_all, name: string) => literals.get(name) ?? ''))
    .join('\n');
}

/** Names the parameter only if it is short plain text: the message goes back to a shared chat. */
function unknownParameterMessage(query: string, key: string, known: readonly string[]): string {
  const shown = quoted(key);
  const suggestion = closest(key, known);
  const hint = suggestion ? ` Did you mean ${suggestion}?` : '';
  return `${query} has no parameter ${shown ?? 'by that name'}.${hint} Its parameters: ${known.join(', ')}.`;
}
