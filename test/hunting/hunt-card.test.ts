import { describe, expect, it } from 'vitest';
import { huntResultCardData } from '../../src/cards/hunt-result-view.js';
import { activityWords, cellText, columnWidth } from '../../src/cards/hunt-cells.js';
import { renderCard } from '../../src/cards/render.js';
import { advancedHuntingUrl, queryFromAdvancedHuntingUrl } from '../../src/hunting/advanced-hunting-link.js';
import { huntResultFixture } from '../fixtures/hunt-results.js';
import { HUNTING_QUERIES, findQuery } from '../../src/hunting/queries.js';

const tableRows = (card: unknown) => {
  const table = (card as { body: { type: string; rows?: unknown[] }[] }).body.find((b) => b.type === 'Table');
  return table ? table.rows!.length - 1 : 0; // minus the header row
};
const action = (card: unknown, title: string) => (card as { actions: { title: string; data?: Record<string, unknown>; url?: string }[] }).actions.find((a) => a.title === title);

describe('hunting result card', () => {
  it('a result of 57 rows shows 10, then 20, … up to 50, each from the same cached result', () => {
    const result = huntResultFixture(57);
    let shown = 10;
    const seen: number[] = [];
    for (;;) {
      const card = renderCard('hunt-result', huntResultCardData(result, shown));
      seen.push(tableRows(card));
      const more = action(card, 'Show more');
      if (!more) {
        expect(JSON.stringify(card)).toContain('A card holds 50 rows: open Advanced hunting for all 57.');
        break;
      }
      expect(more.data).toEqual({ resultId: result.id, shown: shown + 10 });
      shown = Number(more.data!.shown);
    }
    expect(seen).toEqual([10, 20, 30, 40, 50]);
  });

  it('says how many rows there are, shows the query’s chosen columns and names the others, behind Show all', () => {
    const card = renderCard('hunt-result', huntResultCardData(huntResultFixture(57), undefined, undefined, 'https://bot.example/tab/hunt.html?result=x'));
    const text = JSON.stringify(card);
    expect(text).toContain('"title":"Rows","value":"57; showing 1–10"');
    expect(text).toContain('4 more columns (ActionType, ObjectSize, DeviceName, Workload) in Show all.');
    expect(text).toContain('"title":"Time span","value":"last 7 days"');
    expect(text).toContain('Times in your time zone.');
    // Without the tab (no public address), every column is in Advanced hunting.
    expect(JSON.stringify(renderCard('hunt-result', huntResultCardData(huntResultFixture(3))))).toContain('4 more columns (ActionType, ObjectSize, DeviceName, Workload) in Advanced hunting.');
  });

  it('a result without the chosen columns (a changed schema) still shows its first columns', () => {
    const fixture = huntResultFixture(2);
    const result = { ...fixture, columns: [{ name: 'Other', type: 'String' }], rows: [{ Other: 'x' }] };
    const card = renderCard('hunt-result', huntResultCardData(result)) as { body: { type: string; columns?: unknown[] }[] };
    expect(card.body.find((b) => b.type === 'Table')!.columns).toHaveLength(1);
    expect(JSON.stringify(card)).toContain('"text":"Other"');
  });

  it('says so when nothing matched, and names what Defender does not hold', () => {
    const text = JSON.stringify(renderCard('hunt-result', huntResultCardData(huntResultFixture(0))));
    expect(text).toContain('No rows matched in the last 7 days.');
    expect(text).toContain('risky AI usage');
    expect(text).not.toContain('"type":"Table"');
  });

  it('keeps the KQL behind a toggle and links to Advanced hunting with the same query', () => {
    const result = huntResultFixture(3);
    const card = renderCard('hunt-result', huntResultCardData(result));
    expect(JSON.stringify(card)).toContain('"id":"kql","isVisible":false');
    const link = action(card, 'Open in Advanced hunting')!.url!;
    expect(link).toMatch(/^https:\/\/security\.microsoft\.com\/v2\/advanced-hunting\?query=[A-Za-z0-9_-]+&timeRangeId=week$/);
    expect(queryFromAdvancedHuntingUrl(link)).toBe(result.prepared.kql);
  });

  it('the link survives any text, unicode included', () => {
    const kql = 'DataSecurityEvents | where AccountUpn == "zoë@contoso.com" // ✓\n| take 1';
    expect(queryFromAdvancedHuntingUrl(advancedHuntingUrl(kql))).toBe(kql);
  });

  it('parameters are what someone typed: shown escaped', () => {
    const query = findQuery('alert-evidence')!;
    const card = renderCard('hunt-result', huntResultCardData({ ...huntResultFixture(1), query, prepared: query.prepare({ alert: 'da_1_x_' }) }));
    expect(JSON.stringify(card)).toContain('"title":"Parameters","value":"alert=da\\\\_1\\\\_x\\\\_ · days=30"');
  });

  it('cells read as words: times in the reader\'s zone, sizes, lists, names of objects, yes and no; markdown escaped, long text cut', () => {
    expect(cellText('2026-11-20T08:05:00.1234567Z', 'time')).toBe('{{DATE(2026-11-20T08:05:00Z, COMPACT)}} {{TIME(2026-11-20T08:05:00Z)}}');
    expect(cellText(1_288_490_189, 'size')).toBe('1.2 GB');
    expect(cellText('190266766', 'size')).toBe('181 MB');
    expect(cellText(1536, 'size')).toBe('1.5 KB');
    expect(cellText(512, 'size')).toBe('512 B');
    expect(cellText(12345, 'count')).toBe('12,345');
    expect(cellText(true, 'flag')).toBe('Yes');
    expect(cellText(false, 'flag')).toBe('No');
    expect(cellText({ PolicyName: 'Departing users', PolicyId: 'a1', RiskScore: 87 }, 'list')).toBe('Departing users');
    expect(cellText([{ PolicyName: 'Departing users' }, { PolicyName: 'Data theft' }], 'list')).toBe('Departing users, Data theft');
    expect(cellText('["Exfiltration","Collection"]', 'list')).toBe('Exfiltration, Collection');
    expect(cellText('{"Address":"185.220.100.4","CountryCode":"NL"}', 'list')).toBe('Address: 185.220.100.4, CountryCode: NL');
    expect(cellText(['FileUploadedToCloud', 'FileCopiedToRemovableMedia'], 'activity')).toBe('File uploaded to cloud, File copied to removable media');
    expect(activityWords('SensitivityLabelDowngraded')).toBe('Sensitivity label downgraded');
    expect(activityWords('Already words')).toBe('Already words');
    expect(cellText('[x](http://evil)')).toBe('\\[x\\](http://evil)');
    expect(cellText('y'.repeat(500)).length).toBe(120);
    expect(cellText(null)).toBe(' ');
    expect(cellText('{{DATE(2026-11-20T08:05:00Z)}}')).not.toContain('{{');
  });

  it('every query’s fixed-width columns leave room for the others on a small phone (a 320-px card)', () => {
    for (const query of HUNTING_QUERIES) {
      const fixed = query.card.map(columnWidth).filter((w): w is string => typeof w === 'string').reduce((sum, w) => sum + Number.parseInt(w, 10), 0);
      expect(fixed, query.name).toBeLessThanOrEqual(200);
      expect(query.card.length, query.name).toBeLessThanOrEqual(4);
    }
  });
});
