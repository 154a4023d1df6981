/**
 * Each canned query, run from chat against the embedded tenant: the card shows the three or four
 * columns the query chose, with short headers and widths by content, and values in words (times
 * in the reader's zone, sizes, lists, yes and no); the rest stay behind Show all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUNTING_QUERIES, findQuery } from '../../src/hunting/queries.js';
import { startStack, type Stack } from '../support/stack.js';
import { everyQueryHasRows, huntCommandFor } from './support/hunt-commands.js';

const CONV = 'a:hunt-card-columns';
let stack: Stack;

interface Card {
  body: { type: string; text?: string; columns?: { width: number | string }[]; rows?: { cells: { items: { text: string }[] }[] }[] }[];
  actions?: { title: string }[];
}

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 16, installIn: [CONV], app: { hunting: { perUserPerMinute: 1000, perTenantPerMinute: 1000 } } });
  expect(everyQueryHasRows(stack.tenant.state.hunting)).toBe(true);
});
afterAll(async () => {
  await stack?.close();
});

const commandFor = (query: string) => huntCommandFor(stack.tenant.state.hunting, query);

async function huntCard(command: string): Promise<Card> {
  const reply = (await stack.say(CONV, command)) as { attachments?: { content: Card }[] } | undefined;
  const card = reply?.attachments?.[0]?.content;
  if (!card) throw new Error(`no card for ${command}: ${JSON.stringify(reply)}`);
  return card;
}

const tableOf = (card: Card) => card.body.find((b) => b.type === 'Table')!;
const headersOf = (card: Card) => tableOf(card).rows![0]!.cells.map((c) => c.items[0]!.text);
const columnOf = (card: Card, header: string) => {
  const i = headersOf(card).indexOf(header);
  expect(i, `column ${header}`).toBeGreaterThanOrEqual(0);
  return tableOf(card).rows!.slice(1).map((r) => r.cells[i]!.items[0]!.text);
};

const TIME_CELL = /^\{\{DATE\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z, COMPACT\)\}\} \{\{TIME\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\)\}\}$/;

describe('hunting cards fit a phone', () => {
  it('every canned query shows only its chosen columns (at most four), with short headers, and names the rest', async () => {
    for (const query of HUNTING_QUERIES) {
      const card = await huntCard(commandFor(query.name));
      const table = tableOf(card);
      expect(table, query.name).toBeTruthy();
      expect(headersOf(card), query.name).toEqual(query.card.map((c) => c.header));
      expect(query.card.length).toBeLessThanOrEqual(4);
      for (const row of table.rows!) expect(row.cells).toHaveLength(query.card.length);
      for (const header of headersOf(card)) expect(header.length, `${query.name}: ${header}`).toBeLessThanOrEqual(9);
      const text = JSON.stringify(card);
      expect(text, query.name).toMatch(/more columns? \(.+\) in Show all\./);
      expect(card.actions?.map((a) => a.title)).toContain('Show all');
      // Raw values are gone: no UTC timestamps, JSON brackets or quotes, CamelCase action names.
      for (const row of table.rows!.slice(1)) {
        for (const cell of row.cells.map((c) => c.items[0]!.text)) {
          expect(cell.replace(/\{\{(DATE|TIME)\([^)]*\)\}\}/g, ''), query.name).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[[\]{}"]|\b[A-Z][a-z]+[A-Z][a-z]+[A-Z]/);
        }
      }
      if (query.card.some((c) => c.kind === 'time')) expect(text).toContain('Times in your time zone.');
    }
  });

  it('widths follow content: times, counts and sizes get a fixed width, file names and titles share the rest', async () => {
    const card = await huntCard(commandFor('removable-media'));
    expect(tableOf(card).columns!.map((c) => c.width)).toEqual([1, 1, '64px', '65px']);
    const activity = await huntCard(commandFor('user-activity'));
    expect(tableOf(activity).columns!.map((c) => c.width)).toEqual(['86px', '100px', 1, 1]);
  });

  it('times in the reader\'s zone, sizes in units, lists joined, objects by name, yes and no', async () => {
    const activity = await huntCard(commandFor('user-activity'));
    for (const cell of columnOf(activity, 'Time')) expect(cell).toMatch(TIME_CELL);
    expect(columnOf(activity, 'Activity').join('|')).toMatch(/File (uploaded|copied|printed|archived|downloaded)/);

    const media = await huntCard(commandFor('removable-media'));
    for (const cell of columnOf(media, 'Size')) expect(cell).toMatch(/^\d+(\.\d)? (B|KB|MB|GB|TB)$/);
    for (const cell of columnOf(media, 'Copies')) expect(cell).toMatch(/^\d[\d,]*$/);

    const behaviors = await huntCard(commandFor('user-behaviors'));
    expect(new Set(columnOf(behaviors, 'Anomalous'))).toEqual(new Set(['Yes', 'No']));

    const alerts = await huntCard(commandFor('user-alerts'));
    const titles = columnOf(alerts, 'Titles');
    expect(titles.some((cell) => cell.includes(', ') || cell.length > 0)).toBe(true);

    const risky = await huntCard(commandFor('top-risky-users'));
    expect(columnOf(risky, 'Behaviors').join(', ')).toMatch(/[A-Z][a-z]+ [a-z]+/);

    const evidence = await huntCard(commandFor('alert-evidence'));
    expect(columnOf(evidence, 'Evidence').join('|')).toMatch(/Address: 185\.220\.\d+\.\d+, CountryCode: [A-Z]{2}/);
    expect(columnOf(evidence, 'Evidence').join('|')).toMatch(/@contoso\.com/);
  });

  it('the query behind the card is unchanged: the KQL runs as before and the result keeps every column', async () => {
    const result = await stack.bot.services.hunting.run(findQuery('uploads')!, { ext: '.zip', days: '30' }, 'test');
    expect(result.columns.map((c) => c.name)).toEqual(['Timestamp', 'AccountUpn', 'FileName', 'ActionType', 'Destination', 'ObjectSize', 'DeviceName', 'Workload']);
  });
});
