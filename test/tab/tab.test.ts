/** The tab's pure pieces: CSV safety, markdown safety, cell order, ages, the card as the tab shows it, and dialog links. */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/tab/client/csv.js';
import { markdownToSafeHtml } from '../../src/tab/client/markdown.js';
import { ageText, compareCells, queueSummary } from '../../src/tab/client/format.js';
import { tabCard } from '../../src/tab/api.js';
import { TabLinks } from '../../src/tab/links.js';
import { queueQuerySchema } from '../../src/triage/queue.js';

describe('CSV', () => {
  it('quotes what needs quoting (RFC 4180) and ends lines with CRLF', () => {
    expect(toCsv(['a', 'b'], [{ a: 'plain', b: 'with, comma' }, { a: 'say "hi"', b: 'two\nlines' }, { a: null, b: 3 }])).toBe('a,b\r\nplain,"with, comma"\r\n"say ""hi""","two\nlines"\r\n,3\r\n');
  });
  it('defuses text that a spreadsheet would run as a formula, but leaves numbers alone', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+cmd|calc')).toBe("'+cmd|calc");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell({ k: 'v' })).toBe('"{""k"":""v""}"');
  });
});

describe('markdown in the tab', () => {
  it('never lets text from Defender become markup', () => {
    const html = markdownToSafeHtml('<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1)) "quoted"');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&quot;quoted&quot;');
  });
  it('keeps http(s) links and backslash escapes as the card meant them', () => {
    expect(markdownToSafeHtml('[Open](https://security.microsoft.com/incidents/1?a=1&b=2)')).toBe('<a href="https://security.microsoft.com/incidents/1?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Open</a>');
    expect(markdownToSafeHtml('not \\*\\*bold\\*\\* and a\\_b\\_c')).toBe('not **bold** and a_b_c');
    expect(markdownToSafeHtml('[DLP policy \\(U.S. Financial Data\\)](https://security.microsoft.com/alerts/d1)')).toBe('<a href="https://security.microsoft.com/alerts/d1" target="_blank" rel="noopener noreferrer">DLP policy (U.S. Financial Data)</a>');
    expect(markdownToSafeHtml('[x](https://a.example/"onmouseover="alert(1))')).not.toContain('onmouseover="');
  });
});

describe('ordering and ages', () => {
  it('sorts numbers as numbers, names with numbers naturally, empty cells after values', () => {
    expect([10, 9, 100].sort(compareCells)).toEqual([9, 10, 100]);
    expect(['file10.zip', 'file2.zip', 'File1.zip'].sort(compareCells)).toEqual(['File1.zip', 'file2.zip', 'file10.zip']);
    expect(['2026-11-02T10:00:00Z', '2026-01-15T10:00:00Z', '2026-11-02T09:00:00Z'].sort(compareCells)).toEqual(['2026-01-15T10:00:00Z', '2026-11-02T09:00:00Z', '2026-11-02T10:00:00Z']);
    expect(['b', null, 'a', ''].sort(compareCells)).toEqual(['a', 'b', null, '']);
  });
  it('sums up the queue, saying when not everything was read', () => {
    expect(queueSummary(2, false, null)).toBe('2 open insider risk incidents');
    expect(queueSummary(1, true, null)).toBe('1 open insider risk incident matches these filters');
    expect(queueSummary(37, true, { scanned: 1000, oldest: true })).toBe('37 open insider risk incidents match these filters, among the oldest 1000 incidents read: narrow the filters, or open the Defender portal for the rest');
  });
  it('says ages in minutes, hours or days', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(ageText('2026-11-27T11:18:00Z', now)).toBe('42 min');
    expect(ageText('2026-11-27T06:57:00Z', now)).toBe('5 h 3 min');
    expect(ageText('2026-11-24T08:00:00Z', now)).toBe('3 d 4 h');
    expect(ageText('2026-11-28T00:00:00Z', now)).toBe('0 min');
  });
});

