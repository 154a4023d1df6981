/** The KQL engine's literals, scalar operators and functions, and its syntax errors. */
import { describe, expect, it } from 'vitest';
import { GraphHttpError, runKql, type KqlTable } from '@irm-bot/defender-tenant';

const NOW = new Date('2026-11-20T12:34:56.789Z');

const Files: KqlTable = {
  columns: [
    { name: 'Name', type: 'string' },
    { name: 'Path', type: 'string' },
  ],
  rows: [
    { Name: 'Project_Falcon.zip', Path: 'C:\\Users\\adele\\Documents\\Project_Falcon.zip' },
    { Name: 'falcon-notes.txt', Path: 'https://contoso.sharepoint.com/sites/Falcon/notes' },
    { Name: 'Falconry.docx', Path: 'E:\\Falconry.docx' },
    { Name: 'budget.xlsx', Path: '\\\\fs01\\share\\budget.xlsx' },
  ],
};

function run(query: string) {
  return runKql({ query, now: NOW, tables: { Files } });
}
/** The value and wire type of one expression. */
function value(expr: string): unknown {
  return run(`print v = ${expr}`).results[0]?.v;
}
function typeOf(expr: string): string | undefined {
  return run(`print v = ${expr}`).schema[0]?.type;
}
const names = (predicate: string) => run(`Files | where ${predicate}`).results.map((r) => r.Name);

function fail(query: string): string {
  try {
    run(query);
  } catch (error) {
    if (error instanceof GraphHttpError && error.status === 400) return error.message;
    throw error;
  }
  throw new Error(`expected a 400 for: ${query}`);
}

describe('literals', () => {
  it('reads strings: both quotes, escapes, verbatim and obfuscated', () => {
    expect(value(`"a\\"b"`)).toBe('a"b');
    expect(value(`'it\\'s'`)).toBe("it's");
    expect(value(`"tab\\tnew\\nline\\\\ \\u00e9"`)).toBe('tab\tnew\nline\\ é');
    expect(value(`@"C:\\Users\\adele"`)).toBe('C:\\Users\\adele');
    expect(value(`@'say ''hi'''`)).toBe("say 'hi'");
    expect(value(`@"say ""hi"""`)).toBe('say "hi"');
    expect(value(`h"secret"`)).toBe('secret');
    expect(value(`h@'C:\\x'`)).toBe('C:\\x');
  });

  it('reads numbers, bools and typed nulls', () => {
    expect([value('42'), typeOf('42')]).toEqual([42, 'Int64']);
    expect([value('1.5'), typeOf('1.5')]).toEqual([1.5, 'Double']);
    expect(value('2e3')).toBe(2000);
    expect(value('-7')).toBe(-7);
    expect([value('true'), typeOf('false')]).toEqual([true, 'Boolean']);
    expect([value('int(null)'), typeOf('int(null)')]).toEqual([null, 'Int32']);
    expect([value('long(5)'), typeOf('real(null)')]).toEqual([5, 'Double']);
    expect(value('bool(true)')).toBe(true);
  });

  it('reads datetimes in several forms', () => {
    expect(value('datetime(2026-11-01T00:00:00Z)')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('datetime(2026-11-01)')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('datetime(2026-11-01 08:30)')).toBe('2026-11-01T08:30:00.000Z');
    expect(value('datetime(2026-11-01T08:30:00.1234567Z)')).toBe('2026-11-01T08:30:00.123Z');
    expect(value('datetime(2026-11-01T10:00:00+02:00)')).toBe('2026-11-01T08:00:00.000Z');
    expect([value('datetime(null)'), typeOf('datetime(null)')]).toEqual([null, 'DateTime']);
    expect(fail('print datetime(2026-02-30)')).toMatch(/'2026-02-30' is not a valid datetime literal/);
  });

  it('reads timespans', () => {
    expect(value('7d')).toBe('7.00:00:00');
    expect(value('12h')).toBe('12:00:00');
    expect(value('30m')).toBe('00:30:00');
    expect(value('10s')).toBe('00:00:10');
    expect(value('1ms')).toBe('00:00:00.0010000');
    expect(value('1.5h')).toBe('01:30:00');
    expect(value('timespan(1d)')).toBe('1.00:00:00');
    expect(value('timespan(2.03:04:05)')).toBe('2.03:04:05');
    expect(value('-1d')).toBe('-1.00:00:00');
    expect(typeOf('1d')).toBe('TimeSpan');
    expect(fail('print 1x')).toMatch(/'1x' is neither a number nor a timespan/);
  });

  it('reads dynamic values', () => {
    expect(value('dynamic(["a", 1, true, null, {"k": [2]}])')).toEqual(['a', 1, true, null, { k: [2] }]);
    expect(value('dynamic({"a": {"b": -1.5}})')).toEqual({ a: { b: -1.5 } });
    expect(value('dynamic(null)')).toBeNull();
    expect(typeOf('dynamic([])')).toBe('Object');
    expect(value('dynamic({"__proto__": 1})')).toEqual(JSON.parse('{"__proto__": 1}'));
  });

  it('skips comments', () => {
    expect(run('// leading comment\nFiles // trailing\n| where Name startswith "b" // why\n| count').results).toEqual([{ Count: 1 }]);
  });

  it('reads bracketed names', () => {
    expect(run("Files | project ['File name'] = Name | where ['File name'] has 'budget'").results).toEqual([{ 'File name': 'budget.xlsx' }]);
  });
});

