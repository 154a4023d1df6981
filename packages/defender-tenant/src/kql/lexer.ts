/** Splits KQL text into tokens: names, literals, operators; `//` comments and white space dropped. */
import { KqlError } from './errors.js';
import { timespanUnit } from './types.js';

interface At {
  start: number;
  end: number;
}

export type Token =
  | (At & { kind: 'ident'; text: string })
  | (At & { kind: 'string'; value: string })
  | (At & { kind: 'number'; value: number; real: boolean })
  | (At & { kind: 'timespan'; ms: number })
  /** `datetime(…)`, `timespan(…)`, `guid(…)`: their text is not made of tokens. */
  | (At & { kind: 'raw'; name: 'datetime' | 'timespan' | 'guid'; content: string })
  | (At & { kind: 'op'; text: string })
  | (At & { kind: 'eof' });

const RAW_LITERALS = new Set(['datetime', 'timespan', 'guid']);
const TWO_CHAR_OPS = new Set(['==', '!=', '<=', '>=', '<>', '=~', '!~', '..']);
const ONE_CHAR_OPS = new Set(['|', '(', ')', '[', ']', '{', '}', ',', ';', '.', '=', '<', '>', '+', '-', '*', '/', '%', ':']);

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentChar = (c: string | undefined) => isIdentStart(c) || isDigit(c);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;

  const readWord = (from: number): number => {
    let j = from;
    while (j < n && isIdentChar(text[j])) j++;
    return j;
  };

  /** A quoted string starting at `i` (the quote); returns its value and the end offset. */
  const readQuoted = (from: number, verbatim: boolean): { value: string; end: number } => {
    const quote = text[from];
    let j = from + 1;
    let value = '';
    while (true) {
      if (j >= n) throw new KqlError('Syntax error: unterminated string literal', from);
      const c = text[j];
      if (c === '\n' || c === '\r') throw new KqlError('Syntax error: unterminated string literal (a string cannot span lines)', from);
      if (c === quote) {
        if (verbatim && text[j + 1] === quote) {
          value += quote;
          j += 2;
          continue;
        }
        return { value, end: j + 1 };
      }
      if (c === '\\' && !verbatim) {
        const e = text[j + 1];
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case '0':
            value += '\0';
            break;
          case '\\':
          case '"':
          case "'":
            value += e;
            break;
          case 'u': {
            const hex = text.slice(j + 2, j + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new KqlError('Syntax error: invalid \\u escape in a string literal', j);
            value += String.fromCharCode(parseInt(hex, 16));
            j += 6;
            continue;
          }
          default:
            throw new KqlError(`Syntax error: invalid escape sequence '\\${e ?? ''}' in a string literal`, j);
        }
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
  };

  while (i < n) {
    const c = text[i];
    if (c === undefined) break;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // Strings: "…", '…', @"…" (verbatim), h"…" / h@"…" (obfuscated: the same value, hidden in logs).
    if (c === '"' || c === "'") {
      const { value, end } = readQuoted(i, false);
      tokens.push({ kind: 'string', value, start, end });
      i = end;
      continue;
    }
    if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) {
      const { value, end } = readQuoted(i + 1, true);
      tokens.push({ kind: 'string', value, start, end });
      i = end;
      continue;
    }
    if ((c === 'h' || c === 'H') && (text[i + 1] === '"' || text[i + 1] === "'" || (text[i + 1] === '@' && (text[i + 2] === '"' || text[i + 2] === "'")))) {
      const verbatim = text[i + 1] === '@';
      const { value, end } = readQuoted(verbatim ? i + 2 : i + 1, verbatim);
      tokens.push({ kind: 'string', value, start, end });
      i = end;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1]) && tokens.at(-1)?.kind !== 'ident')) {
      let j = i;
      while (isDigit(text[j])) j++;
      let real = false;
      if (text[j] === '.' && isDigit(text[j + 1])) {
        real = true;
        j++;
        while (isDigit(text[j])) j++;
      }
      if ((text[j] === 'e' || text[j] === 'E') && (isDigit(text[j + 1]) || ((text[j + 1] === '+' || text[j + 1] === '-') && isDigit(text[j + 2])))) {
        real = true;
        j += 2;
        while (isDigit(text[j])) j++;
      }
      const numberText = text.slice(i, j);
      if (isIdentStart(text[j])) {
        const unitEnd = readWord(j);
        const unit = text.slice(j, unitEnd);
        const factor = timespanUnit(unit);
        if (factor === undefined) throw new KqlError(`Syntax error: '${numberText}${unit}' is neither a number nor a timespan`, start);
        tokens.push({ kind: 'timespan', ms: Number(numberText) * factor, start, end: unitEnd });
        i = unitEnd;
        continue;
      }
      const value = Number(numberText);
      if (!Number.isFinite(value)) throw new KqlError(`Syntax error: the number '${numberText}' is out of range`, start);
      tokens.push({ kind: 'number', value, real, start, end: j });
      i = j;
      continue;
    }
    if (isIdentStart(c) || (c === '$' && isIdentStart(text[i + 1]))) {
      const end = readWord(i + 1);
      const word = text.slice(i, end);
      if (word === 'in' && text[end] === '~') {
        tokens.push({ kind: 'op', text: 'in~', start, end: end + 1 });
        i = end + 1;
        continue;
      }
      if (RAW_LITERALS.has(word)) {
        let j = end;
        while (text[j] === ' ' || text[j] === '\t') j++;
        if (text[j] === '(') {
          const close = text.indexOf(')', j + 1);
          const newline = text.indexOf('\n', j + 1);
          if (close < 0 || (newline >= 0 && newline < close)) throw new KqlError(`Syntax error: '${word}(' is not closed`, start);
          const name = word === 'datetime' ? 'datetime' : word === 'timespan' ? 'timespan' : 'guid';
          tokens.push({ kind: 'raw', name, content: text.slice(j + 1, close), start, end: close + 1 });
          i = close + 1;
          continue;
        }
      }
      tokens.push({ kind: 'ident', text: word, start, end });
      i = end;
      continue;
    }
    if (c === '!' && isIdentStart(text[i + 1])) {
      const end = readWord(i + 1);
      const word = text.slice(i, end);
      if (word === '!in' && text[end] === '~') {
        tokens.push({ kind: 'op', text: '!in~', start, end: end + 1 });
        i = end + 1;
        continue;
      }
      tokens.push({ kind: 'op', text: word, start, end });
      i = end;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ kind: 'op', text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(c)) {
      tokens.push({ kind: 'op', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    throw new KqlError(`Syntax error: unexpected character '${c}'`, start);
  }
  tokens.push({ kind: 'eof', start: n, end: n });
  return tokens;
}

/** How a token reads in an error message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the query';
    case 'ident':
    case 'op':
      return `'${token.text}'`;
    case 'string':
      return 'a string literal';
    case 'number':
      return `the number ${token.value}`;
    case 'timespan':
      return 'a timespan literal';
    case 'raw':
      return `'${token.name}(${token.content})'`;
  }
}