describe('the card in the tab', () => {
  it('keeps the buttons that work in the tab and drops the chat-only ones and the per-user refresh', () => {
    const card = {
      type: 'AdaptiveCard' as const,
      version: '1.5',
      refresh: { action: { type: 'Action.Execute', verb: 'refreshIncident' }, userIds: ['29:a'] },
      body: [{ type: 'ActionSet', actions: [{ type: 'Action.Execute', verb: 'reveal', title: 'Reveal' }, { type: 'Action.Execute', verb: 'userSummary', title: 'User summary' }] }],
      actions: [
        { type: 'Action.Execute', verb: 'startInvestigation', title: 'Start investigation' },
        { type: 'Action.ShowCard', title: 'Resolve', card: { type: 'AdaptiveCard', actions: [{ type: 'Action.Execute', verb: 'resolve', title: 'Submit' }] } },
        { type: 'Action.Execute', verb: 'openIncident', title: 'Open' },
        { type: 'Action.OpenUrl', title: 'Open in Defender', url: 'https://security.microsoft.com' },
      ],
    };
    const shown = JSON.stringify(tabCard(card));
    expect(shown).not.toContain('refresh');
    expect(shown).not.toContain('"reveal"');
    expect(shown).not.toContain('"openIncident"');
    for (const verb of ['startInvestigation', 'resolve', 'userSummary']) expect(shown).toContain(`"verb":"${verb}"`);
    expect(shown).toContain('Open in Defender');
  });
});

describe('links into the tab', () => {
  it('opens the full result as a Teams dialog in production and as a page in demo mode', () => {
    const id = '0b9e6a55-1111-4222-8333-444455556666';
    const teams = new TabLinks(() => 'https://irm-bot.contoso.com', '11111111-2222-3333-4444-555555555555', true).huntResult(id, 'uploads')!;
    const url = new URL(teams);
    expect(url.origin + url.pathname).toBe('https://teams.microsoft.com/l/task/11111111-2222-3333-4444-555555555555');
    expect(url.searchParams.get('url')).toBe(`https://irm-bot.contoso.com/tab/hunt.html?result=${id}`);
    expect(url.searchParams.get('title')).toBe('Hunting result: uploads');
    expect(teams).not.toContain('+');
    expect(new TabLinks(() => 'http://localhost:3978', null, false).huntResult(id, 'uploads')).toBe(`http://localhost:3978/tab/hunt.html?result=${id}`);
    expect(new TabLinks(() => null, 'x', true).huntResult(id, 'uploads')).toBeNull();
  });

  it('opens the queue tab by its Teams deep link in production and as the page in demo mode', () => {
    const teams = new URL(new TabLinks(() => 'https://irm-bot.contoso.com', '11111111-2222-3333-4444-555555555555', true).queue()!);
    expect(teams.origin + teams.pathname).toBe('https://teams.microsoft.com/l/entity/11111111-2222-3333-4444-555555555555/insider-risk-queue');
    expect(teams.searchParams.get('webUrl')).toBe('https://irm-bot.contoso.com/tab/index.html');
    expect(teams.searchParams.get('label')).toBe('Insider risk queue');
    expect(new TabLinks(() => 'http://localhost:3978', null, false).queue()).toBe('http://localhost:3978/tab/index.html');
    expect(new TabLinks(() => null, 'x', true).queue()).toBeNull();
  });
});

describe('queue filters', () => {
  it('parses lists and refuses unknown values by name', () => {
    const q = queueQuerySchema.parse({ severity: 'high, low', status: 'active', user: ' lee ' });
    expect([...q.severity!]).toEqual(['high', 'low']);
    expect([...q.status!]).toEqual(['active']);
    expect(q.user).toBe('lee');
    expect(q.sort).toBe('oldest');
    expect(queueQuerySchema.safeParse({ status: 'resolved' }).error?.issues[0]?.message).toContain('status must be one or more of active, inProgress, awaitingAction');
  });
});
