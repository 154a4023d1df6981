/** The KQL engine's tabular operators, each over a small in-memory table with the rows expected. */
import { describe, expect, it } from 'vitest';
import { GraphHttpError, runKql, type KqlEngineOptions, type KqlTable } from '@irm-bot/defender-tenant';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const at = (daysAgo: number, hours = 0) => new Date(NOW.getTime() - daysAgo * 86_400_000 + hours * 3_600_000).toISOString();

const Events: KqlTable = {
  columns: [
    { name: 'Timestamp', type: 'datetime' },
    { name: 'User', type: 'string' },
    { name: 'Action', type: 'string' },
    { name: 'File', type: 'string' },
    { name: 'Size', type: 'long' },
    { name: 'Hits', type: 'int' },
    { name: 'Managed', type: 'bool' },
    { name: 'Info', type: 'dynamic' },
  ],
  rows: [
    { Timestamp: at(1), User: 'adele@contoso.com', Action: 'FileUploaded', File: 'Plan.zip', Size: 100, Hits: 1, Managed: true, Info: { Device: 'PC1', Tags: ['a', 'b'] } },
    { Timestamp: at(1, 2), User: 'adele@contoso.com', Action: 'FilePrinted', File: 'Plan.docx', Size: 50, Hits: 2, Managed: true, Info: { Device: 'PC1' } },
    { Timestamp: at(2), User: 'megan@contoso.com', Action: 'FileUploaded', File: 'Budget.xlsx', Size: 300, Hits: 3, Managed: false, Info: null },
    { Timestamp: at(3), User: 'megan@contoso.com', Action: 'FileArchived', File: 'Budget.zip', Size: 200, Hits: 4, Managed: false, Info: { Device: 'PC2' } },
    { Timestamp: at(5), User: 'alex@contoso.com', Action: 'FileDownloaded', File: 'Roadmap.pptx', Size: 400, Hits: 5, Managed: true, Info: null },
    // Older than Defender keeps: never visible.
    { Timestamp: at(45), User: 'old@contoso.com', Action: 'FileUploaded', File: 'Old.zip', Size: 1, Hits: 6, Managed: true, Info: null },
  ],
};

const Users: KqlTable = {
  columns: [
    { name: 'Upn', type: 'string' },
    { name: 'Department', type: 'string' },
  ],
  rows: [
    { Upn: 'adele@contoso.com', Department: 'Legal' },
    { Upn: 'megan@contoso.com', Department: 'Sales' },
    { Upn: 'megan@contoso.com', Department: 'Marketing' },
    { Upn: 'nobody@contoso.com', Department: 'IT' },
  ],
};

const tables = { Events, Users };

function run(query: string, options: KqlEngineOptions & { timespan?: string } = {}) {
  return runKql({ query, timespan: options.timespan, now: NOW, tables }, options);
}
const rows = (query: string, options: KqlEngineOptions & { timespan?: string } = {}) => run(query, options).results;
const column = (query: string, name: string) => rows(query).map((r) => r[name]);

function fail(query: string, options: KqlEngineOptions & { timespan?: string } = {}): string {
  try {
    run(query, options);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphHttpError);
    if (error instanceof GraphHttpError) {
      expect(error.status).toBe(400);
      return error.message;
    }
  }
  throw new Error(`expected a 400 for: ${query}`);
}

