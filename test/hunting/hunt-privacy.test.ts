/**
 * Every canned query, run in a channel against a tenant where every directory user has activity,
 * names no one: no UPN, local part, display name, first or last name, object id, device name or
 * device id of any user appears anywhere on the cards (the KQL inside the Advanced hunting link
 * included). The analyst's personal chat keeps the names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryFromAdvancedHuntingUrl } from '../../src/hunting/advanced-hunting-link.js';
import type { CannedQuery } from '../../src/hunting/canned-query.js';
import { HUNTING_QUERIES, findQuery } from '../../src/hunting/queries.js';
import { resultLens } from '../../src/bot/commands/hunt.js';
import { BYSTANDER_USERS, SEED_USERS } from '@irm-bot/defender-tenant';
import { cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CHANNEL = '19:hunt-privacy-channel@thread.tacv2';
const PERSONAL = 'a:hunt-privacy-alex';
const PEOPLE = [...SEED_USERS, ...BYSTANDER_USERS];
let stack: Stack;

interface Card {
  body: { type: string; rows?: { cells: { items: { text: string }[] }[] }[]; facts?: { title: string; value: string }[] }[];
  actions?: { title: string; url?: string; data?: Record<string, unknown> }[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Every way the directory names a person or their device, each as a whole word in any case. */
