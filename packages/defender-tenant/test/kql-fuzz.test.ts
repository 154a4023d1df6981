/**
 * Thousands of random, mutated and generated queries: the engine answers each with results or
 * a Graph 400, never another exception, never an internal failure, never a hang.
 */
import { describe, expect, it } from 'vitest';
import { createRandom, GraphHttpError, runKql, type KqlTable } from '@irm-bot/defender-tenant';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();

const Events: KqlTable = {
  columns: [
    { name: 'Timestamp', type: 'datetime' },
    { name: 'User', type: 'string' },
    { name: 'Action', type: 'string' },
    { name: 'Size', type: 'long' },
    { name: 'Hits', type: 'int' },
    { name: 'Score', type: 'real' },
    { name: 'Ok', type: 'bool' },
    { name: 'Info', type: 'dynamic' },
  ],
  rows: Array.from({ length: 40 }, (_, i) => ({
    Timestamp: at(i * 7),
    User: ['adele@contoso.com', 'megan@contoso.com', 'alex@contoso.com', ''][i % 4] ?? '',
    Action: ['FileUploaded', 'FilePrinted', 'FileArchived'][i % 3] ?? '',
    Size: i % 5 === 0 ? null : i * 1000,
    Hits: i,
    Score: i / 3,
    Ok: i % 2 === 0,
    Info: i % 3 === 0 ? null : { Device: `PC${i % 4}`, Tags: ['a', String(i)], N: i },
  })),
};
const Users: KqlTable = {
  columns: [
    { name: 'Upn', type: 'string' },
    { name: 'Dept', type: 'string' },
    { name: 'Since', type: 'datetime' },
  ],
  rows: [
    { Upn: 'adele@contoso.com', Dept: 'Legal', Since: '2020-01-01T00:00:00Z' },
    { Upn: 'megan@contoso.com', Dept: 'Sales', Since: 'not a date' },
    { Upn: 'megan@contoso.com', Dept: 'Marketing', Since: null },
  ],
};
const tables = { Events, Users };

const CORPUS = [
  'Events | where Action == "FileUploaded" and Size > 1000 | project User, Size',
  'Events | where User has "adele" or User contains "meg" | take 5',
  'Events | where Timestamp > ago(3d) | summarize count(), dcount(User), max(Size), avg(Score) by bin(Timestamp, 1d)',
  'Events | summarize arg_max(Timestamp, *) by User',
  'Events | summarize arg_min(Size, Action, Hits) by Ok',
  'Events | join kind=inner (Users) on $left.User == $right.Upn | project User, Dept, Size',
  'Events | join kind=leftouter (Users | project User = Upn, Dept) on User',
  "let span = 2d; let who = 'adele@contoso.com'; Events | where Timestamp >= ago(span) and User =~ who",
  'Events | extend D = tostring(Info.Device), T = Info.Tags[0] | where isnotempty(D) | distinct D, T',
  'Events | order by Size desc nulls first, User asc | top 3 by Hits',
  'Events | where Action in ("FileUploaded", "FilePrinted") and User !in~ ("ALEX@contoso.com") | count',
  'Events | where Size between (1000 .. 5000) | project-away Info, Score',
  'Events | project-rename Who = User | project-keep Who, A* | limit 2',
  'Events | extend Day = startofday(Timestamp), Wk = format_datetime(Timestamp, "yyyy-MM-dd") | summarize make_set(Action) by Day, Wk',
  'datatable(a:long, b:string) [1, "x", 2, "y"] | extend c = strcat(b, a) | where c endswith "2"',
  'print x = iff(1 > 2, "a", "b"), y = case(true, 1, 2), z = coalesce(int(null), 3), w = dynamic({"k": [1, 2]})',
  'let T = Events | where Ok; T | join kind=leftanti (Users) on $left.User == $right.Upn | summarize sum(Size) by User',
  'let m = toscalar(Events | summarize max(Hits)); Events | where Hits == m',
  'Events | where User in (Users | project Upn) | summarize countif(Ok), make_list(Hits, 3)',
  'Events | where not(Ok) and Info.N > 3 | project Info, n = todynamic(tostring(Info)).N',
  'Events | where Timestamp between (datetime(2026-11-10) .. 5d) | sort by Timestamp asc',
  'Events | where @"adele@contoso.com" == User or h"megan@contoso.com" == User | project tolower(Action), toupper(User), strlen(User)',
  'Events | summarize Share = 100.0 * countif(Ok) / count() by Action | where Share > 10',
  'Users | where Since < datetime(2021-01-01) or isnull(Since) | project Upn, Age = now() - Since',
  'Events | extend Kb = Size / 1024.0, Bucket = bin(Size, 5000), Ts = Timestamp + 1h | project Kb, Bucket, Ts',
  'Events | where Action has_any ("uploaded", "printed") | summarize by Action',
  'Events // comment\n| where Hits % 2 == 0\n| project Hits, Half = Hits / 2, Neg = -Hits',
];

