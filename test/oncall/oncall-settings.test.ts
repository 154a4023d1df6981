/** `oncall threshold` and `oncall remind`, typed in chat, still hold after the bot restarts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let botNow = new Date();
const CHAT = 'a:oncall-settings-personal';

const say = async (text: string) => String((await stack.say(CHAT, text))?.text ?? '');
const mentionsIn = (conversation: string) =>
  stack.connector.calls
    .filter((c) => c.conversationId === conversation && c.method === 'send')
    .map((c) => ({ entities: (c.activity.entities ?? []) as { type: string; mentioned: { id: string } }[], card: JSON.stringify(c.activity.attachments ?? []) }))
    .filter((m) => m.entities.some((e) => e.type === 'mention'));

beforeAll(async () => {
  stack = await startStack({
    seedIncidents: 0,
    installIn: [CHAT],
    app: { now: () => botNow },
    env: { MENTION_MIN_SEVERITY: 'high', REMIND_AFTER_MINUTES: '15', ESCALATE_AFTER_MINUTES: '15' },
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('on-call settings changed in chat', () => {
  it('the mention threshold and the reminder delays survive a restart', async () => {
    await say('oncall set adele.vance@contoso.com');
    expect(await say('oncall threshold medium')).toContain('medium severity and above now mention the on-call analyst');
    expect(await say('oncall remind 5 escalate 20')).toContain('a reminder after 5 minutes and an escalation 20 minutes after that');

    await stack.restartBot();
    expect(await say('oncall')).toContain('new incidents of Medium severity and above mention the on-call analyst; one still New after 5 minutes gets a reminder, and 20 minutes later an escalation');

    // What the settings do, not only what they say: a Medium incident pages, and is reminded of after 5 minutes.
    await stack.admin('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com' } });
    await stack.bot.services.poller.poll();
    expect(mentionsIn(CHAT)).toHaveLength(1);
    botNow = new Date(botNow.getTime() + 6 * 60_000);
    await stack.bot.services.poller.poll();
    expect(mentionsIn(CHAT).filter((m) => m.card.includes('is still New'))).toHaveLength(1);
  });
});