describe('string operators', () => {
  it('has matches whole terms, case-insensitively', () => {
    expect(names('Name has "falcon"')).toEqual(['Project_Falcon.zip', 'falcon-notes.txt']);
    // Terms are runs of letters and digits: '_' separates them.
    expect(names('Path has "falcon"')).toEqual(['Project_Falcon.zip', 'falcon-notes.txt']);
    expect(names('Name has "falc"')).toEqual([]);
    expect(names('Path has "sharepoint.com"')).toEqual(['falcon-notes.txt']);
    expect(names('Name has "FALCONRY"')).toEqual(['Falconry.docx']);
    expect(names('Name !has "falcon"')).toEqual(['Falconry.docx', 'budget.xlsx']);
    expect(names('Name has_cs "Falcon"')).toEqual(['Project_Falcon.zip']);
    expect(names('Name hasprefix "falc"')).toEqual(['Project_Falcon.zip', 'falcon-notes.txt', 'Falconry.docx']);
    expect(names('Name hassuffix "otes"')).toEqual(['falcon-notes.txt']);
  });

  it('contains, startswith, endswith ignore case; _cs variants do not', () => {
    expect(names('Name contains "FALCON"')).toEqual(['Project_Falcon.zip', 'falcon-notes.txt', 'Falconry.docx']);
    expect(names('Name contains_cs "Falcon"')).toEqual(['Project_Falcon.zip', 'Falconry.docx']);
    expect(names('Name !contains "falcon"')).toEqual(['budget.xlsx']);
    expect(names('Name startswith "FALCON"')).toEqual(['falcon-notes.txt', 'Falconry.docx']);
    expect(names('Name startswith_cs "Falcon"')).toEqual(['Falconry.docx']);
    expect(names('Name !startswith "falcon"')).toEqual(['Project_Falcon.zip', 'budget.xlsx']);
    expect(names('Name endswith ".ZIP"')).toEqual(['Project_Falcon.zip']);
    expect(names('Name endswith_cs ".ZIP"')).toEqual([]);
    expect(names('Name !endswith ".zip"')).toEqual(['falcon-notes.txt', 'Falconry.docx', 'budget.xlsx']);
  });

  it('has_any and has_all', () => {
    expect(names('Name has_any ("budget", "notes")')).toEqual(['falcon-notes.txt', 'budget.xlsx']);
    expect(names('Name has_any (dynamic(["zip"]))')).toEqual(['Project_Falcon.zip']);
    expect(names('Name has_all ("falcon", "txt")')).toEqual(['falcon-notes.txt']);
  });
});

describe('arithmetic', () => {
  it('follows Kusto types: integer division, reals, null on division by zero', () => {
    expect([value('7 / 2'), typeOf('7 / 2')]).toEqual([3, 'Int64']);
    expect([value('7 / 2.0'), typeOf('7 / 2.0')]).toEqual([3.5, 'Double']);
    expect(value('7 % 3')).toBe(1);
    expect(value('1 / 0')).toBeNull();
    expect(value('-(2 + 3) * 4')).toBe(-20);
  });

  it('does datetime and timespan arithmetic', () => {
    expect(value('datetime(2026-11-02) - datetime(2026-11-01)')).toBe('1.00:00:00');
    expect(value('datetime(2026-11-01) + 36h')).toBe('2026-11-02T12:00:00.000Z');
    expect(value('datetime(2026-11-01) - 1d')).toBe('2026-10-31T00:00:00.000Z');
    expect(value('2h * 3')).toBe('06:00:00');
    expect(value('1d / 2h')).toBe(12);
    expect(value('1d / 2')).toBe('12:00:00');
    expect(value('ago(1d)')).toBe('2026-11-19T12:34:56.789Z');
    expect(value('now()')).toBe(NOW.toISOString());
    expect(value('now(-1h)')).toBe('2026-11-20T11:34:56.789Z');
  });

  it('rejects arithmetic across types', () => {
    expect(fail('print "a" + "b"')).toMatch(/cannot be applied to values of types string and string \(join strings with strcat\(\)\)/);
    expect(fail('print datetime(2026-11-01) + datetime(2026-11-01)')).toMatch(/cannot be applied to values of types datetime and datetime/);
    expect(fail('print -"a"')).toMatch(/'-' cannot be applied/);
  });
});

