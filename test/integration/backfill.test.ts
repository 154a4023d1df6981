/** A conversation the app is installed in is offered the newest open incidents, a card each, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installation, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ seedIncidents: 8, env: { BACKFILL_LIMIT: '5', DIGEST_THRESHOLD: '2' } });
  await stack.bot.services.poller.poll(); // the bot knows the tenant before anyone installs it
});
afterAll(async () => {
  await stack?.close();
});

describe('install backfill', () => {
  it('posts the newest open incidents as cards (not a digest), up to the limit, and only once', async () => {
    const open = Object.values(stack.bot.services.store.data.incidents).filter((i) => i.open);
    expect(open.length).toBeGreaterThan(5);
    await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, 'a:late-comer'));
    await stack.bot.services.poller.idle();
    await stack.bot.services.poller.poll();
    const cards = [...stack.connector.messages('a:late-comer').values()].map((c) => /Insider risk incident (\d+)/.exec(JSON.stringify(c))?.[1]);
    const newest = [...open].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)).slice(0, 5).map((i) => i.id);
    expect(cards.sort()).toEqual(newest.sort());
    await stack.bot.services.poller.poll();
    expect(stack.connector.messages('a:late-comer').size).toBe(5);
  });
});
