/**
 * The store's named operations and the promises they make about writes: what is saved when, what
 * a failed write keeps, and the pseudonym salt written before it is handed out.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreWriteError } from '../../src/errors.js';
import { Store, type IncidentRecord } from '../../src/store/store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'irm-store-ops-'));
const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { pseudonymSalt?: string; watermark: string | null };
const incidentsOnDisk = (file: string) => (JSON.parse(readFileSync(`${file}.incidents.json`, 'utf8')) as { incidents: Record<string, unknown> }).incidents;
/** lowdb writes a temporary file beside the store and renames it: a directory in its place makes every write fail. */
const blockWrites = (file: string) => {
  const blocker = join(file, '..', '.db.json.tmp');
  mkdirSync(blocker);
  return () => rmdirSync(blocker);
};
const record = (id: string, open = true): IncidentRecord => ({
  id,
  lastUpdateDateTime: '2026-11-20T00:00:00Z',
  createdDateTime: '2026-11-19T00:00:00Z',
  open,
  severity: 'high',
  title: `Incident ${id}`,
  userUpn: null,
});

describe('store operations', () => {
  it('remembers incidents in memory at once and writes them with the next write, in one go', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file);
    await store.saveCursor({ watermark: null });
    await store.rememberIncidents(Array.from({ length: 500 }, (_, i) => record(String(i), i % 2 === 0)));
    expect((await store.incident('7'))?.title).toBe('Incident 7');
    expect(await store.openIncidents()).toHaveLength(250);
    expect(Object.keys(incidentsOnDisk(file))).toHaveLength(0);
    await store.saveCursor({ watermark: '2026-11-20T00:00:00Z' });
    expect(Object.keys(incidentsOnDisk(file))).toHaveLength(500);
  });

  it('flush writes what is held in memory only', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file);
    await store.rememberIncidents([record('2101')]);
    await store.flush();
    expect((await (await Store.open(file)).incident('2101'))?.id).toBe('2101');
  });

  it('a failed write keeps the change, throws StoreWriteError and reports unwritable until a later write saves everything', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file);
    await store.saveCursor({ watermark: '2026-11-19T00:00:00Z' });
    const unblock = blockWrites(file);
    await expect(store.saveDecision({ incidentId: '2101', action: 'startInvestigation', by: { id: 'u', name: 'Alex' }, at: '2026-11-20T00:00:00Z' })).rejects.toBeInstanceOf(StoreWriteError);
    expect((await store.decision('2101'))?.action).toBe('startInvestigation');
    expect(store.health()).toMatchObject({ writable: false });
    // An audit entry never fails the action: it waits in memory too.
    await expect(store.appendAudit({ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action: 'startInvestigation', outcome: 'ok' })).resolves.toBeUndefined();
    unblock();
    await store.saveCursor({ watermark: '2026-11-20T00:00:00Z' });
    expect(store.health()).toEqual({ writable: true });
    const again = await Store.open(file);
    expect((await again.decision('2101'))?.action).toBe('startInvestigation');
    expect(await again.recentAudit()).toHaveLength(1);
  });

  it('writes the pseudonym salt before handing it out, and hands out none it could not write', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file);
    const unblock = blockWrites(file);
    await expect(store.pseudonymSalt()).rejects.toBeInstanceOf(StoreWriteError);
    await expect(store.pseudonymSalt()).rejects.toBeInstanceOf(StoreWriteError);
    unblock();
    const [salt, same] = await Promise.all([store.pseudonymSalt(), store.pseudonymSalt()]);
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    expect(same).toBe(salt);
    expect(onDisk(file).pseudonymSalt).toBe(salt);
    expect(await (await Store.open(file)).pseudonymSalt()).toBe(salt);
  });

  it('keeps posts per incident and conversation, a digest standing for many in one write', async () => {
    const store = await Store.open(':memory:');
    await store.recordPosts(['1', '2', '3'].map((incidentId) => ({ incidentId, conversationKey: 'c1', activityId: 'digest-1', postedAt: '2026-11-20T00:00:00Z', kind: 'digest' as const })));
    await store.recordPost({ incidentId: '2', conversationKey: 'c1', activityId: 'card-2', postedAt: '2026-11-20T00:01:00Z' });
    expect((await store.post('1', 'c1'))?.activityId).toBe('digest-1');
    expect((await store.post('2', 'c1'))?.activityId).toBe('card-2');
    expect(await store.postsFor('3')).toHaveLength(1);
    expect(await store.post('4', 'c1')).toBeUndefined();
    expect((await store.counts()).posts).toBe(3);
  });

  it('an outside change that changed the decision overtakes the Teams decision', async () => {
    const store = await Store.open(':memory:');
    const decision = { incidentId: '2101', action: 'resolve' as const, by: { id: 'u', name: 'Alex' }, at: '2026-11-20T00:00:00Z' };
    await store.saveDecision(decision);
    await store.recordOutsideChange('2101', { text: 'assigned to Lee', at: '2026-11-20T00:01:00Z' }, { overtakesDecision: false });
    expect(await store.decision('2101')).toEqual(decision);
    await store.recordOutsideChange('2101', { text: 'resolved in the portal', at: '2026-11-20T00:02:00Z' }, { overtakesDecision: true });
    expect(await store.decision('2101')).toBeUndefined();
    expect((await store.outsideChange('2101'))?.text).toBe('resolved in the portal');
  });

  it('a withdrawn pending decision gives way to the one before, unless another replaced it', async () => {
    const store = await Store.open(':memory:');
    const before = { incidentId: '2101', action: 'startInvestigation' as const, by: { id: 'u', name: 'Alex' }, at: '2026-11-20T00:00:00Z' };
    const pending = { incidentId: '2101', action: 'resolve' as const, by: { id: 'u', name: 'Alex' }, at: '2026-11-20T00:05:00Z', pending: true };
    await store.saveDecision(before);
    await store.saveDecision(pending);
    await store.withdrawDecision(pending, before);
    expect(await store.decision('2101')).toEqual(before);
    const other = { ...pending, at: '2026-11-20T00:06:00Z' };
    await store.saveDecision(other);
    await store.withdrawDecision(pending, before);
    expect(await store.decision('2101')).toEqual(other);
  });

  it('counts attempts at an unreadable incident from when they began', async () => {
    const store = await Store.open(':memory:');
    await store.noteUnreadable('2101', '500', '2026-11-20T00:00:00Z');
    await store.noteUnreadable('2101', '503', '2026-11-20T00:01:00Z');
    expect(await store.unreadableIncidents()).toEqual({ '2101': { since: '2026-11-20T00:00:00Z', error: '503', attempts: 2 } });
    await store.forgetUnreadable('2101');
    expect(await store.unreadableIncidents()).toEqual({});
  });

  it('keeps the first time a reminder went out', async () => {
    const store = await Store.open(':memory:');
    await store.markReminderSent('2101', 'reminder', '2026-11-20T00:00:00Z');
    await store.markReminderSent('2101', 'reminder', '2026-11-20T00:05:00Z');
    await store.markReminderSent('2101', 'escalation', '2026-11-20T00:10:00Z');
    expect(await store.reminder('2101')).toEqual({ remindedAt: '2026-11-20T00:00:00Z', escalatedAt: '2026-11-20T00:10:00Z' });
    await store.forgetReminders(['2101']);
    expect(await store.reminders()).toEqual({});
  });

  it('changes a conversation it knows, and leaves one it has left gone', async () => {
    const store = await Store.open(':memory:');
    await store.saveConversation({ key: 'c1', kind: 'channel', reference: {}, installedAt: '2026-11-20T00:00:00Z', backfilled: false });
    await store.markBackfilled('c1');
    await store.setSubscription('c1', null);
    expect(await store.conversation('c1')).toMatchObject({ backfilled: true, subscription: null });
    await store.removeConversation('c1');
    await store.setSubscription('c1', { minSeverity: 'high', users: [], sources: [] });
    expect(await store.conversation('c1')).toBeUndefined();
    expect(await store.conversations()).toEqual([]);
  });

  it('hands out copies of the on-call state: changing one changes nothing stored', async () => {
    const store = await Store.open(':memory:');
    const state = await store.onCall();
    state.current = { upn: 'lee.gu@contoso.com' };
    expect((await store.onCall()).current).toBeNull();
  });
});
