/**
 * The only way a value enters KQL text. Advanced hunting has no parameter binding
 * (`runHuntingQuery` takes one query string), so every value becomes a literal here, after its
 * parameter type has validated it.
 *
 * Strings are written as double-quoted KQL string literals in which only printable ASCII other
 * than `"` and `\` appears as itself; `"` and `\` are backslash-escaped and every other UTF-16
 * code unit (controls, line and paragraph separators, bidi overrides, zero-width characters,
 * look-alike quotes, surrogate halves) becomes `\uXXXX`. Why this encoding:
 * - The result is plain printable ASCII, so nothing in it can end the literal, end the line,
 *   start a comment or reorder what an analyst sees when the query is shown or opened in the
 *   portal. Escaping is total: any string encodes, none is refused here.
 * - Verbatim strings (`@"…"`, only `""` escaped) cannot hold a line break, and single quotes
 *   gain nothing. Obfuscated `h"…"` literals would hide the user's name from Kusto's logs, but
 *   the embedded tenant's KQL subset does not read them.
 * - For every value the catalogue's validators accept (ASCII letters, digits and a few
 *   punctuation marks, `'` included for o'brien), the output is the value in plain double quotes
 *   with no escape at all, so the tenant's engine needs no escape handling for canned queries.
 * Kusto's own parser decodes each literal back to the exact input (test/hunting/literals.test.ts).
 */
export function kqlString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0x22) out += '\\"';
    else if (unit === 0x5c) out += '\\\\';
    else if (unit >= 0x20 && unit <= 0x7e) out += value[i];
    else out += `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** A whole number as a KQL long literal; anything else is a programming error, not user input. */
export function kqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`kqlInt needs a safe integer, not ${value}`);
  return String(value);
}

/** A number of days as a KQL timespan literal (`7d`), for `ago(…)`. */
export function kqlTimespanDays(days: number): string {
  if (!Number.isSafeInteger(days) || days < 0) throw new RangeError(`kqlTimespanDays needs a whole number of days, not ${days}`);
  return `${days}d`;
}

/** A parenthesised list of string literals, for `in (…)` / `!in (…)`. */
export function kqlStringList(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('kqlStringList needs at least one value');
  return `(${values.map(kqlString).join(', ')})`;
}

/** The ISO 8601 duration `runHuntingQuery` takes as its Timespan. */
export function isoDays(days: number): string {
  return `P${kqlInt(days)}D`;
}
