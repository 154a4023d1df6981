import { describe, expect, it } from 'vitest';
import { cellText, huntResultCardData } from '../../src/cards/hunt-result-view.js';
import { renderCard } from '../../src/cards/render.js';
import { advancedHuntingUrl, queryFromAdvancedHuntingUrl } from '../../src/hunting/advanced-hunting-link.js';
import { huntResultFixture } from '../fixtures/hunt-results.js';
import { findQuery } from '../../src/hunting/queries.js';

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

  it('says how many rows there are, shows six columns and names the others', () => {
    const card = renderCard('hunt-result', huntResultCardData(huntResultFixture(57)));
    const text = JSON.stringify(card);
    expect(text).toContain('"title":"Rows","value":"57; showing 1–10"');
    expect(text).toContain('2 more columns (ObjectSize, IrmPolicyMatchInfo) in Advanced hunting.');
    expect(text).toContain('"title":"Time span","value":"last 7 days"');
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

  it('cells: dates shortened, objects as JSON, markdown escaped, long text cut', () => {
    expect(cellText('2026-11-20T08:05:00.000Z')).toBe('2026-11-20 08:05');
    expect(cellText({ PolicyName: 'Departing users' })).toBe('{"PolicyName":"Departing users"}');
    expect(cellText('[x](http://evil)')).toBe('\\[x\\](http://evil)');
    expect(cellText('y'.repeat(500)).length).toBe(120);
    expect(cellText(null)).toBe(' ');
  });
});
