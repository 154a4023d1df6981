import { describe, expect, it } from 'vitest';
import { GraphHttpError, compileFilter, parseFilter, type FilterProperty } from '@irm-bot/defender-tenant';

interface Row {
  name: string | null;
  at: string;
  colour: string;
}
const properties: FilterProperty<Row>[] = [
  { name: 'name', kind: 'string', get: (r) => r.name },
  { name: 'at', kind: 'datetime', get: (r) => r.at },
  { name: 'colour', kind: 'enum', enumType: 'test.colour', members: new Map([['red', 1], ['green', 2], ['blue', 3]]), get: (r) => r.colour },
];
const rows: Row[] = [
  { name: "O'Brien", at: '2024-05-01T10:00:00.000Z', colour: 'red' },
  { name: 'Smith', at: '2024-05-02T10:00:00.000Z', colour: 'green' },
  { name: null, at: '2024-05-03T10:00:00.000Z', colour: 'blue' },
];
const run = (filter: string) => {
  const predicate = compileFilter(parseFilter(filter), properties, { preferUnknownMembers: false, entity: 'test.row' });
  return rows.filter(predicate).map((r) => r.name);
};
const problem = (filter: string) => {
  try {
    run(filter);
  } catch (error) {
    if (error instanceof GraphHttpError) return `${error.status} ${error.message}`;
    throw error;
  }
  return 'no error';
};

describe('OData $filter', () => {
  it("reads string literals with '' as an escaped quote", () => {
    expect(run("name eq 'O''Brien'")).toEqual(["O'Brien"]);
  });

  it('compares unquoted and quoted datetimes, with or without fractions', () => {
    expect(run('at gt 2024-05-01T10:00:00Z')).toEqual(['Smith', null]);
    expect(run("at le '2024-05-02T10:00:00.000Z'")).toEqual(["O'Brien", 'Smith']);
    expect(run('at lt 2024-05-01T10:00:00.0000001Z')).toEqual(["O'Brien"]);
  });

  it('honours precedence: and binds tighter than or; parentheses and not override', () => {
    expect(run("colour eq 'red' or colour eq 'green' and name eq 'nobody'")).toEqual(["O'Brien"]);
    expect(run("(colour eq 'red' or colour eq 'green') and name eq 'Smith'")).toEqual(['Smith']);
    expect(run("not (colour eq 'red')")).toEqual(['Smith', null]);
  });

  it('orders enums by their underlying value and accepts PascalCase members', () => {
    expect(run("colour ge 'Green'")).toEqual(['Smith', null]);
    expect(run("colour in ('red', 'Blue')")).toEqual(["O'Brien", null]);
  });

  it('matches null', () => {
    expect(run('name eq null')).toEqual([null]);
    expect(run('name ne null')).toEqual(["O'Brien", 'Smith']);
  });

  it('refuses bad syntax, unknown properties and bad values with a 400 naming the problem', () => {
    expect(problem("name eq 'open")).toMatch(/^400 .*unterminated string/);
    expect(problem('(name eq null')).toMatch(/^400 .*expected '\)'/);
    expect(problem("name like 'x'")).toMatch(/^400 .*'like' is not a supported operator/);
    expect(problem("size eq 'x'")).toMatch(/^400 .*property named 'size'/);
    expect(problem("colour eq 'purple'")).toMatch(/^400 .*'purple' is not a member of test\.colour/);
    expect(problem("at gt 'yesterday'")).toMatch(/^400 .*DateTimeOffset/);
    expect(problem('name gt null')).toMatch(/^400 .*'gt null'/);
    expect(problem("name eq 'a' and")).toMatch(/^400 .*ends too early/);
    expect(problem('')).toMatch(/^400 .*empty/);
  });
});
