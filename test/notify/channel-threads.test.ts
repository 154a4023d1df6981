/**
 * Channel threads, as Teams sends them: a message in a thread arrives with the channel's id plus
 * `;messageid={root post}`. The channel is the conversation; a thread never becomes one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installation, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CHANNEL = '19:threads-channel@thread.tacv2';
const THREAD = `${CHANNEL};messageid=1759881511856`;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ installIn: [CHANNEL] });
});
afterAll(async () => {
  await stack?.close();
});

describe('channel threads', () => {
  it('a command typed in a thread is answered in that thread and creates no conversation', async () => {
    const reply = await stack.say(THREAD, 'help');
    expect(reply).toBeTruthy();
    const call = stack.connector.calls.at(-1)!;
    expect(call.method).toBe('reply');
    expect(call.conversationId).toBe(THREAD);
    expect((await stack.bot.services.store.conversations()).map((c) => c.key)).toEqual([CHANNEL]);
  });

  it('new incident cards start new threads in the channel, once, never inside someone’s thread', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    const sends = stack.connector.calls.filter((c) => c.method === 'send' && JSON.stringify(c.activity).includes(`Insider risk incident ${incidentId}`));
    expect(sends.map((s) => s.conversationId)).toEqual([CHANNEL]);
    expect(sends[0]!.activity.replyToId).toBeUndefined();
  });

  it('`subscribe` in a thread changes the channel', async () => {
    await stack.say(THREAD, 'subscribe severity>=high');
    expect((await stack.bot.services.store.conversation(CHANNEL))?.subscription).toMatchObject({ minSeverity: 'high' });
    expect((await stack.bot.services.store.conversation(THREAD))).toBeUndefined();
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'nestor.wilke@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    expect(stack.connector.calls.some((c) => c.method === 'send' && JSON.stringify(c.activity).includes(`Insider risk incident ${incidentId}`))).toBe(false);
  });

  it('removing the app, even as seen from a thread, removes the channel', async () => {
    await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, THREAD, 'remove'));
    expect((await stack.bot.services.store.conversations())).toEqual([]);
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'isaiah.langer@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    expect(stack.connector.calls.some((c) => c.method === 'send' && JSON.stringify(c.activity).includes(`Insider risk incident ${incidentId}`))).toBe(false);
  });
});