describe('tables and the time window', () => {
  it('returns a table with its schema, datetimes in ISO 8601, without rows older than 30 days', () => {
    const result = run('Events');
    expect(result.schema).toEqual([
      { name: 'Timestamp', type: 'DateTime' },
      { name: 'User', type: 'String' },
      { name: 'Action', type: 'String' },
      { name: 'File', type: 'String' },
      { name: 'Size', type: 'Int64' },
      { name: 'Hits', type: 'Int32' },
      { name: 'Managed', type: 'Boolean' },
      { name: 'Info', type: 'Object' },
    ]);
    expect(result.results).toHaveLength(5);
    expect(result.results[0]).toEqual({ Timestamp: at(1), User: 'adele@contoso.com', Action: 'FileUploaded', File: 'Plan.zip', Size: 100, Hits: 1, Managed: true, Info: { Device: 'PC1', Tags: ['a', 'b'] } });
    expect(column('Events', 'User')).not.toContain('old@contoso.com');
  });

  it('honours the Timespan: durations, intervals, a start alone', () => {
    expect(rows('Events', { timespan: 'PT23H' })).toHaveLength(1);
    // The window's start is inclusive: the row exactly a day old is in.
    expect(rows('Events', { timespan: 'P1D' })).toHaveLength(2);
    expect(rows('Events', { timespan: 'PT36H' })).toHaveLength(2);
    expect(rows('Events', { timespan: 'P2DT1H' })).toHaveLength(3);
    expect(rows('Events', { timespan: 'P1W' })).toHaveLength(5);
    expect(rows('Events', { timespan: 'P90D' })).toHaveLength(5);
    expect(rows('Events', { timespan: `${at(3, -1)}/${at(1, 1)}` }).map((r) => r.Hits)).toEqual([1, 3, 4]);
    expect(rows('Events', { timespan: `${at(3, -1)}/P1D` }).map((r) => r.Hits)).toEqual([4]);
    expect(rows('Events', { timespan: `P1D/${at(1, 1)}` }).map((r) => r.Hits)).toEqual([1]);
    expect(rows('Events', { timespan: at(2, -1) })).toHaveLength(3);
    // Tables without a Timestamp are not windowed.
    expect(rows('Users', { timespan: 'PT1H' })).toHaveLength(4);
  });

  it('answers 400 for a Timespan that is not ISO 8601', () => {
    expect(fail('Events', { timespan: '30 days' })).toMatch(/Timespan '30 days' is not valid/);
    expect(fail('Events', { timespan: 'P' })).toMatch(/not valid/);
    expect(fail('Events', { timespan: `${at(1)}/${at(2)}` })).toMatch(/ends before it starts/);
  });

  it('cuts the results at the row cap', () => {
    expect(rows('Events', { maxRows: 2 }).map((r) => r.Hits)).toEqual([1, 2]);
    expect(rows('Events | count', { maxRows: 2 })).toEqual([{ Count: 5 }]);
  });

  it('names an unknown table', () => {
    expect(fail('Evnets | take 1')).toMatch(/^Failed to resolve table expression named 'Evnets' \(line 1, column 1\)/);
    expect(fail('constructor')).toMatch(/Failed to resolve table expression named 'constructor'/);
  });
});

