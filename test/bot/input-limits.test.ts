/** What arrives at /api/messages that is odd, huge or hostile is answered or ignored cleanly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseActivity, cardAction, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:limits';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 1, installIn: [CONV] });
});
afterAll(async () => {
  await stack?.close();
});

describe('input limits', () => {
  it('deeply nested JSON is refused or ignored, and the bot stays up', async () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);
    const raw = (body: string) => fetch(stack.bot.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const base = JSON.stringify(message(stack.connector.serviceUrl, CONV, 'help'));
    for (const depth of [1000, 20_000]) {
      const res = await raw(base.replace(/}$/, `,"channelData":${nested(depth)}}`));
      expect([200, 400], `depth ${depth}`).toContain(res.status);
    }
    const action = JSON.stringify(cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: '2101', classification: 'truePositive', comment: 'PLACEHOLDER' }));
    const invoke = await raw(action.replace('"PLACEHOLDER"', nested(1000)));
    expect(((await invoke.json()) as { statusCode: number }).statusCode).toBe(400);
    expect((await fetch(stack.bot.messagesUrl.replace('/api/messages', '/healthz'))).status).toBe(200);
  });

  it('unknown activity types and events are ignored without an answer in chat', async () => {
    const before = stack.connector.calls.length;
    for (const type of ['typing', 'event', 'messageReaction', 'endOfConversation', 'somethingNew']) {
      const res = await postActivity(stack.bot.messagesUrl, { ...baseActivity(stack.connector.serviceUrl, CONV), type });
      expect(res.status, type).toBeLessThan(500);
    }
    expect(stack.connector.calls.length).toBe(before);
  });

  it('a message too long for a command, and a huge card input, are answered in words', async () => {
    const before = stack.connector.calls.length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, 'hunt '.repeat(2000)));
    expect(String(stack.connector.calls.slice(before).find((c) => c.method === 'reply')?.activity.text)).toMatch(/characters long; commands are short/);
    const huge = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: '2101', classification: 'truePositive', comment: 'y'.repeat(100_000) }));
    expect((huge.body as { statusCode: number; value: { message: string } }).value.message).toMatch(/longer than 1000 characters/);
  });

  it('a channel other than Teams gets the same checks, nothing crashes', async () => {
    const res = await postActivity(stack.bot.messagesUrl, { ...message(stack.connector.serviceUrl, 'webchat-conv', 'help'), channelId: 'webchat' });
    expect(res.status).toBeLessThan(500);
  });
});