const SNIPPETS = [
  '|', '(', ')', '[', ']', '{', '}', ',', ';', ':', '.', '..', '=', '==', '!=', '=~', '!~', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '!',
  '"', "'", '@"', 'h"', '\\', '//', '\n', '$left', '$right', ' where ', ' project ', ' extend ', ' summarize ', ' by ', ' join ', ' on ', ' kind=', ' let x = ',
  ' order by ', ' top 3 by ', ' take ', ' count ', ' distinct ', ' datatable(', 'dynamic(', 'datetime(', 'timespan(', 'toscalar(', ' in ', ' !in ', ' has ',
  ' between ', ' and ', ' or ', 'not(', 'arg_max(', 'count()', 'ago(', 'bin(', '1d', '0', '-1', '1e308', '9999999999999999999', '1.5', 'null', 'true',
  'Events', 'Users', 'User', 'Size', 'Info', 'Timestamp', '__proto__', 'constructor', 'toString', '*', '\u0000', '\u00e9', '\ud83d\ude00', '\ud800', ' mv-expand ',
];

/** The tenant's seeded generator, with `int(n)` in [0, n). */
function prng(seed: number) {
  const random = createRandom(seed);
  return { next: random.next, int: (n: number) => random.int(0, n - 1), pick: random.pick };
}
type Random = ReturnType<typeof prng>;

function mutate(query: string, random: Random): string {
  let q = query;
  const steps = 1 + random.int(4);
  for (let s = 0; s < steps; s++) {
    const i = random.int(q.length + 1);
    const j = Math.min(q.length, i + random.int(12));
    switch (random.int(6)) {
      case 0:
        q = q.slice(0, i) + q.slice(j);
        break;
      case 1:
        q = q.slice(0, i) + random.pick(SNIPPETS) + q.slice(i);
        break;
      case 2:
        q = q.slice(0, i) + q.slice(i, j) + q.slice(i);
        break;
      case 3:
        q = q.slice(0, i) + String.fromCharCode(random.int(128)) + q.slice(i + 1);
        break;
      case 4: {
        const other = random.pick(CORPUS);
        const k = random.int(other.length);
        q = q.slice(0, i) + other.slice(k, k + random.int(30)) + q.slice(j);
        break;
      }
      default:
        q = q.slice(j) + q.slice(0, i);
    }
  }
  return q;
}

const COLUMNS = ['Timestamp', 'User', 'Action', 'Size', 'Hits', 'Score', 'Ok', 'Info', 'Info.Device', 'Info.Tags[1]'];
const LITERALS = ['1', '2.5', '"adele"', "'x'", 'true', '1d', '30m', 'datetime(2026-11-01)', 'dynamic([1,"a"])', 'int(null)', 'now()', 'ago(2h)'];
const BINARY = ['==', '!=', '<', '>=', '=~', '!~', 'has', '!has', 'contains', 'startswith', 'endswith', '+', '-', '*', '/', '%', 'and', 'or'];
const CALLS = ['tolower', 'toupper', 'strlen', 'isempty', 'isnotempty', 'isnull', 'tostring', 'toint', 'tolong', 'not', 'bin', 'iff', 'strcat', 'array_length', 'startofday', 'parse_json', 'coalesce', 'round'];

function expression(random: Random, depth: number): string {
  if (depth <= 0 || random.next() < 0.3) return random.next() < 0.6 ? random.pick(COLUMNS) : random.pick(LITERALS);
  switch (random.int(5)) {
    case 0:
    case 1:
      return `${expression(random, depth - 1)} ${random.pick(BINARY)} ${expression(random, depth - 1)}`;
    case 2: {
      const args = Array.from({ length: random.int(4) }, () => expression(random, depth - 1));
      return `${random.pick(CALLS)}(${args.join(', ')})`;
    }
    case 3:
      return `(${expression(random, depth - 1)})`;
    default:
      return `${expression(random, depth - 1)} in (${expression(random, 0)}, ${expression(random, 0)})`;
  }
}

