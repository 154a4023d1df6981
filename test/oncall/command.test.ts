import { beforeEach, describe, expect, it } from 'vitest';
import { oncallCommand } from '../../src/bot/commands/oncall.js';
import { runCommand, type CommandRequest } from '../../src/bot/dispatch.js';
import type { BotServices, Mentioned } from '../../src/bot/services.js';
import { RoleDirectory } from '../../src/auth/roles.js';
import { BadInputError } from '../../src/errors.js';
import { OnCallService } from '../../src/oncall/service.js';
import { Store } from '../../src/store/store.js';

const T0 = Date.parse('2026-11-18T12:00:00Z'); // a Wednesday
let now: Date;
let store: Store;
let service: OnCallService;
let replies: string[];

const adele: Mentioned = { id: '29:adele', name: 'Adele Vance', aadObjectId: 'aad-adele' };
const megan: Mentioned = { id: '29:megan', name: 'Megan Bowen' };

function request(args: string[], mentions: Mentioned[] = []): CommandRequest {
  return {
    command: oncallCommand,
    args,
    actor: { id: '29:lee', name: 'Lee Gu', aadObjectId: 'aad-lee', upn: 'lee.gu@contoso.com' },
    conversation: { key: 'c1', kind: 'channel', reference: {}, installedAt: new Date(T0).toISOString(), backfilled: true },
    mentions,
    upnOf: async () => undefined,
    async reply(message) {
      replies.push(typeof message === 'string' ? message : JSON.stringify(message));
    },
  };
}

/** The command uses the store (for the audit log), the on-call service and the clock; Lee may do anything here. */
const services = () =>
  ({ store, oncall: service, now: () => now, roles: new RoleDirectory({ principals: [{ id: 'aad-lee', name: 'Lee Gu', defender: 'SecurityOperator', purview: ['Investigator'] }], groups: {}, huntingRoles: ['Investigator'] }), privacy: { rememberViewer: async () => undefined } }) as unknown as BotServices;

/** Runs `oncall …` and answers with the reply, or the BadInputError message. */
async function run(text: string, mentions: Mentioned[] = []): Promise<string> {
  const args = text.split(/\s+/).filter(Boolean).slice(1);
  try {
    await runCommand(services(), request(args, mentions));
  } catch (err) {
    expect(err).toBeInstanceOf(BadInputError);
    return `error: ${(err as Error).message}`;
  }
  return replies.at(-1) ?? '';
}

beforeEach(async () => {
  now = new Date(T0);
  replies = [];
  store = await Store.open(':memory:');
  service = new OnCallService({ store, now: () => now });
});

describe('oncall', () => {
  it('is a command named oncall with usage and description', () => {
    expect(oncallCommand.name).toBe('oncall');
    expect(oncallCommand.usage).toContain('oncall');
    expect(oncallCommand.description).toContain('rotation');
  });

  it('says nobody is on call, the thresholds and how to set someone', async () => {
    const text = await run('oncall');
    expect(text).toContain('**On call:** nobody');
    expect(text).toContain('oncall set @name');
    expect(text).toContain('High severity mention the on-call analyst');
    expect(text).toContain('after 15 minutes');
  });

  it('shows the rotation, the next hand-over, the escalation and who is on call', async () => {
    await run('oncall rotation adele.vance@contoso.com,lee.gu@contoso.com every week at 9am');
    await run('oncall escalation megan.bowen@contoso.com');
    const text = await run('oncall');
    expect(text).toContain('**On call:** adele.vance@contoso.com (by the rotation)');
    expect(text).toContain('every week (Mondays) at 09:00 UTC (cron `0 9 * * 1`)');
    expect(text).toContain('next hand-over Mon 2026-11-23 09:00 UTC to lee.gu@contoso.com');
    expect(text).toContain('**Escalation:** megan.bowen@contoso.com');
  });
});