describe('where', () => {
  it('filters with comparisons, and/or, not()', () => {
    expect(column('Events | where Size > 100 and Size <= 300', 'Hits')).toEqual([3, 4]);
    expect(column('Events | where Size < 60 or Hits >= 5', 'Hits')).toEqual([2, 5]);
    expect(column('Events | where not(Managed)', 'Hits')).toEqual([3, 4]);
    expect(column('Events | where Managed == false', 'Hits')).toEqual([3, 4]);
    expect(column('Events | where Hits != 1 and Size != 200', 'Hits')).toEqual([2, 3, 5]);
    expect(column('Events | filter Size >= 400', 'Hits')).toEqual([5]);
  });

  it('compares strings case-sensitively with == and case-insensitively with =~', () => {
    expect(column('Events | where Action == "FileUploaded"', 'Hits')).toEqual([1, 3]);
    expect(column('Events | where Action == "fileuploaded"', 'Hits')).toEqual([]);
    expect(column('Events | where Action =~ "fileuploaded"', 'Hits')).toEqual([1, 3]);
    expect(column('Events | where Action !~ "FILEUPLOADED"', 'Hits')).toEqual([2, 4, 5]);
    expect(column("Events | where Action != 'FileUploaded'", 'Hits')).toEqual([2, 4, 5]);
  });

  it('filters on time with ago(), now(), datetime literals and between', () => {
    expect(column('Events | where Timestamp > ago(36h)', 'Hits')).toEqual([1, 2]);
    expect(column('Events | where Timestamp between (ago(3d) .. ago(2d))', 'Hits')).toEqual([3, 4]);
    expect(column('Events | where Timestamp !between (ago(3d) .. ago(2d))', 'Hits')).toEqual([1, 2, 5]);
    expect(column(`Events | where Timestamp between (datetime(${at(5)}) .. 1d)`, 'Hits')).toEqual([5]);
    expect(column('Events | where Size between (100 .. 200)', 'Hits')).toEqual([1, 4]);
    expect(column('Events | where Timestamp < now() - 2d', 'Hits')).toEqual([4, 5]);
    expect(column('Events | where Timestamp >= datetime(2026-11-18)', 'Hits')).toEqual([1, 2, 3]);
  });

  it('treats in, !in, in~ as Kusto does', () => {
    expect(column('Events | where Action in ("FileUploaded", "FilePrinted")', 'Hits')).toEqual([1, 2, 3]);
    expect(column('Events | where Action !in ("FileUploaded", "FilePrinted")', 'Hits')).toEqual([4, 5]);
    expect(column('Events | where Action in ("fileuploaded")', 'Hits')).toEqual([]);
    expect(column('Events | where Action in~ ("fileuploaded")', 'Hits')).toEqual([1, 3]);
    expect(column('Events | where Action !in~ ("fileuploaded", "FILEPRINTED")', 'Hits')).toEqual([4, 5]);
    expect(column('Events | where Size in (100, 400)', 'Hits')).toEqual([1, 5]);
    expect(column('Events | where Action in (dynamic(["FileArchived", "FilePrinted"]))', 'Hits')).toEqual([2, 4]);
    expect(column('let acts = dynamic(["FileArchived"]); Events | where Action in (acts)', 'Hits')).toEqual([4]);
    expect(column('Events | where User in (Users | where Department == "Sales" | project Upn)', 'Hits')).toEqual([3, 4]);
  });

  it('tests emptiness and nulls', () => {
    expect(column('Events | where isnotempty(Info)', 'Hits')).toEqual([1, 2, 4]);
    expect(column('Events | where isempty(Info)', 'Hits')).toEqual([3, 5]);
    expect(column('Events | where isnull(Info.Tags)', 'Hits')).toEqual([2, 3, 4, 5]);
    expect(column('Events | where isnotnull(Info.Tags)', 'Hits')).toEqual([1]);
  });

  it('reads dynamic properties and indexes', () => {
    expect(column('Events | where Info.Device == "PC1"', 'Hits')).toEqual([1, 2]);
    expect(column('Events | where Info["Device"] == "PC2"', 'Hits')).toEqual([4]);
    expect(column('Events | where Info.Tags[1] == "b"', 'Hits')).toEqual([1]);
  });

  it('rejects a predicate that is not bool, comparisons across types, unknown columns', () => {
    expect(fail('Events | where Size')).toMatch(/where: the filter must be a bool expression, but its type is long/);
    expect(fail('Events | where Timestamp > "2026-11-01"')).toMatch(/Cannot compare a value of type datetime with a value of type string/);
    expect(fail('Events | where Size == "100"')).toMatch(/Cannot compare a value of type long with a value of type string/);
    expect(fail('Events | where FileName endswith ".zip"')).toMatch(/^Failed to resolve scalar expression named 'FileName' \(line 1, column 16\)/);
    expect(fail('Events | where Action =~ 5')).toMatch(/compares strings/);
    expect(fail('Events | where Size has 1')).toMatch(/needs a string on its right/);
  });
});

