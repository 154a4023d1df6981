import { describe, expect, it } from 'vitest';
import { linkTarget, md, plain, plainInMessage, type Markdown } from '../../src/cards/markdown.js';
import { whenText } from '../../src/cards/common.js';
import type { IncidentCardData } from '../../src/cards/incident-view.js';
import { markdownToSafeHtml } from '../../src/tab/client/markdown.js';

const HOSTILE = '[click me](https://evil.example/phish) **bold** <at>Eve</at>';

describe('plain: outside text in a card', () => {
  it('escapes links, emphasis, code, HTML and <at> tags', () => {
    expect(plain(HOSTILE)).toBe('\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* \\<at\\>Eve\\</at\\>');
    expect(plain('_it_ `code` ~~gone~~ a|b back\\slash')).toBe('\\_it\\_ \\`code\\` \\~\\~gone\\~\\~ a\\|b back\\\\slash');
  });

  it('puts it on one line and escapes what only the start of a line makes: headings, quotes, lists', () => {
    expect(plain('# Heading')).toBe('\\# Heading');
    expect(plain('> quoted')).toBe('\\> quoted');
    expect(plain('- item')).toBe('\\- item');
    expect(plain('+ item')).toBe('\\+ item');
    expect(plain('1. first')).toBe('1\\. first');
    expect(plain('12) twelfth')).toBe('12\\) twelfth');
    // Line breaks go, so a list marker after one is mid-line, and plain punctuation.
    expect(plain('Title\n\n- item\n# heading')).toBe('Title - item \\# heading');
    // Mid-line they are plain punctuation: a hyphenated name, a version number.
    expect(plain('Anne-Marie v1.2 (contractor)')).toBe('Anne-Marie v1.2 (contractor)');
  });

  it("breaks an outside Teams function ({{DATE(…)}}) but leaves a JSON object's braces alone", () => {
    expect(plain('{{DATE(2020-01-01T00:00:00Z, SHORT)}}')).toBe('{\\{DATE(2020-01-01T00:00:00Z, SHORT)}}');
    expect(plain('{{{x')).toBe('{\\{\\{x');
    expect(plain('{"PolicyName":"Departing users"}')).toBe('{"PolicyName":"Departing users"}');
  });

  it('reads back as the same text in a markdown renderer (the tab’s), with no markup made', () => {
    for (const text of [HOSTILE, '# h', '- li', '1. one', 'a_b_c *x* `y` ~z~ |t| \\', '{{TIME(2020-01-01T00:00:00Z)}}', '<https://evil.example>']) {
      const html = markdownToSafeHtml(plain(text));
      expect(html, text).not.toMatch(/<(a|strong|em|code|h\d|li|at)\b/);
      expect(html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'), text).toBe(text);
    }
  });

  it('whenText is Teams markup of the bot’s own, not escaped', () => {
    expect(whenText('2026-11-20T10:00:00.000Z')).toBe('{{DATE(2026-11-20T10:00:00Z, SHORT)}} {{TIME(2026-11-20T10:00:00Z)}}');
    expect(md`Since ${whenText('2026-11-20T10:00:00Z')} by ${plain('**x**')}`).toBe('Since {{DATE(2026-11-20T10:00:00Z, SHORT)}} {{TIME(2026-11-20T10:00:00Z)}} by \\*\\*x\\*\\*');
  });

  it('a raw string cannot go where Markdown is expected (checked by tsc)', () => {
    const raw: string = HOSTILE;
    // @ts-expect-error: outside text must go through plain() first
    const field: IncidentCardData['title'] = raw;
    // @ts-expect-error: md takes Markdown values (or numbers), not strings
    const composed: Markdown = md`by ${raw}`;
    expect([field, composed]).toHaveLength(2);
  });
});

describe('plainInMessage: outside text in a message, and in a mention', () => {
  it('takes <, > and & as entities, so no <at> tag can be made or closed, and escapes markdown', () => {
    expect(plainInMessage(HOSTILE)).toBe('\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* &lt;at&gt;Eve&lt;/at&gt;');
    expect(plainInMessage('Eve</at><at>Mallory')).toBe('Eve&lt;/at&gt;&lt;at&gt;Mallory');
    expect(plainInMessage('AT&T')).toBe('AT&amp;T');
    expect(plainInMessage('- x')).toBe('\\- x');
  });
});

describe('linkTarget: a URL inside a markdown link', () => {
  it('cannot end the link early or smuggle another one in', () => {
    expect(linkTarget('https://security.microsoft.com/alerts/x) [evil](https://evil.example', 'f')).toBe('https://security.microsoft.com/alerts/x%29%20[evil]%28https://evil.example');
  });

  it('takes http(s) only', () => {
    expect(linkTarget('javascript:alert(1)', 'https://security.microsoft.com/alerts')).toBe('https://security.microsoft.com/alerts');
    expect(linkTarget('not a url', 'https://fallback.example/')).toBe('https://fallback.example/');
    expect(linkTarget(null, 'https://fallback.example/')).toBe('https://fallback.example/');
    expect(linkTarget('https://security.microsoft.com/alerts/da1?tid=t', 'f')).toBe('https://security.microsoft.com/alerts/da1?tid=t');
  });
});
