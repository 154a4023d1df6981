/** Hunting from chat through /api/messages: the grammar, the table card, paging from the cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:hunt-chat';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 8, installIn: [CONV] });
});
afterAll(async () => {
  await stack?.close();
});

const say = async (text: string) => JSON.stringify((await stack.say(CONV, text)) ?? null);
const huntCalls = async () => (await stack.graphRequests()).filter((r) => r.path.endsWith('/security/runHuntingQuery'));

describe('hunt in chat', () => {
  it('hunt and hunt help list every query with its parameters', async () => {
    for (const text of ['hunt', '/hunt help', '<at>IRM</at> hunt']) {
      const reply = await say(text);
      for (const name of ['uploads', 'user-activity', 'user-behaviors', 'user-alerts', 'alert-evidence', 'top-risky-users', 'removable-media', 'label-downgrades']) expect(reply).toContain(`**${name}**`);
      expect(reply).toContain('(default .zip)');
    }
    expect(await say('hunt uploads help')).toContain('hunt uploads');
  });

  it('hunt uploads ext=.zip answers with a table, the KQL and an Advanced hunting link', async () => {
    const reply = await say('hunt uploads ext=.zip');
    expect(reply).toContain('"type":"Table"');
    expect(reply).toContain('"text":"File"');
    expect(reply).toContain('.zip');
    expect(reply).toContain('https://security.microsoft.com/v2/advanced-hunting?query=');
    const calls = await huntCalls();
    expect(calls.at(-1)?.body).toMatchObject({ Timespan: 'P7D' });
    expect(JSON.stringify(calls.at(-1)?.body)).toContain('endswith \\".zip\\"');
  });

  it('Show more pages from the cached result: no new query reaches Defender', async () => {
    // Each incident Defender raises for a user comes with that user's file activity.
    const upn = 'nestor.wilke@contoso.com';
    const events = () => stack.tenant.state.hunting.DataSecurityEvents.filter((r) => r.AccountUpn === upn).length;
    while (events() <= 25) await stack.admin('POST', '/_admin/incidents', { severity: 'medium', user: { upn }, irmAlerts: 2 });
    const reply = JSON.parse(await say(`hunt user-activity user=${upn} days=30`)) as { attachments: { content: { actions: { title: string; data?: Record<string, unknown> }[] } }[] };
    const more = reply.attachments[0]!.content.actions.find((a) => a.title === 'Show more');
    expect(more).toBeTruthy();
    const before = (await huntCalls()).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'huntMore', more!.data!));
    const body = res.body as { statusCode: number; value: { body: { type: string; rows?: unknown[] }[] } };
    expect(body.statusCode).toBe(200);
    const table = body.value.body.find((b) => b.type === 'Table');
    expect(table!.rows!.length - 1).toBe(20);
    expect((await huntCalls()).length).toBe(before);
  });

  it('a paging click for a result no longer kept, or with forged data, is refused in words', async () => {
    const expired = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'huntMore', { resultId: '0b9e6a55-1111-4222-8333-444455556666', shown: 20 }));
    expect(JSON.stringify(expired.body)).toMatch(/no longer kept/);
    const forged = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'huntMore', { resultId: '../etc', shown: 1e9 }));
    expect((forged.body as { statusCode: number }).statusCode).toBe(400);
  });

  it('says what exists for an unknown query or parameter, and what was expected for a bad value', async () => {
    expect(await say('hunt upload')).toContain('Did you mean uploads?');
    expect(await say('hunt uploads usr=adele.vance@contoso.com')).toContain('Did you mean user?');
    expect(await say('hunt uploads days=90')).toMatch(/days must be/);
    expect(await say('hunt user-alerts user="adele\' | take 1 //"')).toContain('user principal name');
    expect(await say('hunt uploads zip')).toContain('I expected name=value');
  });

  it('typographic quotes and non-breaking spaces from Teams clients are understood', async () => {
    const reply = await say('hunt\u00a0user-alerts user=\u201cadele.vance@contoso.com\u201d');
    expect(reply).toContain('"type":"Table"');
    expect(reply).toContain('Insider Risk Management');
  });

  it('user {upn} answers with the risk summary', async () => {
    const reply = await say('user adele.vance@contoso.com');
    expect(reply).toContain('User risk summary');
    expect(reply).toContain('Alerts in the last 30 days, by source');
    expect(reply).toContain('https://security.microsoft.com/user/?');
    expect(await say('user nobody')).toContain('user principal name');
  });
});