function generated(random: Random): string {
  const parts = [random.pick(['Events', 'Users', '(Events | take 10)'])];
  const n = 1 + random.int(4);
  for (let i = 0; i < n; i++) {
    const e = expression(random, 3);
    parts.push(
      random.pick([
        `where ${e}`,
        `extend X${i} = ${e}`,
        `project ${random.pick(COLUMNS)}, Y = ${e}`,
        `summarize C = count(), M = max(${random.pick(COLUMNS)}) by ${random.pick(COLUMNS)}`,
        `order by ${e} asc`,
        `top ${random.int(5)} by ${e}`,
        `distinct ${random.pick(COLUMNS)}`,
        `join kind=${random.pick(['inner', 'leftouter', 'innerunique', 'leftanti'])} (Users) on $left.${random.pick(COLUMNS)} == $right.Upn`,
        `take ${random.int(20)}`,
      ]),
    );
  }
  return parts.join(' | ');
}

function soup(random: Random): string {
  return Array.from({ length: 1 + random.int(40) }, () => random.pick(SNIPPETS)).join(random.next() < 0.5 ? ' ' : '');
}

const run = (query: string) => runKql({ query, now: NOW, tables });

/**
 * Runs one query; anything but results or a proper 400 fails the test. Runaway queries are bounded
 * by the engine's own time limit (a 400), and a hang by the test's timeout: speed is the bench's job.
 */
function check(query: string): 'ok' | 'rejected' {
  try {
    const result = runKql({ query, now: NOW, tables, timespan: 'P30D' }, { timeoutMs: 5000 });
    expect(() => JSON.stringify(result)).not.toThrow();
    for (const row of result.results) expect(Object.keys(row)).toHaveLength(result.schema.length);
    return 'ok';
  } catch (error) {
    if (!(error instanceof GraphHttpError)) throw new Error(`query ${JSON.stringify(query)} threw ${String(error)}`);
    expect(error.status, query).toBe(400);
    expect(error.message, query).not.toMatch(/failed on this query|too complex/);
    return 'rejected';
  }
}

describe('fuzzing the engine', () => {
  it('runs every corpus query', () => {
    for (const query of CORPUS) expect(check(query), query).toBe('ok');
  });

  it('answers 3,000 mutated queries with results or a 400', () => {
    const random = prng(20_261_120);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) outcomes[check(mutate(random.pick(CORPUS), random))]++;
    // Both kinds happen: the mutations are not all fatal, nor all harmless.
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it('answers 1,500 generated queries with results or a 400', () => {
    const random = prng(7);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 1500; i++) outcomes[check(generated(random))]++;
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it('answers 1,500 token soups and random strings with a 400 (or results)', () => {
    const random = prng(99);
    for (let i = 0; i < 1000; i++) check(soup(random));
    for (let i = 0; i < 500; i++) check(Array.from({ length: random.int(200) }, () => String.fromCharCode(random.int(0x3000))).join(''));
  });

  it('refuses pathological queries with a 400 (long but harmless ones run), never a crash or a hang', () => {
    const bombs: [string, 'ok' | 'rejected'][] = [
      [`print ${'('.repeat(5000)}`, 'rejected'],
      [`print ${'['.repeat(5000)}`, 'rejected'],
      [`print dynamic(${'['.repeat(5000)})`, 'rejected'],
      // Long but flat: 700 filters and 900 bindings are simply run.
      [`Events${' | where true'.repeat(700)}`, 'ok'],
      [`${'let a = 1; '.repeat(900)}Events`, 'ok'],
      [`print x = ${'strcat('.repeat(3000)}`, 'rejected'],
      [`print ${'not('.repeat(2000)}true${')'.repeat(2000)}`, 'rejected'],
      [`${Array.from({ length: 250 }, (_, i) => `let t${i} = ${i === 0 ? 'Events' : `t${i - 1}`} | take 5;`).join(' ')} t249`, 'rejected'],
      ['Events | join kind=inner (Events) on Ok | join kind=inner (Events) on Ok | join kind=inner (Events) on Ok | join kind=inner (Events) on Ok', 'rejected'],
      [`Events | extend s = strcat(User, User)${' | extend s = strcat(s, s)'.repeat(40)}`, 'rejected'],
    ];
    expect(bombs.map(([query]) => check(query.slice(0, 10_000)))).toEqual(bombs.map(([, outcome]) => outcome));
    // JSON too deep to serialise safely stays a string.
    const deep = run(`print v = parse_json("${'['.repeat(4000)}${']'.repeat(4000)}")`);
    expect(typeof deep.results[0]?.v).toBe('string');
    expect(run('print v = parse_json("[[[1]]]")').results[0]?.v).toEqual([[[1]]]);
  });
});
