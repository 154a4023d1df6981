/**
 * Hostile values for query parameters: what someone might type (or paste, or send in a crafted
 * card action) to break out of a KQL literal, hide text from a reviewer, or overload a parser.
 */

/** Fragments that mean something to KQL, to a terminal or to a reader. */
export const HOSTILE_FRAGMENTS: readonly string[] = [
  // Quotes of every kind, and escapes of them.
  '"',
  "'",
  '`',
  '```',
  '""',
  "''",
  '\\',
  '\\\\',
  '\\"',
  "\\'",
  '\\u0022',
  '\\x22',
  '\\n',
  '@"',
  'h"',
  // Typographic and look-alike quotes and pipes.
  '\u201c',
  '\u201d',
  '\u2018',
  '\u2019',
  '\u00ab',
  '\u00bb',
  '\uff02',
  '\uff07',
  '\uff5c',
  '\u2223',
  '\u02ba',
  // Breaking out and carrying on.
  '"; drop',
  '" | take 1 //',
  "' | take 1 //",
  '" or 1==1 or "',
  "' or 1==1 or '",
  '") or true or ("',
  '| where 1==1',
  '| take 1',
  '" | union AlertInfo | where "" == "',
  '"\n| take 1\n//',
  ';',
  '; .drop table AlertInfo',
  '//',
  '// comment',
  '/* */',
  '(',
  ')',
  '[',
  ']',
  '{days}',
  '{user}',
  '$',
  '%',
  '&',
  '*',
  '=',
  '==',
  '<',
  '>',
  '?',
  ',',
  // KQL keywords and control commands.
  'let x = 1;',
  'union *',
  'externaldata (x:string) [@"https://example.org/x"]',
  'evaluate bag_unpack(x)',
  '.drop table AlertInfo',
  '.set-or-append T <| AlertInfo',
  'AlertInfo | take 1',
  'datatable(a:string)["x"]',
  'where',
  'and',
  'or not(',
  'materialize(',
  'toscalar(',
  // Control characters: C0, DEL, C1, separators, bidi and zero-width.
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\v',
  '\f',
  '\0',
  '\x01',
  '\x07',
  '\x08',
  '\x1b',
  '\x1b[31m',
  '\x1f',
  '\x7f',
  '\x80',
  '\x85',
  '\x9b',
  '\x9f',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufffd',
  '\ud800',
  '\udfff',
  '\u{1f600}',
  // Look-alike letters and digits.
  '\u0430',
  '\u0441',
  '\uff41',
  '\uff17',
  '\u0661',
  '\u2024',
  '\uff20',
  '\ufe6b',
  // Space tricks.
  ' ',
  '  ',
];

/**
 * Hostile variants of a valid value: each fragment alone, appended, prepended, inserted in the
 * middle and appended with a completing break-out; plus very long strings.
 */
export function hostileValues(valid: string): string[] {
  const middle = Math.floor(valid.length / 2);
  const values = new Set<string>();
  for (const fragment of HOSTILE_FRAGMENTS) {
    values.add(fragment);
    values.add(`${valid}${fragment}`);
    values.add(`${fragment}${valid}`);
    values.add(`${valid.slice(0, middle)}${fragment}${valid.slice(middle)}`);
  }
  values.add('');
  values.add('a'.repeat(10_000));
  values.add(`${valid}${'a'.repeat(10_000)}`);
  values.add(`${'a'.repeat(10_000)}${valid}`);
  values.add('"'.repeat(10_000));
  values.add('\\'.repeat(10_000));
  values.add('\n'.repeat(10_000));
  values.add(`${valid}" | take 1 //${'x'.repeat(10_000)}`);
  values.add(' '.repeat(10_000));
  return [...values];
}

/** Every hostile string used anywhere, for the literal round trip. */
export function allHostileStrings(): string[] {
  return [...new Set([...hostileValues('adele.vance@contoso.com'), ...hostileValues('.zip'), ...hostileValues('da638512345678901234_-1234567'), ...hostileValues('7')])];
}
