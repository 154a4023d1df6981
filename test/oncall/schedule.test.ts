import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../src/errors.js';
import { cronFor, nextHandover, onCallAt, parseRotation, parseTime, type Rotation } from '../../src/oncall/schedule.js';
import type { Contact, OnCallState } from '../../src/store/store.js';

const adele: Contact = { upn: 'adele.vance@contoso.com', name: 'Adele Vance' };
const lee: Contact = { upn: 'lee.gu@contoso.com', name: 'Lee Gu' };
const megan: Contact = { upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' };
const alex: Contact = { upn: 'alex.wilber@contoso.com', name: 'Alex Wilber' };

// 2026-11-18 is a Wednesday; 2026-11-23 and 2026-11-30 are Mondays.
const at = (iso: string) => new Date(iso);
const state = (rotation: Partial<Rotation> | null, current: Contact | null = null, currentSetAt: string | null = null): OnCallState => ({
  current,
  currentSetAt,
  rotation: rotation ? { members: [adele, lee, megan], every: 'day', at: '09:00', startedAt: '2026-11-18T12:00:00Z', ...rotation } : null,
  escalation: null,
});
const who = (s: OnCallState, iso: string) => onCallAt(s, at(iso))?.upn ?? null;

const badInput = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadInputError);
    return (err as Error).message;
  }
  throw new Error('expected a BadInputError');
};

describe('parseTime', () => {
  it.each([
    ['09:00', '09:00'],
    ['9:00', '09:00'],
    ['9', '09:00'],
    ['9am', '09:00'],
    ['9 AM', '09:00'],
    ['5pm', '17:00'],
    ['5:30pm', '17:30'],
    ['12am', '00:00'],
    ['12pm', '12:00'],
    ['23:59', '23:59'],
    ['0:05', '00:05'],
  ])('reads %s as %s', (input, expected) => {
    expect(parseTime(input)).toBe(expected);
  });

  it.each(['25:00', '9:60', '13pm', '0am', 'noon', '', '0900', '9:0', '-1:00'])('refuses %j with what it expects', (input) => {
    expect(badInput(() => parseTime(input))).toContain('at must be a time such as 09:00');
  });
});