describe('project, project-away, project-keep, project-rename, extend', () => {
  it('projects columns, renames and computed columns, with inferred types', () => {
    const result = run('Events | take 1 | project User, Name = File, Big = Size * 2, Ratio = Size / 3.0, Age = now() - Timestamp, tolower(Action)');
    expect(result.schema).toEqual([
      { name: 'User', type: 'String' },
      { name: 'Name', type: 'String' },
      { name: 'Big', type: 'Int64' },
      { name: 'Ratio', type: 'Double' },
      { name: 'Age', type: 'TimeSpan' },
      { name: 'Column1', type: 'String' },
    ]);
    expect(result.results).toEqual([{ User: 'adele@contoso.com', Name: 'Plan.zip', Big: 200, Ratio: 100 / 3, Age: '1.00:00:00', Column1: 'fileuploaded' }]);
  });

  it('names unnamed columns as Kusto does: a path, through a conversion, else Column1, Column2…', () => {
    expect(run('Events | take 1 | project Info.Device').results).toEqual([{ Info_Device: 'PC1' }]);
    expect(run('Events | take 1 | project tostring(Info.Device), strlen(User), Size + 1').schema.map((c) => c.name)).toEqual(['Info_Device', 'Column1', 'Column2']);
    expect(run('Events | summarize count() by tostring(Info.Device), tolower(Action)').schema.map((c) => c.name)).toEqual(['Info_Device', 'Column1', 'count_']);
    expect(run('Events | extend strlen(User) | take 1').schema.map((c) => c.name).at(-1)).toBe('Column1');
  });

  it('drops, keeps and renames columns, with wildcards', () => {
    expect(run('Events | project-away Info, Managed, Hits, Size, Timestamp | take 1').schema.map((c) => c.name)).toEqual(['User', 'Action', 'File']);
    expect(run('Events | project-away *e* | take 1').schema.map((c) => c.name)).toEqual(['Action', 'Hits', 'Info']);
    expect(run('Events | project-keep User, F* | take 1').schema.map((c) => c.name)).toEqual(['User', 'File']);
    expect(run('Events | project-rename Who = User, What = Action | take 1').schema.map((c) => c.name)).toEqual(['Timestamp', 'Who', 'What', 'File', 'Size', 'Hits', 'Managed', 'Info']);
    expect(fail('Events | project-away Nope')).toMatch(/Failed to resolve scalar expression named 'Nope'/);
    expect(fail('Events | project-rename A = Nope')).toMatch(/Failed to resolve scalar expression named 'Nope'/);
  });

  it('extends rows, replacing a column of the same name, later items seeing earlier ones', () => {
    const result = run('Events | take 2 | extend KB = Size / 1000.0, Size = Size + 1, Twice = KB * 2 | project Size, KB, Twice');
    expect(result.results).toEqual([
      { Size: 101, KB: 0.1, Twice: 0.2 },
      { Size: 51, KB: 0.05, Twice: 0.1 },
    ]);
  });

  it('rejects duplicate explicit names and unknown columns in project', () => {
    expect(fail('Events | project A = User, A = File')).toMatch(/already in the output/);
    expect(fail('Events | project Nope')).toMatch(/Failed to resolve scalar expression named 'Nope'/);
  });
});