describe('scalar functions', () => {
  it('works on strings', () => {
    expect(value('tolower("AbC")')).toBe('abc');
    expect(value('toupper("AbC")')).toBe('ABC');
    expect([value('strlen("héllo")'), typeOf('strlen("a")')]).toEqual([5, 'Int64']);
    expect(value('strcat("a", 1, true, 1d)')).toBe('a1true1.00:00:00');
    expect(value('strcat_delim("-", "a", "b", "c")')).toBe('a-b-c');
    expect(value('substring("abcdef", 2, 3)')).toBe('cde');
    expect(value('substring("abcdef", 4)')).toBe('ef');
    expect(value('indexof("abcdef", "cd")')).toBe(2);
    expect(value('split("a,b,c", ",")')).toEqual(['a', 'b', 'c']);
    expect(value('split("a,b,c", ",", 1)')).toEqual(['b']);
    expect(value('replace_string("a.b.c", ".", "/")')).toBe('a/b/c');
    expect(value('countof("banana", "an")')).toBe(2);
  });

  it('converts', () => {
    expect(value('tostring(42)')).toBe('42');
    expect(value('tostring(datetime(2026-11-01))')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('tostring(dynamic({"a":1}))')).toBe('{"a":1}');
    expect(value('tostring(dynamic("x"))')).toBe('x');
    expect([value('toint("12")'), typeOf('toint("12")')]).toEqual([12, 'Int32']);
    expect([value('tolong("12")'), typeOf('tolong(1)')]).toEqual([12, 'Int64']);
    expect(value('toint("x")')).toBeNull();
    expect(value('toint(2.9)')).toBe(2);
    expect(value('toreal("2.5")')).toBe(2.5);
    expect(value('todouble(3)')).toBe(3);
    expect(value('tobool("true")')).toBe(true);
    expect(value('todatetime("2026-11-01T05:00:00Z")')).toBe('2026-11-01T05:00:00.000Z');
    expect(value('todatetime("nonsense")')).toBeNull();
    expect(value('totimespan("01:00:00")')).toBe('01:00:00');
  });

  it('chooses with iff, iif, case, coalesce', () => {
    expect(value('iff(1 > 2, "yes", "no")')).toBe('no');
    expect(value('iif(true, 1, 2.5)')).toBe(1);
    expect(typeOf('iif(true, 1, 2.5)')).toBe('Double');
    expect(value('case(1 > 2, "a", 2 > 1, "b", "c")')).toBe('b');
    expect(value('case(false, "a", "c")')).toBe('c');
    expect(value('coalesce(int(null), 3)')).toBe(3);
    expect(value('coalesce("", "x")')).toBe('x');
    expect(fail('print iff(true, 1, "a")')).toMatch(/iff\(\): the values have different types \(long, string\)/);
    expect(fail('print iff(1, 1, 2)')).toMatch(/iff\(\): argument 1 must be a bool, but its type is long/);
    expect(fail('print case(true, 1)')).toMatch(/case\(\): expects at least 3 arguments, got 2/);
  });

  it('bins and rounds time and numbers', () => {
    expect(value('bin(datetime(2026-11-01T13:45:00Z), 1d)')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('bin(datetime(2026-11-01T13:45:00Z), 1h)')).toBe('2026-11-01T13:00:00.000Z');
    expect(value('bin(17, 5)')).toBe(15);
    expect(value('floor(2.7, 1)')).toBe(2);
    expect(value('bin(90m, 1h)')).toBe('01:00:00');
    expect(value('startofday(datetime(2026-11-01T13:45:00Z))')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('startofday(datetime(2026-11-01T13:45:00Z), -1)')).toBe('2026-10-31T00:00:00.000Z');
    expect(value('startofweek(datetime(2026-11-04))')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('startofmonth(datetime(2026-11-04))')).toBe('2026-11-01T00:00:00.000Z');
    expect(value('endofday(datetime(2026-11-04T05:00:00Z))')).toBe('2026-11-04T23:59:59.999Z');
    expect(value('dayofweek(datetime(2026-11-04))')).toBe('3.00:00:00');
    expect(value('hourofday(datetime(2026-11-04T05:00:00Z))')).toBe(5);
    expect(value('datetime_diff("day", datetime(2026-11-04), datetime(2026-11-01))')).toBe(3);
    expect(value('round(2.456, 2)')).toBe(2.46);
    expect(value('abs(-3)')).toBe(3);
    expect(value('max_of(1, 5, 3)')).toBe(5);
    expect(value('min_of(datetime(2026-11-01), datetime(2026-10-01))')).toBe('2026-10-01T00:00:00.000Z');
    expect(fail('print bin(datetime(2026-11-01), 5)')).toMatch(/bin\(\): argument 2 must be a timespan/);
  });

  it('formats datetimes', () => {
    expect(value('format_datetime(datetime(2026-11-01T08:05:09.123Z), "yyyy-MM-dd HH:mm:ss.fff")')).toBe('2026-11-01 08:05:09.123');
    expect(value('format_datetime(datetime(2026-11-01T15:05:00Z), "d/M/yy h:mm tt")')).toBe('1/11/26 3:05 PM');
  });

  it('parses and builds dynamic values', () => {
    expect(value('parse_json(\'{"a":[1,2]}\').a[1]')).toBe(2);
    expect(value('todynamic("[1,2,3]")')).toEqual([1, 2, 3]);
    expect(value('parse_json("not json")')).toBe('not json');
    expect(value('array_length(dynamic([1,2,3]))')).toBe(3);
    expect(value('array_length(dynamic({}))')).toBeNull();
    expect(value('pack_array(1, "a", datetime(2026-11-01))')).toEqual([1, 'a', '2026-11-01T00:00:00.000Z']);
    expect(value('bag_pack("k", 1, "v", "x")')).toEqual({ k: 1, v: 'x' });
    expect(value('set_has_element(dynamic(["a","b"]), "b")')).toBe(true);
    expect(value('bag_keys(dynamic({"a":1,"b":2}))')).toEqual(['a', 'b']);
    expect(fail('Files | where Name.x == 1')).toMatch(/Properties and indexes apply to dynamic values, but this value's type is string/);
  });

  it('tests emptiness and logic', () => {
    expect(value('isempty("")')).toBe(true);
    expect(value('isnotempty("a")')).toBe(true);
    expect(value('isnull(int(null))')).toBe(true);
    expect(value('isnotnull(1)')).toBe(true);
    expect(value('not(1 == 1)')).toBe(false);
    expect(value('1 == 1 and (2 < 1 or "a" == "a")')).toBe(true);
    expect(value('int(null) == 1')).toBeNull();
  });

  it('rejects wrong arities and aggregates in scalar context', () => {
    expect(fail('print tolower()')).toMatch(/tolower\(\): expects 1 argument, got 0/);
    expect(fail('print strlen("a", "b")')).toMatch(/strlen\(\): expects 1 argument, got 2/);
    expect(fail('print ago("x")')).toMatch(/ago\(\): argument 1 must be a timespan, but its type is string/);
    expect(fail('print dcount(1)')).toMatch(/dcount\(\) is an aggregation function/);
  });
});

describe('syntax errors', () => {
  it('say where and what was expected', () => {
    expect(fail('Files | where (Name == "a"')).toBe("Syntax error: expected ')' but found the end of the query (line 1, column 27).");
    expect(fail('Files\n| where Name ==')).toBe('Syntax error: expected an expression but found the end of the query (line 2, column 16).');
    expect(fail('Files | project')).toMatch(/^Syntax error: expected an expression but found the end of the query/);
    expect(fail('Files | order Name')).toMatch(/^Syntax error: expected 'by' but found 'Name' \(line 1, column 15\)/);
    expect(fail('Files | where Name == "a')).toMatch(/^Syntax error: unterminated string literal \(line 1, column 23\)/);
    expect(fail('Files | where Name == "\\q"')).toMatch(/invalid escape sequence '\\q'/);
    expect(fail('Files | where Name == "a" extra')).toMatch(/expected ';' or '\|' but found 'extra'/);
    expect(fail('Files | where Name # 1')).toMatch(/unexpected character '#'/);
    expect(fail('Files | where Name between (1 2)')).toMatch(/expected '\.\.'/);
    expect(fail('let x = 1;')).toMatch(/no tabular expression/);
    expect(fail('Files; Files')).toMatch(/one tabular expression per query/);
    expect(fail('   ')).toMatch(/empty/);
  });

  it('bound the query length and nesting', () => {
    expect(fail(`Files | where Name == "${'a'.repeat(10_000)}"`)).toMatch(/accepts at most 10000/);
    expect(fail(`print ${'('.repeat(500)}1${')'.repeat(500)}`)).toMatch(/nested too deeply/);
    expect(fail(`print ${Array.from({ length: 1000 }, () => '1').join(' + ')}`)).toMatch(/nested too deeply/);
    expect(fail(`print ${'-'.repeat(2000)}1`)).toMatch(/nested too deeply/);
    expect(fail(`print dynamic(${'['.repeat(300)}${']'.repeat(300)})`)).toMatch(/nested too deeply/);
    expect(value(Array.from({ length: 100 }, () => '1').join(' + '))).toBe(100);
  });
});
