import cron, { type ScheduledTask } from 'node-cron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../src/logger.js';
import { HandoverScheduler, handoverNotice, type Schedule } from '../../src/oncall/handover.js';
import { renderCard } from '../../src/cards/render.js';
import { OnCallService } from '../../src/oncall/service.js';
import { Store, type Contact } from '../../src/store/store.js';

let now: Date;
let service: OnCallService;
let tasks: ScheduledTask[];
let announced: string[];
let scheduler: HandoverScheduler;

// Tasks are created but never started, so nothing fires on the wall clock: the test runs them.
const schedule: Schedule = (expression, fn, options) => {
  const task = cron.createTask(expression, fn, options);
  tasks.push(task);
  return task;
};

beforeEach(async () => {
  now = new Date('2026-11-18T12:00:00Z');
  tasks = [];
  announced = [];
  service = new OnCallService({ store: await Store.open(':memory:'), now: () => now });
  scheduler = new HandoverScheduler(service, (onCall: Contact) => void announced.push(onCall.upn), schedule);
});
afterEach(() => scheduler.stop());

describe('hand-over announcements', () => {
  it('schedules the rotation hand-over with node-cron in UTC, and reschedules on change', async () => {
    scheduler.start();
    expect(scheduler.expression).toBeNull();
    await service.setRotation({ members: [{ upn: 'a@contoso.com' }, { upn: 'b@contoso.com' }], every: 'day', at: '09:00' });
    expect(scheduler.expression).toBe('0 9 * * *');
    await service.setRotation({ members: [{ upn: 'a@contoso.com' }, { upn: 'b@contoso.com' }], every: 'week', at: '17:30' });
    expect(scheduler.expression).toBe('30 17 * * 1');
    expect(tasks[0]?.getStatus()).toBe('destroyed');
    await service.off();
    expect(scheduler.expression).toBeNull();
  });

  it('follows a rotation changed on another replica (same store, another process) at its next sync', async () => {
    const store = await Store.open(':memory:');
    const leader = new OnCallService({ store, now: () => now });
    const elsewhere = new OnCallService({ store, now: () => now });
    const following = new HandoverScheduler(leader, () => undefined, schedule);
    following.start();
    await following.sync();
    expect(following.expression).toBeNull();
    await elsewhere.setRotation({ members: [{ upn: 'a@contoso.com' }], every: 'day', at: '07:15' });
    expect(following.expression).toBeNull(); // not heard here
    await following.sync();
    expect(following.expression).toBe('15 7 * * *');
    following.stop();
  });

  it('announces whoever the rotation has on call when the job runs', async () => {
    scheduler.start();
    await service.setRotation({ members: [{ upn: 'a@contoso.com' }, { upn: 'b@contoso.com' }], every: 'day', at: '09:00' });
    now = new Date('2026-11-19T09:00:00Z');
    await tasks.at(-1)?.execute();
    now = new Date('2026-11-20T09:00:00Z');
    await scheduler.handOver();
    expect(announced).toEqual(['b@contoso.com', 'a@contoso.com']);
  });

  it('a failing announcement is logged, not thrown', async () => {
    const failing = new HandoverScheduler(service, () => Promise.reject(new Error('Teams down')), schedule);
    await service.setRotation({ members: [{ upn: 'a@contoso.com' }], every: 'day', at: '09:00' });
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      await expect(failing.handOver()).resolves.toBeUndefined();
    } finally {
      setLogSink((line) => process.stderr.write(line + '\n'));
    }
    expect(lines.join('\n')).toContain('could not announce the on-call hand-over');
  });

  it('the announcement names who is on call escaped: a name cannot make markup or another mention', () => {
    const notice = handoverNotice(service, { upn: 'eve@contoso.com', name: '[click me](https://evil.example/phish) **bold** <at>Eve</at>', teamsId: '29:eve' });
    const card = JSON.stringify(renderCard('notice', notice.card));
    expect(card).toContain('\\\\[click me\\\\](https://evil.example/phish) \\\\*\\\\*bold\\\\*\\\\* \\\\<at\\\\>Eve\\\\</at\\\\> is now on call');
    expect(notice.text).toBe('<at>\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* &lt;at&gt;Eve&lt;/at&gt;</at> is on call now');
    expect(notice.mentions).toEqual([{ type: 'mention', text: notice.text.replace(' is on call now', ''), mentioned: { id: '29:eve', name: '[click me](https://evil.example/phish) **bold** <at>Eve</at>' } }]);
  });
});