describe('summarize', () => {
  it('counts and aggregates by columns, with default and given names', () => {
    const result = run('Events | summarize count(), Files = dcount(File), min(Size), max(Size), sum(Size), avg(Size), countif(Managed) by User');
    expect(result.schema).toEqual([
      { name: 'User', type: 'String' },
      { name: 'count_', type: 'Int64' },
      { name: 'Files', type: 'Int64' },
      { name: 'min_Size', type: 'Int64' },
      { name: 'max_Size', type: 'Int64' },
      { name: 'sum_Size', type: 'Int64' },
      { name: 'avg_Size', type: 'Double' },
      { name: 'countif_', type: 'Int64' },
    ]);
    expect(result.results).toEqual([
      { User: 'adele@contoso.com', count_: 2, Files: 2, min_Size: 50, max_Size: 100, sum_Size: 150, avg_Size: 75, countif_: 2 },
      { User: 'megan@contoso.com', count_: 2, Files: 2, min_Size: 200, max_Size: 300, sum_Size: 500, avg_Size: 250, countif_: 0 },
      { User: 'alex@contoso.com', count_: 1, Files: 1, min_Size: 400, max_Size: 400, sum_Size: 400, avg_Size: 400, countif_: 1 },
    ]);
  });

  it('bins time into days and keeps the column name', () => {
    const result = run('Events | summarize N = count() by Day = bin(Timestamp, 1d) | order by Day asc');
    const expected = new Map<string, number>();
    for (const r of Events.rows) {
      const t = Date.parse(String(r.Timestamp));
      if (t < NOW.getTime() - 30 * 86_400_000) continue;
      const day = new Date(Math.floor(t / 86_400_000) * 86_400_000).toISOString();
      expected.set(day, (expected.get(day) ?? 0) + 1);
    }
    expect(result.results).toEqual([...expected].sort(([a], [b]) => a.localeCompare(b)).map(([Day, N]) => ({ Day, N })));
    expect(run('Events | summarize count() by bin(Timestamp, 1d)').schema[0]).toEqual({ name: 'Timestamp', type: 'DateTime' });
  });

  it('makes sets and lists', () => {
    expect(rows('Events | summarize Actions = make_set(Action), Files = make_list(File, 2) by User | where User startswith "megan"')).toEqual([
      { User: 'megan@contoso.com', Actions: ['FileUploaded', 'FileArchived'], Files: ['Budget.xlsx', 'Budget.zip'] },
    ]);
    expect(rows('Events | summarize make_set(Managed)')).toEqual([{ set_Managed: [true, false] }]);
    expect(rows('Events | where Hits < 3 | summarize make_set(Timestamp)')).toEqual([{ set_Timestamp: [at(1), at(1, 2)] }]);
  });

  it('finds the latest row per group with arg_max(col, *) and arg_max(col, c1, c2)', () => {
    expect(rows('Events | summarize arg_max(Timestamp, *) by User | project User, Hits')).toEqual([
      { User: 'adele@contoso.com', Hits: 2 },
      { User: 'megan@contoso.com', Hits: 3 },
      { User: 'alex@contoso.com', Hits: 5 },
    ]);
    const picked = run('Events | summarize arg_max(Size, File, Action) by Managed');
    expect(picked.schema.map((c) => c.name)).toEqual(['Managed', 'Size', 'File', 'Action']);
    expect(picked.results).toEqual([
      { Managed: true, Size: 400, File: 'Roadmap.pptx', Action: 'FileDownloaded' },
      { Managed: false, Size: 300, File: 'Budget.xlsx', Action: 'FileUploaded' },
    ]);
    expect(rows('Events | summarize arg_min(Size, File)')).toEqual([{ Size: 50, File: 'Plan.docx' }]);
    expect(run('Events | summarize arg_max(Timestamp, *) by User').schema.map((c) => c.name)).toEqual(['User', 'Timestamp', 'Action', 'File', 'Size', 'Hits', 'Managed', 'Info']);
  });

  it('computes expressions over aggregates, and answers one row for no rows without by', () => {
    expect(rows('Events | summarize Share = 100.0 * countif(Managed) / count()')).toEqual([{ Share: 60 }]);
    expect(rows('Events | where Size > 1000 | summarize count(), sum(Size)')).toEqual([{ count_: 0, sum_Size: null }]);
    expect(rows('Events | where Size > 1000 | summarize count() by User')).toEqual([]);
    expect(rows('Events | summarize by User')).toEqual([{ User: 'adele@contoso.com' }, { User: 'megan@contoso.com' }, { User: 'alex@contoso.com' }]);
  });

  it('rejects columns outside aggregates and aggregates outside summarize', () => {
    expect(fail('Events | summarize Size by User')).toMatch(/Column 'Size' must be inside an aggregation function/);
    expect(fail('Events | extend c = count()')).toMatch(/count\(\) is an aggregation function: use it in summarize/);
    expect(fail('Events | summarize sum(User)')).toMatch(/sum\(\): expects a number or a timespan/);
    expect(fail('Events | summarize x = 1 + arg_max(Size, *)')).toMatch(/must stand alone/);
    expect(fail('Events | summarize percentile(Size, 50)')).toMatch(/does not support the function 'percentile\(\)'/);
  });
});