describe('oncall set', () => {
  it('puts an @mentioned person on call, with their Teams id for the mention', async () => {
    expect(await run('oncall set', [adele])).toBe('Adele Vance is on call now.');
    expect(await service.current()).toEqual({ upn: 'aad-adele', name: 'Adele Vance', teamsId: '29:adele', aadObjectId: 'aad-adele' });
    expect(service.mentionOf((await service.current())!).entity.mentioned.id).toBe('29:adele');
  });

  it('without an Entra object id, keeps the Teams id as the identifier', async () => {
    await run('oncall set', [megan]);
    expect(await service.current()).toEqual({ upn: '29:megan', name: 'Megan Bowen', teamsId: '29:megan' });
  });

  it('accepts a UPN, and me', async () => {
    expect(await run('oncall set Adele.Vance@contoso.com')).toBe('adele.vance@contoso.com is on call now.');
    expect((await service.current())?.upn).toBe('adele.vance@contoso.com');
    expect(await run('oncall set me')).toBe('Lee Gu (lee.gu@contoso.com) is on call now.');
    expect(await service.current()).toMatchObject({ upn: 'lee.gu@contoso.com', teamsId: '29:lee', aadObjectId: 'aad-lee' });
  });

  it('with a rotation, says until when', async () => {
    await run('oncall rotation adele.vance@contoso.com,lee.gu@contoso.com every day at 09:00');
    expect(await run('oncall set megan.bowen@contoso.com')).toBe("megan.bowen@contoso.com is on call now until the rotation's next hand-over (Thu 2026-11-19 09:00 UTC).");
    expect(await run('oncall')).toContain('(set by hand, until the next hand-over)');
    now = new Date('2026-11-19T09:00:00Z');
    expect((await service.current())?.upn).toBe('lee.gu@contoso.com');
  });

  it('set none clears the person set by hand', async () => {
    await run('oncall set me');
    expect(await run('oncall set none')).toContain('**On call:** nobody');
    expect(await service.current()).toBeNull();
  });

  it.each([
    ['oncall set', 'Who? Type `oncall set @name` or `oncall set {upn}`'],
    ['oncall set bob', `I don't know who "bob" is: @mention them or give their user principal name, such as adele.vance@contoso.com`],
    ['oncall set alex@', 'alex@ is not a user principal name such as adele.vance@contoso.com'],
    ['oncall set a@contoso.com b@contoso.com', 'Name one person'],
  ])('%s → says what it expected', async (text, message) => {
    expect(await run(text)).toContain(message);
    expect(await service.current()).toBeNull();
  });

  it('refuses two mentions', async () => {
    expect(await run('oncall set', [adele, megan])).toContain('Name one person, not 2');
  });

  it('echoes what was typed without letting it make a link, bold or a mention in a shared chat', async () => {
    expect(await run('oncall set [x](https://evil.example)**b**<at>Eve</at>')).toContain(`I don't know who "?x?(https://evil.example)??b???at?Eve?/at?" is`);
  });

  it('names a person @mentioned with their Teams name escaped', async () => {
    const guest: Mentioned = { id: '29:guest', name: '[click me](https://evil.example/phish) **bold** <at>Eve</at>' };
    expect(await run('oncall set', [guest])).toBe('\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* &lt;at&gt;Eve&lt;/at&gt; is on call now.');
    expect(await run('oncall')).toContain('**On call:** \\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* &lt;at&gt;Eve&lt;/at&gt;\n');
  });
});

describe('oncall rotation', () => {
  it('starts the rotation now and answers with it', async () => {
    const text = await run('oncall rotation adele.vance@contoso.com, lee.gu@contoso.com every day at 5pm');
    expect(text).toContain('Rotation set.');
    expect(text).toContain('adele.vance@contoso.com, lee.gu@contoso.com, every day at 17:00 UTC (cron `0 17 * * *`)');
    expect(text).toContain('next hand-over Wed 2026-11-18 17:00 UTC to lee.gu@contoso.com');
    expect(text).toContain("escalations go to the rotation's next member, now lee.gu@contoso.com");
    expect((await store.onCall()).rotation).toMatchObject({ every: 'day', at: '17:00', startedAt: new Date(T0).toISOString() });
  });

  it('accepts @mentioned members', async () => {
    await run('oncall rotation every week at 09:00', [adele, megan]);
    expect((await store.onCall()).rotation?.members.map((m) => m.name)).toEqual(['Adele Vance', 'Megan Bowen']);
  });

  it.each([
    ['oncall rotation alex@ every day at 09:00', 'alex@ is not a user principal name such as adele.vance@contoso.com'],
    ['oncall rotation a@contoso.com every fortnight at 09:00', 'every must be day or week'],
    ['oncall rotation a@contoso.com every day at 9:75', 'at must be a time such as 09:00'],
    ['oncall rotation a@contoso.com every day at teatime', 'at must be a time such as 09:00'],
    ['oncall rotation a@contoso.com every day', 'Type `oncall rotation {upn},{upn},… every day|week at HH:MM`'],
    ['oncall rotation', 'How often'],
    ['oncall rotation every day at 09:00', 'Who is in the rotation?'],
  ])('%s → says what it expected', async (text, message) => {
    expect(await run(text)).toContain(message);
    expect((await store.onCall()).rotation).toBeNull();
  });
});