describe('parseRotation', () => {
  it('reads members, every and at, with commas, spaces or both between members', () => {
    expect(parseRotation(['Adele.Vance@contoso.com,lee.gu@contoso.com', 'every', 'week', 'at', '9am'])).toEqual({
      members: [{ upn: 'adele.vance@contoso.com' }, { upn: 'lee.gu@contoso.com' }],
      every: 'week',
      at: '09:00',
    });
    expect(parseRotation(['adele.vance@contoso.com,', 'lee.gu@contoso.com', 'megan.bowen@contoso.com', 'every', 'day', 'at', '5', 'pm'])).toMatchObject({
      members: [{ upn: 'adele.vance@contoso.com' }, { upn: 'lee.gu@contoso.com' }, { upn: 'megan.bowen@contoso.com' }],
      every: 'day',
      at: '17:00',
    });
    expect(parseRotation(['a@contoso.com', 'every', 'Daily', 'at', '08:30']).every).toBe('day');
  });

  it('adds @mentioned people after the typed names', () => {
    const mentioned: Contact = { upn: 'aad-1', name: 'Lee Gu', teamsId: '29:lee', aadObjectId: 'aad-1' };
    expect(parseRotation(['adele.vance@contoso.com', 'every', 'day', 'at', '09:00'], [mentioned]).members).toEqual([{ upn: 'adele.vance@contoso.com' }, mentioned]);
    expect(parseRotation(['every', 'day', 'at', '09:00'], [mentioned]).members).toEqual([mentioned]);
  });

  it.each([
    [['alex@', 'every', 'day', 'at', '09:00'], 'alex@ is not a user principal name such as adele.vance@contoso.com'],
    [['alex', 'every', 'day', 'at', '09:00'], 'alex is not a user principal name'],
    [['a@contoso.com', 'every', 'month', 'at', '09:00'], 'every must be day or week'],
    [['a@contoso.com', 'every', 'day', 'at', '25:00'], 'at must be a time such as 09:00'],
    [['a@contoso.com', 'every', 'day', 'at'], 'at must be a time such as 09:00'],
    [['a@contoso.com', 'every', 'day'], 'At what time'],
    [['a@contoso.com'], 'How often'],
    [['every', 'day', 'at', '09:00'], 'Who is in the rotation?'],
    [['a@contoso.com,A@contoso.com', 'every', 'day', 'at', '09:00'], 'is in the rotation twice'],
    [['a@contoso.com', 'every', '2', 'days', 'at', '09:00'], 'every must be followed by one word, day or week'],
  ])('refuses %j with what it expects', (tokens, message) => {
    expect(badInput(() => parseRotation(tokens))).toContain(message);
  });

  it('does not echo hostile input verbatim', () => {
    expect(badInput(() => parseRotation(['`x`\u202e@', 'every', 'day', 'at', '09:00']))).not.toMatch(/[`\u202e]/);
  });
});

describe('cronFor', () => {
  it('hands over daily at the time, weekly on Mondays, and node-cron accepts both', () => {
    expect(cronFor({ every: 'day', at: '09:00' })).toBe('0 9 * * *');
    expect(cronFor({ every: 'week', at: '17:30' })).toBe('30 17 * * 1');
    expect(cron.validate(cronFor({ every: 'day', at: '00:00' }))).toBe(true);
  });

  it('refuses a time that is not HH:MM', () => {
    expect(badInput(() => cronFor({ every: 'day', at: '9:00' }))).toContain('at must be a time such as 09:00');
    expect(badInput(() => cronFor({ every: 'day', at: '24:00' }))).toContain('09:00');
  });

  it.each(['day', 'week'] as const)('agrees with node-cron on the next %s hand-over', async (every) => {
    const now = new Date();
    const s = state({ every, at: '06:45', startedAt: new Date(now.getTime() - 40 * 86_400_000).toISOString() });
    const task = cron.schedule(cronFor({ every, at: '06:45' }), () => undefined, { timezone: 'Etc/UTC' });
    try {
      expect(nextHandover(s, now)?.at.getTime()).toBe(task.getNextRun()?.getTime());
    } finally {
      await task.destroy();
    }
  });
});

describe('onCallAt, daily rotation', () => {
  const daily = state({});

  it('the first member is on call from the start until the first hand-over', () => {
    expect(who(daily, '2026-11-18T12:00:00Z')).toBe(adele.upn);
    expect(who(daily, '2026-11-19T08:59:59Z')).toBe(adele.upn);
    expect(who(daily, '2026-11-10T00:00:00Z')).toBe(adele.upn);
  });

  it('hands over every day at the time and wraps around', () => {
    expect(who(daily, '2026-11-19T09:00:00Z')).toBe(lee.upn);
    expect(who(daily, '2026-11-20T08:59:00Z')).toBe(lee.upn);
    expect(who(daily, '2026-11-20T09:00:00Z')).toBe(megan.upn);
    expect(who(daily, '2026-11-21T09:00:00Z')).toBe(adele.upn);
    expect(who(daily, '2026-11-28T10:00:00Z')).toBe(lee.upn); // 10 hand-overs: 10 % 3 = 1
  });

  it('a rotation started at the hand-over time hands over a full day later', () => {
    const s = state({ startedAt: '2026-11-19T09:00:00Z' });
    expect(who(s, '2026-11-19T09:00:00Z')).toBe(adele.upn);
    expect(who(s, '2026-11-20T08:59:00Z')).toBe(adele.upn);
    expect(who(s, '2026-11-20T09:00:00Z')).toBe(lee.upn);
  });

  it('a late-evening hand-over time counts the same way', () => {
    const s = state({ at: '23:30', startedAt: '2026-11-18T23:45:00Z' });
    expect(who(s, '2026-11-19T23:29:00Z')).toBe(adele.upn);
    expect(who(s, '2026-11-19T23:30:00Z')).toBe(lee.upn);
  });

  it('names the next hand-over and who takes over', () => {
    expect(nextHandover(daily, at('2026-11-18T12:00:00Z'))).toEqual({ at: at('2026-11-19T09:00:00Z'), to: lee });
    expect(nextHandover(daily, at('2026-11-19T09:00:00Z'))).toEqual({ at: at('2026-11-20T09:00:00Z'), to: megan });
    expect(nextHandover(state(null), at('2026-11-19T09:00:00Z'))).toBeNull();
  });
});

describe('onCallAt, weekly rotation', () => {
  const weekly = state({ every: 'week' });

  it('hands over on Mondays at the time', () => {
    expect(who(weekly, '2026-11-21T09:00:00Z')).toBe(adele.upn); // Saturday
    expect(who(weekly, '2026-11-23T08:59:00Z')).toBe(adele.upn);
    expect(who(weekly, '2026-11-23T09:00:00Z')).toBe(lee.upn);
    expect(who(weekly, '2026-11-29T23:59:00Z')).toBe(lee.upn);
    expect(who(weekly, '2026-11-30T09:00:00Z')).toBe(megan.upn);
    expect(who(weekly, '2026-12-07T09:00:00Z')).toBe(adele.upn);
    expect(nextHandover(weekly, at('2026-11-18T12:00:00Z'))?.at).toEqual(at('2026-11-23T09:00:00Z'));
  });

  it('started on a Monday after the time, the first hand-over is a week later', () => {
    const s = state({ every: 'week', startedAt: '2026-11-23T10:00:00Z' });
    expect(who(s, '2026-11-30T08:59:00Z')).toBe(adele.upn);
    expect(who(s, '2026-11-30T09:00:00Z')).toBe(lee.upn);
  });
});

describe('onCallAt, set by hand', () => {
  it('without a rotation, the person set stays on call', () => {
    expect(who(state(null, alex, '2026-11-18T12:00:00Z'), '2027-01-01T00:00:00Z')).toBe(alex.upn);
    expect(who(state(null), '2027-01-01T00:00:00Z')).toBeNull();
  });

  it('overrides the rotation until its next hand-over', () => {
    const s = state({}, alex, '2026-11-19T10:00:00Z'); // Lee's day
    expect(who(s, '2026-11-19T09:30:00Z')).toBe(lee.upn); // before it was set (reading the past)
    expect(who(s, '2026-11-19T10:00:00Z')).toBe(alex.upn);
    expect(who(s, '2026-11-20T08:59:00Z')).toBe(alex.upn);
    expect(who(s, '2026-11-20T09:00:00Z')).toBe(megan.upn);
  });

  it('before the first hand-over, the person set wins over the first member', () => {
    expect(who(state({}, alex, '2026-11-18T13:00:00Z'), '2026-11-18T14:00:00Z')).toBe(alex.upn);
  });

  it('a person set before the rotation started does not override it', () => {
    expect(who(state({}, alex, '2026-11-18T11:00:00Z'), '2026-11-18T14:00:00Z')).toBe(adele.upn);
  });
});