describe('order, top, take, distinct, count', () => {
  it('sorts by several keys, descending by default', () => {
    expect(column('Events | order by Size', 'Size')).toEqual([400, 300, 200, 100, 50]);
    expect(column('Events | sort by Size asc', 'Size')).toEqual([50, 100, 200, 300, 400]);
    expect(column('Events | order by Managed asc, Size desc', 'Hits')).toEqual([3, 4, 5, 1, 2]);
    expect(column('Events | order by User asc, Timestamp asc', 'Hits')).toEqual([1, 2, 5, 4, 3]);
  });

  it('places nulls last when descending and first when ascending, unless told', () => {
    expect(column('Events | extend D = tostring(Info.Device) | extend N = iff(D == "", int(null), Hits) | order by N desc', 'N')).toEqual([4, 2, 1, null, null]);
    expect(column('Events | extend N = iff(isnull(Info), int(null), Hits) | order by N asc', 'N')).toEqual([null, null, 1, 2, 4]);
    expect(column('Events | extend N = iff(isnull(Info), int(null), Hits) | order by N asc nulls last', 'N')).toEqual([1, 2, 4, null, null]);
  });

  it('takes the top N by a column', () => {
    expect(column('Events | top 2 by Size', 'Size')).toEqual([400, 300]);
    expect(column('Events | top 2 by Size asc', 'Size')).toEqual([50, 100]);
    expect(column('let n = 1; Events | top n by Timestamp desc', 'Hits')).toEqual([2]);
  });

  it('takes and limits', () => {
    expect(column('Events | take 2', 'Hits')).toEqual([1, 2]);
    expect(column('Events | limit 0', 'Hits')).toEqual([]);
    expect(fail('Events | take "ten"')).toMatch(/take: the number of rows must be a constant/);
    expect(fail('Events | take Size')).toMatch(/Failed to resolve scalar expression named 'Size'/);
    expect(fail('Events | take -1')).toMatch(/non-negative/);
  });

  it('keeps distinct rows', () => {
    expect(rows('Events | distinct User')).toEqual([{ User: 'adele@contoso.com' }, { User: 'megan@contoso.com' }, { User: 'alex@contoso.com' }]);
    expect(rows('Events | distinct Managed, Action | where Managed')).toEqual([
      { Managed: true, Action: 'FileUploaded' },
      { Managed: true, Action: 'FilePrinted' },
      { Managed: true, Action: 'FileDownloaded' },
    ]);
    expect(rows('Users | project Upn | distinct *')).toHaveLength(3);
  });

  it('counts rows', () => {
    expect(run('Events | where Managed | count')).toEqual({ schema: [{ name: 'Count', type: 'Int64' }], results: [{ Count: 3 }] });
  });
});

