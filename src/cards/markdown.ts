/**
 * What text from outside becomes in what the bot sends to Teams. Incident and alert titles, names
 * from Graph evidence and from Teams, assignees, hunting values: anyone who can name a file, an
 * account or a Defender incident writes them. Card TextBlocks, facts and table cells read
 * markdown, and a message's text reads markdown and `<at>` mentions, so such text is escaped on
 * its way in; what the bot itself writes (bold labels, code spans, Teams' `{{DATE()}}`) is not.
 *
 * Convention: a view-model field that lands in a TextBlock, a fact or a table cell is typed
 * `Markdown`. A `Markdown` value comes only from `plain()` (outside text, escaped), from `md`
 * (a template whose literal parts are the bot's and whose values are Markdown already), or from
 * `trustedMarkdown()` (markdown the bot wrote that reaches a view model typed as a string). A
 * raw string in a Markdown field, or in an `md` template, does not compile. Identifiers, URLs,
 * colours and what lands outside markdown (action data, TextRuns, choice titles) stay strings.
 */

declare const markdownBrand: unique symbol;
/** Text that is safe to put in a card's markdown as it is. */
export type Markdown = string & { readonly [markdownBrand]: true };

/**
 * Backslash-escaped wherever they appear: emphasis (`*`, `_`), links and images (`[`, `]`),
 * autolinks, HTML and `<at>` tags (`<`, `>`), code (`` ` ``), strike-through (`~`), headings,
 * quotes and tables (`#`, `>`, `|`) and the backslash itself. Parentheses need nothing: without
 * `]` before them they make no link.
 */
const CARD_SYNTAX = /[\\`*_[\]<>#~|]/g;
/** The same less `<` and `>`, which a message's text takes as entities instead. */
const MESSAGE_SYNTAX = /[\\`*_[\]#~|]/g;
/** Only at the very start does `-`, `+` or `1.` / `1)` make a list item. */
const LIST_MARKER = /^(?:[-+]|(\d+)([.)]))/;
/** A `{` right after another: `{{DATE(…)}}` is a Teams function, and an outside one would be evaluated. */
const DOUBLE_BRACE = /(?<=\{)\{/g;
const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** On one line (a line break could start a list or a heading), with the syntax characters escaped. */
function escaped(text: string, syntax: RegExp): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(syntax, '\\$&')
    .replace(DOUBLE_BRACE, '\\{')
    .replace(LIST_MARKER, (marker, digits: string | undefined, dot: string | undefined) => (digits ? `${digits}\\${dot}` : `\\${marker}`));
}

/** Outside text, escaped for a card's markdown, on one line. */
export function plain(text: string): Markdown {
  return escaped(text, CARD_SYNTAX) as Markdown;
}

/**
 * Outside text in a message's own text (not a card): markdown escaped as in cards, and `&`, `<`,
 * `>` as entities, because Teams reads that text as HTML too and finds `<at>` mentions in it.
 * Also the text of a mention itself (`<at>…</at>`), so a name cannot close it or open another.
 */
export function plainInMessage(text: string): string {
  return escaped(text, MESSAGE_SYNTAX).replace(/[&<>]/g, (c) => XML[c]!);
}

/**
 * Markdown the bot writes, with values in it: md`**${word}** · ${plain(title)}`. The literal
 * parts are trusted; each value must be Markdown already (or a number).
 */
export function md(literals: TemplateStringsArray, ...values: readonly (Markdown | number)[]): Markdown {
  return literals.reduce((out, literal, i) => out + literal + (i < values.length ? String(values[i]) : ''), '') as Markdown;
}

/** Markdown parts joined with a separator the bot chose. */
export function joinMarkdown(parts: readonly Markdown[], separator: string): Markdown {
  return parts.join(separator) as Markdown;
}

/**
 * Markdown the bot wrote that reaches a view model typed as a plain string: the command
 * catalogue's usage lines, a notice composed with `md` and kept in the store. The caller vouches.
 */
export function trustedMarkdown(text: string): Markdown {
  return text as Markdown;
}

/**
 * A URL for a markdown link's target: http(s) only (else `fallback`), with the characters that
 * could end the target early (parentheses, spaces, angle brackets) percent-encoded.
 */
export function linkTarget(url: string | null | undefined, fallback: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch {
    return fallback;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return fallback;
  return parsed.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
