/** The one way values enter KQL, checked against Kusto's own parser. */
import { describe, expect, it } from 'vitest';
import { isoDays, kqlInt, kqlString, kqlStringList, kqlTimespanDays } from '../../src/hunting/index.js';
import { allHostileStrings } from './support/hostile.js';
import { kindName, parse, stringLiterals, syntaxDiagnostics, syntaxShape, type SyntaxElement } from './support/kusto.js';

const inQuery = (literal: string) => `DataSecurityEvents\n| where AccountUpn =~ ${literal}\n| take 1`;

/** Every BMP code unit (surrogates included) in chunks, then a few astral characters. */
function everyCodeUnit(): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < 0x10000; start += 512) {
    chunks.push(String.fromCharCode(...Array.from({ length: 512 }, (_, i) => start + i)));
  }
  return [...chunks, '\u{1f600}\u{1f469}\u200d\u{1f4bb}', '\u{10ffff}', '\u{20000}'];
}

const SAMPLES = [
  '',
  'adele.vance@contoso.com',
  "o'brien@contoso.com",
  'Ünïcödé façade — naïve café',
  '日本語のファイル名.docx',
  'עברית العربية',
  'emoji \u{1f600} and ZWJ \u{1f469}\u200d\u{1f4bb}',
  'C:\\Users\\adele\\Documents\\Q3.xlsx',
  '\\\\fs01.contoso.com\\share\\x.zip',
  'tab\tnewline\ncr\rnul\0bell\x07',
  'trailing backslash \\',
];

describe('kqlString', () => {
  const corpus = [...SAMPLES, ...allHostileStrings(), ...everyCodeUnit()];

  it(`decodes back to exactly the input in Kusto's parser, as one string literal (${corpus.length} strings)`, () => {
    const benignShape = syntaxShape(inQuery(kqlString('benign')));
    const failures: string[] = [];
    for (const value of corpus) {
      const query = inQuery(kqlString(value));
      if (syntaxShape(query) !== benignShape) failures.push(`shape: ${JSON.stringify(value.slice(0, 40))}`);
      if (syntaxDiagnostics(query).length > 0) failures.push(`syntax: ${JSON.stringify(value.slice(0, 40))}`);
      const literals = stringLiterals(query);
      if (literals.length !== 1 || literals[0] !== value) failures.push(`value: ${JSON.stringify(value.slice(0, 40))}`);
    }
    expect(failures).toEqual([]);
    expect(corpus.length).toBeGreaterThan(500);
  });

  it('writes nothing but printable ASCII, so nothing can end the literal, the line or hide text', () => {
    for (const value of corpus) expect(kqlString(value)).toMatch(/^"[\x20-\x7e]*"$/);
  });

  it('leaves the values validators accept untouched, in plain double quotes', () => {
    expect(kqlString('adele.vance@contoso.com')).toBe('"adele.vance@contoso.com"');
    expect(kqlString("o'brien@contoso.com")).toBe('"o\'brien@contoso.com"');
    expect(kqlString('.zip')).toBe('".zip"');
  });

  it('escapes quotes, backslashes and everything outside printable ASCII', () => {
    expect(kqlString('a"b')).toBe('"a\\"b"');
    expect(kqlString('a\\b')).toBe('"a\\\\b"');
    expect(kqlString('\n\u2028\u202e\uff02')).toBe('"\\u000a\\u2028\\u202e\\uff02"');
    expect(kqlString('\u{1f600}')).toBe('"\\ud83d\\ude00"');
  });

  it('is one StringLiteralToken in the tree', () => {
    const root = parse(`print ${kqlString('x" | take 1 //')}`);
    const kinds: string[] = [];
    const visit = (node: SyntaxElement): void => {
      kinds.push(kindName(node.Kind));
      for (let i = 0; i < node.ChildCount; i++) {
        const child = node.GetChild(i);
        if (child) visit(child);
      }
    };
    visit(root);
    expect(kinds.filter((k) => k.endsWith('LiteralToken'))).toEqual(['StringLiteralToken']);
  });
});

describe('the other literals', () => {
  it('kqlInt writes whole numbers and refuses anything else', () => {
    expect(kqlInt(10)).toBe('10');
    expect(kqlInt(0)).toBe('0');
    expect(() => kqlInt(1.5)).toThrow(RangeError);
    expect(() => kqlInt(Number.NaN)).toThrow(RangeError);
    expect(() => kqlInt(2 ** 60)).toThrow(RangeError);
  });

  it('kqlTimespanDays writes a timespan literal the parser reads as such', () => {
    expect(kqlTimespanDays(7)).toBe('7d');
    expect(syntaxShape(`print ago(${kqlTimespanDays(7)})`)).toContain('TimespanLiteralExpression');
    expect(() => kqlTimespanDays(-1)).toThrow(RangeError);
    expect(() => kqlTimespanDays(0.5)).toThrow(RangeError);
  });

  it('kqlStringList writes an in-list of escaped literals', () => {
    const list = kqlStringList(['FileUploaded', 'a"b']);
    expect(list).toBe('("FileUploaded", "a\\"b")');
    expect(stringLiterals(`DataSecurityEvents | where ActionType in ${list}`)).toEqual(['FileUploaded', 'a"b']);
    expect(() => kqlStringList([])).toThrow(RangeError);
  });

  it('isoDays writes the ISO 8601 duration runHuntingQuery takes', () => {
    expect(isoDays(7)).toBe('P7D');
    expect(isoDays(30)).toBe('P30D');
  });
});

describe('syntaxShape notices what an injection does', () => {
  const naive = (value: string) => inQuery(`"${value}"`);
  const benign = syntaxShape(naive('adele.vance@contoso.com'));

  it('is the same for a different literal value', () => {
    expect(syntaxShape(naive('megan.bowen@contoso.com'))).toBe(benign);
  });

  it('changes when a value breaks out of naive quoting', () => {
    for (const value of ['x" or 1==1 or "', 'x" | take 1 //', 'x"\n| union AlertInfo\n| where "" == "', 'x" // comment', 'x", "y']) {
      expect(syntaxShape(naive(value)), value).not.toBe(benign);
    }
  });

  it('changes when only a comment is added', () => {
    expect(syntaxShape(`${inQuery('"a"')} // note`)).not.toBe(syntaxShape(inQuery('"a"')));
  });
});