describe('join', () => {
  it('joins inner on a shared column name (the right copy gets a suffix)', () => {
    const result = run('Events | project User, Hits | join kind=inner (Users | project User = Upn, Department) on User');
    expect(result.schema.map((c) => c.name)).toEqual(['User', 'Hits', 'User1', 'Department']);
    expect(result.results).toEqual([
      { User: 'adele@contoso.com', Hits: 1, User1: 'adele@contoso.com', Department: 'Legal' },
      { User: 'adele@contoso.com', Hits: 2, User1: 'adele@contoso.com', Department: 'Legal' },
      { User: 'megan@contoso.com', Hits: 3, User1: 'megan@contoso.com', Department: 'Sales' },
      { User: 'megan@contoso.com', Hits: 3, User1: 'megan@contoso.com', Department: 'Marketing' },
      { User: 'megan@contoso.com', Hits: 4, User1: 'megan@contoso.com', Department: 'Sales' },
      { User: 'megan@contoso.com', Hits: 4, User1: 'megan@contoso.com', Department: 'Marketing' },
    ]);
  });

  it('joins on $left.A == $right.B, with a table name on the right', () => {
    expect(column('Events | join kind=inner Users on $left.User == $right.Upn | project Hits, Department', 'Department')).toEqual(['Legal', 'Legal', 'Sales', 'Marketing', 'Sales', 'Marketing']);
    expect(column('Events | join kind=inner (Users) on $right.Upn == $left.User | project Hits', 'Hits')).toEqual([1, 2, 3, 3, 4, 4]);
  });

  it('keeps unmatched left rows with leftouter', () => {
    expect(rows('Events | join kind=leftouter (Users | where Department != "Marketing") on $left.User == $right.Upn | project Hits, Department')).toEqual([
      { Hits: 1, Department: 'Legal' },
      { Hits: 2, Department: 'Legal' },
      { Hits: 3, Department: 'Sales' },
      { Hits: 4, Department: 'Sales' },
      { Hits: 5, Department: null },
    ]);
  });

  it('dedupes the left side by default (innerunique), and does semi, anti, right and full joins', () => {
    expect(column('Events | join (Users) on $left.User == $right.Upn | project Hits', 'Hits')).toEqual([1, 3, 3]);
    expect(column('Events | join kind=leftsemi (Users) on $left.User == $right.Upn', 'Hits')).toEqual([1, 2, 3, 4]);
    expect(column('Events | join kind=leftanti (Users) on $left.User == $right.Upn', 'Hits')).toEqual([5]);
    expect(column('Events | join kind=rightanti (Users) on $left.User == $right.Upn', 'Upn')).toEqual(['nobody@contoso.com']);
    expect(column('Events | join kind=rightsemi (Users) on $left.User == $right.Upn', 'Department')).toEqual(['Legal', 'Sales', 'Marketing']);
    expect(column('Events | where Hits == 5 | join kind=rightouter (Users | where Department == "IT") on $left.User == $right.Upn', 'Department')).toEqual(['IT']);
    expect(rows('Events | where Hits == 5 | project User | join kind=fullouter (Users | where Department == "IT") on $left.User == $right.Upn')).toEqual([
      { User: 'alex@contoso.com', Upn: null, Department: null },
      { User: null, Upn: 'nobody@contoso.com', Department: 'IT' },
    ]);
  });

  it('joins on several keys', () => {
    expect(column('Events | join kind=inner (Events | project User, Action, Other = Hits) on User, Action | where Hits != Other', 'Hits')).toEqual([]);
    expect(column('Events | join kind=inner (Events | project User, Action, Other = Hits) on User, Action', 'Other')).toEqual([1, 2, 3, 4, 5]);
  });

  it('joins 100,000 rows against 100,000 (a hash join: a nested loop would not finish within the test timeout)', () => {
    const n = 100_000;
    const Big: KqlTable = {
      columns: [
        { name: 'Id', type: 'long' },
        { name: 'Tag', type: 'string' },
      ],
      rows: Array.from({ length: n }, (_, i) => ({ Id: i, Tag: `t${i % 10}` })),
    };
    const result = runKql({ query: 'Big | join kind=inner (Big | project Id, Tag2 = Tag) on Id | summarize count() by Tag2 | order by Tag2 asc', now: NOW, tables: { Big } });
    expect(result.results).toHaveLength(10);
    expect(result.results[0]).toEqual({ Tag2: 't0', count_: n / 10 });
  });

  it('refuses a join that explodes past the intermediate limit, and unknown join columns', () => {
    expect(fail('Events | join kind=inner (Events) on Managed', { maxIntermediateRows: 10 })).toMatch(/memory limit/);
    expect(fail('Events | join kind=inner (Users) on Upn')).toMatch(/Failed to resolve scalar expression named 'Upn' on the left side/);
    expect(fail('Events | join kind=inner (Users) on $left.Size == $right.Upn')).toMatch(/cannot match 'Size' \(long\) with 'Upn' \(string\)/);
    expect(fail('Events | join kind=sideways (Users) on User')).toMatch(/'sideways' is not a join kind/);
  });
});

