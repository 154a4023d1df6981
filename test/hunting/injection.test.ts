/**
 * Hostile parameter values against every canned query, judged by Microsoft's own KQL parser:
 * each value is either refused with a clear BadInputError, or it lands as exactly one literal
 * holding exactly the validated value, leaving the query's syntax tree the same shape as with a
 * benign value.
 */
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../src/errors.js';
import { HUNTING_QUERIES as CHAT_QUERIES, SUMMARY_QUERIES, type CannedQuery, type QueryParam } from '../../src/hunting/index.js';

/** Chat's queries and the user summary's own: a value from chat reaches both. */
const HUNTING_QUERIES: readonly CannedQuery[] = [...CHAT_QUERIES, ...SUMMARY_QUERIES];
import { hostileValues } from './support/hostile.js';
import { describeDiagnostic, stringLiterals, syntaxDiagnostics, syntaxShape } from './support/kusto.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function requiredExamples(query: CannedQuery): Record<string, string> {
  return Object.fromEntries(query.params.filter((p) => p.required).map((p) => [p.name, p.example]));
}

interface Tally {
  values: number;
  refused: number;
  accepted: number;
  shapeChanges: string[];
  syntaxErrors: string[];
  literalMismatches: string[];
  unclearRefusals: string[];
  crashes: string[];
}

const show = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…(${value.length})` : value);

function attack(query: CannedQuery, param: QueryParam, tally: Tally): void {
  const benignRaw = { ...requiredExamples(query), [param.name]: param.example };
  const benign = query.prepare(benignRaw);
  const benignShape = syntaxShape(benign.kql);
  const benignLiterals = stringLiterals(benign.kql);
  const benignValue = benign.values[param.name];
  // Whatever a refused value gets told is the same sentence as for any wrong value: nothing of the value is echoed.
  let refusal = '';
  try {
    query.prepare({ ...benignRaw, [param.name]: '?' });
  } catch (err) {
    refusal = err instanceof Error ? err.message : '';
  }
  expect(refusal).toMatch(new RegExp(`^${param.name} must be `));

  for (const value of hostileValues(param.example)) {
    tally.values++;
    const where = `${query.name} ${param.name}=${show(value)}`;
    let prepared;
    try {
      prepared = query.prepare({ ...benignRaw, [param.name]: value });
    } catch (err) {
      if (!(err instanceof BadInputError)) {
        tally.crashes.push(`${where}: ${String(err)}`);
        continue;
      }
      tally.refused++;
      if (err.message !== refusal || !PRINTABLE_ASCII.test(err.message)) tally.unclearRefusals.push(`${where}: ${err.message}`);
      continue;
    }
    tally.accepted++;
    try {
      if (syntaxShape(prepared.kql) !== benignShape) tally.shapeChanges.push(`${where}\n${prepared.kql}`);
      const errors = syntaxDiagnostics(prepared.kql);
      if (errors.length > 0) tally.syntaxErrors.push(`${where}: ${errors.map(describeDiagnostic).join('; ')}`);
      if (param.kind === 'string') {
        const accepted = prepared.values[param.name];
        const expected = benignLiterals.map((literal) => (literal === benignValue ? accepted : literal));
        const actual = stringLiterals(prepared.kql);
        if (typeof accepted !== 'string' || JSON.stringify(actual) !== JSON.stringify(expected)) tally.literalMismatches.push(`${where}: ${JSON.stringify(actual)}`);
      }
      if (!PRINTABLE_ASCII.test(prepared.kql.replace(/\n/g, ''))) tally.literalMismatches.push(`${where}: query holds characters other than printable ASCII`);
    } catch (err) {
      tally.crashes.push(`${where}: ${String(err)}`);
    }
  }
}

describe('hostile parameter values', () => {
  const perType = new Map<string, Set<string>>();
  for (const query of HUNTING_QUERIES) {
    for (const param of query.params) {
      const key = param.name;
      const seen = perType.get(key) ?? new Set<string>();
      for (const value of hostileValues(param.example)) seen.add(value);
      perType.set(key, seen);
    }
  }

  it('the corpus has at least 200 distinct hostile values, and plenty for every parameter type', () => {
    const total = [...perType.values()].reduce((sum, values) => sum + values.size, 0);
    expect(total).toBeGreaterThanOrEqual(200);
    for (const [name, values] of perType) expect(values.size, name).toBeGreaterThanOrEqual(200);
    expect([...perType.keys()].sort()).toEqual(['action', 'alert', 'days', 'ext', 'top', 'user']);
  });

  for (const query of HUNTING_QUERIES) {
    for (const param of query.params) {
      it(`${query.name} ${param.name}: every hostile value is refused clearly or stays one literal`, () => {
        const tally: Tally = { values: 0, refused: 0, accepted: 0, shapeChanges: [], syntaxErrors: [], literalMismatches: [], unclearRefusals: [], crashes: [] };
        attack(query, param, tally);
        expect(tally.values).toBeGreaterThanOrEqual(200);
        expect(tally.refused + tally.accepted).toBe(tally.values);
        expect(tally.crashes).toEqual([]);
        expect(tally.shapeChanges).toEqual([]);
        expect(tally.syntaxErrors).toEqual([]);
        expect(tally.literalMismatches).toEqual([]);
        expect(tally.unclearRefusals).toEqual([]);
        console.info(`${query.name} ${param.name}: ${tally.values} hostile values, ${tally.refused} refused, ${tally.accepted} accepted, 0 shape changes`);
      });
    }
  }

  it('some hostile user names are valid UPNs and are accepted, escaped, not refused', () => {
    const query = HUNTING_QUERIES.find((q) => q.name === 'user-activity');
    if (!query) throw new Error('user-activity missing');
    const accepted = hostileValues('adele.vance@contoso.com').filter((value) => {
      try {
        query.prepare({ user: value });
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toContain("adele.vance'@contoso.com");
    expect(accepted).toContain("'adele.vance@contoso.com");
    expect(accepted.length).toBeGreaterThan(5);
  });
});

describe('hostile parameter names', () => {
  const names = ['user"', 'user\n', "user'", 'user | take 1', 'us\u0435r', '\u202euser', 'x'.repeat(10_000), '', '__proto__', 'constructor', 'toString', 'days;', 'DAYS', 'Days '];
  for (const query of HUNTING_QUERIES) {
    it(`${query.name} refuses parameters it does not have, without echoing odd names`, () => {
      for (const name of names) {
        const raw: Record<string, string> = { ...requiredExamples(query) };
        Object.defineProperty(raw, name, { value: '7', enumerable: true });
        const known = query.params.map((p) => p.name);
        if (known.includes(name.toLowerCase())) {
          expect(() => query.prepare(raw)).not.toThrow();
          continue;
        }
        let message = '';
        try {
          query.prepare(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(BadInputError);
          message = err instanceof Error ? err.message : '';
        }
        expect(message, JSON.stringify(name)).toContain(`Its parameters: ${known.join(', ')}.`);
        expect(message).toMatch(PRINTABLE_ASCII);
        expect(message.length).toBeLessThan(300);
      }
    });
  }
});