describe('oncall escalation, off, threshold, remind', () => {
  it('sets and clears the escalation contact', async () => {
    expect(await run('oncall escalation', [megan])).toBe('Incidents still New 15 minutes after their reminder now escalate to Megan Bowen.');
    expect((await store.onCall()).escalation?.teamsId).toBe('29:megan');
    expect(await run('oncall escalation none')).toContain('Escalation contact cleared.');
    expect((await store.onCall()).escalation).toBeNull();
    expect(await run('oncall escalation')).toContain('Who? Type `oncall escalation @name`');
  });

  it('off clears everything', async () => {
    await run('oncall rotation adele.vance@contoso.com every day at 09:00');
    await run('oncall escalation', [megan]);
    await run('oncall set me');
    expect(await run('oncall off')).toContain('nobody is on call');
    expect((await store.onCall())).toEqual({ current: null, currentSetAt: null, rotation: null, escalation: null });
    expect(await run('oncall off now')).toContain('takes nothing after it');
  });

  it('threshold changes which severities mention the on-call analyst', async () => {
    expect(await run('oncall threshold Medium')).toContain('medium severity and above now mention the on-call analyst');
    expect(await service.shouldMention('medium')).toBe(true);
    expect(await run('oncall threshold critical')).toBe('error: The mention threshold must be low, medium or high.');
    expect(await run('oncall threshold')).toContain('must be one of low, medium, high');
    expect((await service.settings()).mentionMinSeverity).toBe('medium');
  });

  it('remind changes the delays', async () => {
    expect(await run('oncall remind 10 escalate 30m')).toContain('a reminder after 10 minutes and an escalation 30 minutes after that');
    expect(await service.settings()).toMatchObject({ remindAfterMinutes: 10, escalateAfterMinutes: 30 });
    await run('oncall remind 5');
    expect(await service.settings()).toMatchObject({ remindAfterMinutes: 5, escalateAfterMinutes: 30 });
    expect(await run('oncall remind 0')).toContain('The reminder delay must be a whole number of minutes from 1 to 10080');
    expect(await run('oncall remind ten')).toContain('The reminder delay must be a whole number of minutes, such as 15, not "ten"');
    expect(await run('oncall remind 10 then 20')).toContain('for example `oncall remind 15 escalate 30`');
    expect(await run('oncall remind 10 escalate 99999')).toContain('escalation delay must be a whole number of minutes from 1 to 10080');
    expect(await service.settings()).toMatchObject({ remindAfterMinutes: 5, escalateAfterMinutes: 30 });
  });
});

describe('oncall, unknown sub-commands', () => {
  it('names the close match and every sub-command', async () => {
    const text = await run('oncall rotaton a@contoso.com every day at 09:00');
    expect(text).toContain('`oncall rotaton` is not an oncall command. Did you mean `oncall rotation`?');
    expect(text).toContain('`oncall set @name`');
    expect(text).toContain('`oncall off`');
  });

  it('suggests set for a bare UPN or mention', async () => {
    expect(await run('oncall adele.vance@contoso.com')).toContain('Did you mean `oncall set adele.vance@contoso.com`?');
    expect(await run('oncall', [adele])).toContain('Did you mean `oncall set @Adele Vance`?');
  });

  it('gives no close match for something far off', async () => {
    expect(await run('oncall xyzzyplugh')).not.toContain('Did you mean');
  });
});

describe('audit and wiring', () => {
  it('records each change in the audit log with who made it', async () => {
    await run('oncall set', [adele]);
    await run('oncall off');
    // Stamped by the bot's clock, not the wall clock.
    expect((await store.recentAudit()).every((a) => a.at === new Date(T0).toISOString())).toBe(true);
    expect((await store.recentAudit()).map((a) => [a.action, a.actor.name, a.target])).toEqual([
      ['oncall.set', 'Lee Gu', 'aad-adele'],
      ['oncall.off', 'Lee Gu', undefined],
    ]);
  });
});