describe('let, datatable, print, toscalar', () => {
  it('binds scalars and uses them in expressions', () => {
    expect(column("let span = 2d; let who = 'megan@contoso.com'; Events | where Timestamp > ago(span) and User == who", 'Hits')).toEqual([]);
    expect(column("let span = 3d; let who = 'megan@contoso.com'; Events | where Timestamp >= ago(span) and User == who", 'Hits')).toEqual([3, 4]);
    expect(column('let big = 150 + 50; Events | where Size >= big', 'Hits')).toEqual([3, 4, 5]);
  });

  it('binds tabular expressions', () => {
    expect(column('let uploads = Events | where Action == "FileUploaded"; uploads | join kind=inner (Users) on $left.User == $right.Upn | project Department', 'Department')).toEqual(['Legal', 'Sales', 'Marketing']);
    expect(column('let Events = Events | where Managed; Events | count', 'Count')).toEqual([3]);
  });

  it('computes toscalar() once', () => {
    expect(column('let biggest = toscalar(Events | summarize max(Size)); Events | where Size == biggest', 'Hits')).toEqual([5]);
    // 2,000 rows: once costs a few thousand work units; once per row would cost millions.
    const Big: KqlTable = { columns: Events.columns, rows: Array.from({ length: 2000 }, (_, i) => ({ ...Events.rows[0], Size: i, Hits: i })) };
    const answer = runKql({ query: 'let biggest = toscalar(Big | summarize max(Size)); Big | where Size == biggest | project Hits', now: NOW, tables: { Big } }, { maxWork: 50_000 });
    expect(answer.results).toEqual([{ Hits: 1999 }]);
  });

  it('builds datatables and prints', () => {
    expect(run('datatable(Name:string, N:long, When:datetime) ["a", 1, datetime(2026-11-01), "b", 2, datetime(null)] | where N > 0').results).toEqual([
      { Name: 'a', N: 1, When: '2026-11-01T00:00:00.000Z' },
      { Name: 'b', N: 2, When: null },
    ]);
    expect(run('print x = 1, "two", 2d').results).toEqual([{ x: 1, print_1: 'two', print_2: '2.00:00:00' }]);
    expect(fail('datatable(A:long) ["x"]')).toMatch(/datatable: a value of type string in column 'A' of type long/);
    expect(fail('datatable(A:long, B:long) [1, 2, 3]')).toMatch(/do not fill rows/);
  });

  it('rejects a let that reads a column, a scalar used as a table, and a table used as a scalar', () => {
    expect(fail('let x = Size; Events')).toMatch(/Failed to resolve scalar expression named 'Size'/);
    expect(fail('let x = 1; x | take 1')).toMatch(/'x' is a scalar value, not a table/);
    expect(fail('let t = Users; Events | where Size > t')).toMatch(/'t' is a tabular expression/);
  });
});

describe('unsupported constructs', () => {
  it('names the operator or function it does not run', () => {
    expect(fail('Events | mv-expand Info')).toMatch(/^The embedded tenant's hunting engine does not support the 'mv-expand' operator \(line 1, column 10\)/);
    expect(fail('Events | parse File with Name ".zip"')).toMatch(/does not support the 'parse' operator/);
    expect(fail('union Events, Users')).toMatch(/does not support the 'union' operator/);
    expect(fail('Events | evaluate bag_unpack(Info)')).toMatch(/does not support the 'evaluate' operator/);
    expect(fail('Events | where File matches regex "z.p"')).toMatch(/does not support the 'matches regex' operator/);
    expect(fail('Events | extend x = extract("a(.)", 1, File)')).toMatch(/does not support the function 'extract\(\)'/);
    expect(fail('Events | extend x = frobnicate(File)')).toMatch(/Unknown function: 'frobnicate'/);
    expect(fail('Events | frobnicate')).toMatch(/'frobnicate' is not a query operator/);
    expect(fail('let f = (x:string) { x }; Events')).toMatch(/user-defined functions/);
  });
});
