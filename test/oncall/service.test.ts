import { beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '../../src/errors.js';
import { OnCallService, parseOnCallSettings, type DueNotice, type OpenIncident } from '../../src/oncall/service.js';
import { Store, type Contact } from '../../src/store/store.js';

const adele: Contact = { upn: 'adele.vance@contoso.com', name: 'Adele Vance', teamsId: '29:adele', aadObjectId: 'aad-adele' };
const lee: Contact = { upn: 'lee.gu@contoso.com', name: 'Lee Gu' };
const megan: Contact = { upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' };

const T0 = Date.parse('2026-11-18T12:00:00Z');
const MIN = 60_000;
let now: Date;
let store: Store;
let service: OnCallService;

const make = (settings?: ConstructorParameters<typeof OnCallService>[0]['settings']) => new OnCallService({ store, now: () => now, ...(settings ? { settings } : {}) });
const incident = (over: Partial<OpenIncident> = {}): OpenIncident => ({ id: '2101', status: 'active', createdDateTime: new Date(T0).toISOString(), severity: 'high', title: 'Data exfiltration', ...over });
const summary = (notices: DueNotice[]) => notices.map((n) => `${n.kind}:${n.incidentId}:${n.contact.upn}`);
const at = (minutes: number) => {
  now = new Date(T0 + minutes * MIN);
};

beforeEach(async () => {
  now = new Date(T0);
  store = await Store.open(':memory:');
  service = make();
});

describe('settings', () => {
  it('defaults to High, 15 and 15 minutes', async () => {
    expect(await service.settings()).toEqual({ mentionMinSeverity: 'high', remindAfterMinutes: 15, escalateAfterMinutes: 15 });
  });

  it('accepts strings as the configuration gives them', () => {
    expect(parseOnCallSettings({ mentionMinSeverity: 'Medium', remindAfterMinutes: '10', escalateAfterMinutes: '30' })).toEqual({ mentionMinSeverity: 'medium', remindAfterMinutes: 10, escalateAfterMinutes: 30 });
  });

  it.each([
    [{ mentionMinSeverity: 'critical' }, 'The mention threshold must be low, medium or high.'],
    [{ mentionMinSeverity: 'informational' }, 'must be low, medium or high'],
    [{ remindAfterMinutes: 0 }, 'The reminder delay must be a whole number of minutes from 1 to 10080'],
    [{ remindAfterMinutes: 'soon' }, 'reminder delay must be a whole number of minutes'],
    [{ escalateAfterMinutes: 2.5 }, 'The escalation delay must be a whole number of minutes'],
  ])('refuses %j with what it expects', (settings, message) => {
    expect(() => make(settings)).toThrow(BadInputError);
    expect(() => make(settings)).toThrow(message);
  });

  it('configure changes settings and validates them', async () => {
    await service.configure({ mentionMinSeverity: 'low' });
    expect((await service.settings()).mentionMinSeverity).toBe('low');
    await expect(service.configure({ remindAfterMinutes: -1 })).rejects.toThrow(BadInputError);
    expect((await service.settings()).remindAfterMinutes).toBe(15);
  });
});

describe('shouldMention', () => {
  it.each([
    ['high', ['high'], ['medium', 'low', 'informational', 'unknown']],
    ['medium', ['high', 'medium', 'Medium'], ['low', 'informational', 'unknownFutureValue']],
    ['low', ['high', 'medium', 'low'], ['informational', 'unknown', '']],
  ] as const)('with the threshold at %s', async (threshold, yes, no) => {
    const s = make({ mentionMinSeverity: threshold });
    for (const severity of yes) expect(await s.shouldMention(severity), severity).toBe(true);
    for (const severity of no) expect(await s.shouldMention(severity), severity).toBe(false);
  });
});

describe('mentionOf', () => {
  it('mentions by Teams id, then Entra object id, then UPN', () => {
    expect(service.mentionOf(adele)).toEqual({ text: '<at>Adele Vance</at>', entity: { type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: '29:adele', name: 'Adele Vance' } } });
    expect(service.mentionOf({ upn: 'aad-1', name: 'Lee', aadObjectId: 'aad-1' }).entity.mentioned.id).toBe('aad-1');
    expect(service.mentionOf(lee).entity.mentioned).toEqual({ id: 'lee.gu@contoso.com', name: 'Lee Gu' });
    expect(service.mentionOf({ upn: 'x@contoso.com' }).text).toBe('<at>x@contoso.com</at>');
  });

  it('keeps markup out of the mention text', () => {
    const mention = service.mentionOf({ upn: 'x@contoso.com', name: 'A <b>&</b>' });
    expect(mention.text).toBe('<at>A &lt;b&gt;&amp;&lt;/b&gt;</at>');
    expect(mention.entity.text).toBe(mention.text);
  });
});

describe('on-call state', () => {
  it('set, rotation, escalation and off persist in the store', async () => {
    await service.set(lee);
    expect(await service.current()).toEqual(lee);
    expect((await store.onCall()).currentSetAt).toBe(now.toISOString());
    await service.setEscalation(megan);
    expect(await service.escalationContact()).toEqual(megan);
    await service.setRotation({ members: [adele, lee], every: 'day', at: '09:00' });
    expect((await store.onCall()).rotation?.startedAt).toBe(now.toISOString());
    expect(await service.current()).toEqual(adele);
    expect((await service.nextHandover())?.to).toEqual(lee);
    await service.off();
    expect((await store.onCall())).toEqual({ current: null, currentSetAt: null, rotation: null, escalation: null });
    expect(await service.current()).toBeNull();
  });

  it('setting someone by UPN keeps what is known of them from the rotation', async () => {
    await service.setRotation({ members: [adele, lee], every: 'day', at: '09:00' });
    const set = await service.set({ upn: 'ADELE.vance@contoso.com' });
    expect(set).toEqual({ upn: 'ADELE.vance@contoso.com', name: 'Adele Vance', teamsId: '29:adele', aadObjectId: 'aad-adele' });
  });

  it('tells listeners of changes', async () => {
    let heard = 0;
    const stop = service.onChange(() => heard++);
    await service.set(lee);
    await service.setRotation({ members: [adele], every: 'week', at: '09:00' });
    stop();
    await service.off();
    expect(heard).toBe(2);
  });

  it('without an escalation contact, escalates to the next member of the rotation', async () => {
    await service.setRotation({ members: [adele, lee, megan], every: 'day', at: '09:00' });
    expect(await service.escalationContact()).toEqual(lee);
    at(24 * 60); // next day: Lee on call
    expect(await service.current()).toEqual(lee);
    expect(await service.escalationContact()).toEqual(megan);
    await service.set({ upn: 'alex.wilber@contoso.com' }); // not a member: the member on duty
    expect(await service.escalationContact()).toEqual(lee);
    await service.setRotation({ members: [adele], every: 'day', at: '09:00' });
    expect(await service.escalationContact()).toBeNull();
  });
});

describe('reminders', () => {
  beforeEach(async () => {
    await service.set(adele);
    await service.setEscalation(megan);
  });

  it('nothing before N minutes; one reminder at N; nothing more until escalation', async () => {
    at(14.99);
    expect(await service.due([incident()])).toEqual([]);
    at(15);
    expect(await service.due([incident()])).toEqual([{ incidentId: '2101', kind: 'reminder', contact: adele, title: 'Data exfiltration' }]);
    expect(await service.due([incident()])).toHaveLength(1); // due() only reads
    await service.markSent('2101', 'reminder');
    expect((await store.reminder('2101'))).toEqual({ remindedAt: now.toISOString() });
    at(29.99);
    expect(await service.due([incident()])).toEqual([]);
    at(30);
    expect(summary(await service.due([incident()]))).toEqual(['escalation:2101:megan.bowen@contoso.com']);
    await service.markSent('2101', 'escalation');
    at(600);
    expect(await service.due([incident()])).toEqual([]);
  });

  it('fires once each at the configured times when polled every 30 seconds', async () => {
    const s = make({ remindAfterMinutes: 10, escalateAfterMinutes: 20 });
    const fired: string[] = [];
    for (let m = 0; m <= 180; m += 0.5) {
      at(m);
      for (const notice of await s.due([incident(), incident({ id: '2102', createdDateTime: new Date(T0 + 7 * MIN).toISOString() })])) {
        fired.push(`${notice.kind} ${notice.incidentId} at ${m}`);
        await s.markSent(notice.incidentId, notice.kind);
      }
    }
    expect(fired).toEqual(['reminder 2101 at 10', 'reminder 2102 at 17', 'escalation 2101 at 30', 'escalation 2102 at 37']);
  });

  it.each(['inProgress', 'resolved', 'redirected'])('nothing for an incident %s', async (status) => {
    at(60);
    expect(await service.due([incident({ status })])).toEqual([]);
  });

  it('nothing for incidents below the mention threshold', async () => {
    at(60);
    expect(await service.due([incident({ severity: 'medium' })])).toEqual([]);
    expect(summary(await make({ mentionMinSeverity: 'medium' }).due([incident({ severity: 'medium' })]))).toEqual(['reminder:2101:adele.vance@contoso.com']);
  });

  it('an incident first seen long after it was created gets its reminder now and its escalation M minutes later', async () => {
    at(120);
    expect(summary(await service.due([incident()]))).toEqual(['reminder:2101:adele.vance@contoso.com']);
    await service.markSent('2101', 'reminder');
    at(134);
    expect(await service.due([incident()])).toEqual([]);
    at(135);
    expect(summary(await service.due([incident()]))).toEqual(['escalation:2101:megan.bowen@contoso.com']);
  });

  it('with nobody on call: no reminder, and the escalation at N+M', async () => {
    await service.set(null);
    at(29);
    expect(await service.due([incident()])).toEqual([]);
    at(30);
    expect(summary(await service.due([incident()]))).toEqual(['escalation:2101:megan.bowen@contoso.com']);
  });

  it('with nobody to escalate to: the reminder only', async () => {
    await service.setEscalation(null);
    at(60);
    expect(summary(await service.due([incident()]))).toEqual(['reminder:2101:adele.vance@contoso.com']);
    await service.markSent('2101', 'reminder');
    at(600);
    expect(await service.due([incident()])).toEqual([]);
  });

  it('reminds whoever is on call when the reminder is due', async () => {
    await service.setRotation({ members: [lee, megan], every: 'day', at: '12:10' });
    await service.setEscalation(null);
    at(15); // hand-over at 12:10: Megan on call
    expect(summary(await service.due([incident()]))).toEqual(['reminder:2101:megan.bowen@contoso.com']);
    await service.markSent('2101', 'reminder');
    at(30);
    expect(summary(await service.due([incident()]))).toEqual(['escalation:2101:lee.gu@contoso.com']);
  });

  it('ignores incidents with an unreadable creation time', async () => {
    at(60);
    expect(await service.due([incident({ createdDateTime: 'yesterday' })])).toEqual([]);
  });

  it('markSent keeps the first time; prune forgets incidents no longer open', async () => {
    at(15);
    await service.markSent('2101', 'reminder');
    at(16);
    await service.markSent('2101', 'reminder');
    await service.markSent('2102', 'escalation');
    expect((await store.reminder('2101'))?.remindedAt).toBe(new Date(T0 + 15 * MIN).toISOString());
    expect(await service.prune(['2101'])).toBe(1);
    expect(Object.keys(await store.reminders())).toEqual(['2101']);
    expect(await service.prune(['2101'])).toBe(0);
  });
});