const IDENTITIES = PEOPLE.flatMap((u) => [u.upn, u.upn.split('@')[0]!, u.displayName, ...u.displayName.split(' '), u.objectId, u.deviceName, u.deviceId]).map((id) => ({
  id,
  pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(id)}(?![\\p{L}\\p{N}])`, 'iu'),
}));
const namesIn = (text: string) => IDENTITIES.filter(({ pattern }) => pattern.test(text)).map(({ id }) => id);

/** The card as anyone in the channel can read it: its JSON, with the KQL the Advanced hunting link carries spelled out. */
function readable(card: Card): string {
  const link = card.actions?.find((a) => a.title === 'Open in Advanced hunting')?.url;
  return JSON.stringify(card) + (link ? queryFromAdvancedHuntingUrl(link) : '');
}
const tableRows = (card: Card) => card.body.find((b) => b.type === 'Table')?.rows?.slice(1) ?? [];
const cellsOf = (card: Card) => tableRows(card).map((row) => row.cells.map((c) => c.items[0]!.text));
/** One column's cells, by its header. */
const columnOf = (card: Card, header: string) => {
  const i = card.body.find((b) => b.type === 'Table')!.rows![0]!.cells.findIndex((c) => c.items[0]!.text === header);
  expect(i, header).toBeGreaterThanOrEqual(0);
  return cellsOf(card).map((cells) => cells[i]!);
};

/** `hunt …` in a conversation, then Show more until the card holds all it can: every card seen. */
async function huntAllPages(conversation: string, command: string): Promise<Card[]> {
  const reply = (await stack.say(conversation, command)) as { attachments?: { content: Card }[] } | undefined;
  const first = reply?.attachments?.[0]?.content;
  if (!first) throw new Error(`no card for ${command}: ${JSON.stringify(reply)}`);
  const cards = [first];
  for (let more = first.actions?.find((a) => a.title === 'Show more'); more; ) {
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, conversation, 'huntMore', more.data!));
    const card = (res.body as { value: Card }).value;
    cards.push(card);
    more = card.actions?.find((a) => a.title === 'Show more');
  }
  return cards;
}

/** Each canned query with the parameters it needs: every user for a user's query, every alert for an alert's. */
function runs(): { query: CannedQuery; params: Record<string, string>; command: string }[] {
  const alertIds = [...new Set(stack.tenant.state.hunting.AlertInfo.map((r) => String(r.AlertId)))];
  return HUNTING_QUERIES.flatMap((query) => {
    const names = query.params.map((p) => p.name);
    const fixed: Record<string, string> = { ...(names.includes('days') ? { days: '30' } : {}), ...(names.includes('top') ? { top: '50' } : {}) };
    const user = query.params.find((p) => p.name === 'user');
    const variants: Record<string, string>[] = names.includes('alert')
      ? alertIds.map((alert) => ({ alert }))
      : user
        ? [...(user.required ? [] : [{}]), ...PEOPLE.map((u) => ({ user: u.upn }))]
        : [{}];
    return variants.map((variant) => {
      const params = { ...variant, ...fixed };
      return { query, params, command: ['hunt', query.name, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)].join(' ') };
    });
  });
}

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 16, installIn: [CHANNEL, PERSONAL], app: { hunting: { perUserPerMinute: 10_000, perTenantPerMinute: 10_000 } } });
});
afterAll(async () => {
  await stack?.close();
});

describe('hunting in a channel names no one', () => {
  it('every canned query, for every user and alert, every page: 0 real names or device names', async () => {
    const all = runs();
    const channel = (await stack.bot.services.store.conversation(CHANNEL))!;
    const rowsByQuery = new Map<string, number>();
    let shown = 0;
    let rewritten = 0;
    let pseudonyms = '';
    for (const { query, params, command } of all) {
      const cards = await huntAllPages(CHANNEL, command);
      for (const card of cards) expect(namesIn(readable(card)), `${command}, page ${cards.indexOf(card) + 1}`).toEqual([]);
      const rows = tableRows(cards.at(-1)!).length;
      rowsByQuery.set(query.name, (rowsByQuery.get(query.name) ?? 0) + rows);
      shown += rows;
      pseudonyms += readable(cards.at(-1)!);
      // A card shows a few columns and 50 rows; the rule covers every column of every row (the cached result: no new query).
      const result = await stack.bot.services.hunting.run(query, params, 'test');
      expect(result.cached).toBe(true);
      const every = (await resultLens(stack.bot.services, channel, result)).rows(result.rows);
      expect(namesIn(JSON.stringify(every)), `${command}: every row and column`).toEqual([]);
      rewritten += every.length;
    }
    // Not vacuous: every query showed rows, and people and devices were there to hide.
    expect([...rowsByQuery.keys()].sort()).toEqual(HUNTING_QUERIES.map((q) => q.name).sort());
    for (const [query, rows] of rowsByQuery) expect(rows, query).toBeGreaterThan(0);
    expect(pseudonyms).toMatch(/User [0-9A-F]{4}/);
    expect(pseudonyms).toMatch(/Device [0-9A-F]{4}/);
    expect(all.length).toBeGreaterThanOrEqual(100);
    expect(shown).toBeGreaterThanOrEqual(350);
    console.info(`channel hunting: ${all.length} runs of ${HUNTING_QUERIES.length} queries, ${shown} rows on cards, ${rewritten} rows in full: 0 names`);
  });

  it('one person is one pseudonym, the incident card’s, and one device one pseudonym: in the parameters, the KQL and every column', async () => {
    const lee = SEED_USERS.find((u) => u.upn === 'lee.gu@contoso.com')!;
    const privacy = stack.bot.services.privacy;
    const pseudonym = await privacy.pseudonym(lee.upn);
    const alert = stack.tenant.state.hunting.AlertEvidence.find((r) => r.AccountUpn === lee.upn && r.EntityType === 'File')!.AlertId;
    const [evidence] = await huntAllPages(CHANNEL, `hunt alert-evidence alert=${String(alert)}`);
    const types = columnOf(evidence!, 'Type');
    const users = columnOf(evidence!, 'Evidence').filter((_, i) => types[i] === 'User');
    expect(users.length).toBeGreaterThan(0);
    expect(users).toEqual(users.map(() => pseudonym));
    // The card shows a file row's file; its user and device are in every column of the result (Show all).
    const channel = (await stack.bot.services.store.conversation(CHANNEL))!;
    const result = await stack.bot.services.hunting.run(findQuery('alert-evidence')!, { alert: String(alert) }, 'test');
    const every = (await resultLens(stack.bot.services, channel, result)).rows(result.rows);
    expect(every.map((row) => row.AccountUpn).filter(Boolean)).toEqual(every.filter((row) => row.AccountUpn).map(() => pseudonym));
    expect(every.map((row) => row.DeviceName)).toContain(await privacy.devicePseudonym(lee.deviceName));
    const behaviours = (await huntAllPages(CHANNEL, `hunt user-behaviors user=${lee.upn} days=30`))[0]!;
    expect(behaviours.body.find((b) => b.type === 'FactSet')!.facts![0]!.value).toContain(`user=${pseudonym}`);
    expect(readable(behaviours)).toContain(`AccountUpn =~ \\"${pseudonym}\\"`);
    // Description says "… by Lee Gu"; the row has no user column, only the query names Lee.
    expect(cellsOf(behaviours).some((cells) => cells.some((cell) => cell.endsWith(`by ${pseudonym}`)))).toBe(true);
    expect(behaviours.actions?.map((a) => a.title)).not.toContain('Open in Advanced hunting');
  });

  it('a person named only inside a dynamic column (alert titles gathered by make_set) is a pseudonym', async () => {
    const upn = 'pat.kowalski@contoso.com';
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', title: 'Pat Kowalski shared files with joni.sherman@contoso.com', user: { upn } });
    const [card] = await huntAllPages(CHANNEL, `hunt user-alerts user=${upn}`);
    const privacy = stack.bot.services.privacy;
    const titles = columnOf(card!, 'Titles');
    // The cell is the set as a list: the one IRM alert's title among them.
    const shared = `${await privacy.pseudonym(upn)} shared files with ${await privacy.pseudonym('joni.sherman@contoso.com')}`;
    expect(titles.filter((cell) => cell?.includes(shared))).toHaveLength(1);
    expect(readable(card!)).not.toMatch(/pat|kowalski|joni|sherman/i);
  });

  it('the analyst’s personal chat shows the result as it ran: names, devices and the Advanced hunting link', async () => {
    const lee = SEED_USERS.find((u) => u.upn === 'lee.gu@contoso.com')!;
    const [behaviours] = await huntAllPages(PERSONAL, `hunt user-behaviors user=${lee.upn} days=30`);
    expect(readable(behaviours!)).toContain(`by ${lee.displayName}`);
    expect(behaviours!.actions?.map((a) => a.title)).toContain('Open in Advanced hunting');
    const [media] = await huntAllPages(PERSONAL, 'hunt removable-media days=30');
    expect(namesIn(readable(media!)).length).toBeGreaterThan(0);
    expect(readable(media!)).toMatch(/"text":"LT-[A-Z]+-\d\d"/);
  });
});
