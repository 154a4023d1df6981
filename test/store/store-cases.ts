/**
 * What every store implementation promises, whatever keeps its records: run against each one
 * (see lowdb-store.test.ts). Only the named operations are used, never how a store keeps them.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentRecord, Store } from '../../src/store/store.js';

/** An incident as the store keeps it (the cases' and the other store tests' one factory). */
export const record = (id: string, open = true): IncidentRecord => ({
  id,
  lastUpdateDateTime: '2026-11-20T00:00:00Z',
  createdDateTime: '2026-11-19T00:00:00Z',
  open,
  severity: 'high',
  title: `Incident ${id}`,
  userUpn: null,
});

/** The cases, for a store `open()` makes fresh (empty) for each. */
export function storeCases(name: string, open: () => Promise<Store>): void {
  describe(`${name}: the store's named operations`, () => {
    it('keeps posts per incident and conversation, a digest standing for many in one write', async () => {
      const store = await open();
      await store.recordPosts(['1', '2', '3'].map((incidentId) => ({ incidentId, conversationKey: 'c1', activityId: 'digest-1', postedAt: '2026-11-20T00:00:00Z', kind: 'digest' as const })));
      await store.recordPost({ incidentId: '2', conversationKey: 'c1', activityId: 'card-2', postedAt: '2026-11-20T00:01:00Z' });
      expect((await store.post('1', 'c1'))?.activityId).toBe('digest-1');
      expect((await store.post('2', 'c1'))?.activityId).toBe('card-2');
      expect(await store.postsFor('3')).toHaveLength(1);
      expect(await store.post('4', 'c1')).toBeUndefined();
      expect((await store.counts()).posts).toBe(3);
      expect(await store.postedIn('c1', ['1', '2', '4'])).toEqual(new Set(['1', '2']));
      expect(await store.postedIn('c2', ['1', '2'])).toEqual(new Set());
    });

    it('an outside change that changed the decision overtakes the Teams decision', async () => {
      const store = await open();
      const decision = { incidentId: '2101', action: 'resolve' as const, by: { id: 'u', name: 'Alex' }, at: '2026-11-20T00:00:00Z' };
      await store.saveDecision(decision);
      await store.recordOutsideChange('2101', { text: 'assigned to Lee', at: '2026-11-20T00:01:00Z' }, { overtakesDecision: false });
      expect(await store.decision('2101')).toEqual(decision);
      await store.recordOutsideChange('2101', { text: 'resolved in the portal', at: '2026-11-20T00:02:00Z' }, { overtakesDecision: true });
      expect(await store.decision('2101')).toBeUndefined();
      expect((await store.outsideChange('2101'))?.text).toBe('resolved in the portal');
    });

    it('a withdrawn pending decision gives way to the one before, unless another replaced it', async () => {
      const store = await open();
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
      const store = await open();
      await store.noteUnreadable('2101', '500', '2026-11-20T00:00:00Z');
      await store.noteUnreadable('2101', '503', '2026-11-20T00:01:00Z');
      expect(await store.unreadableIncidents()).toEqual({ '2101': { since: '2026-11-20T00:00:00Z', error: '503', attempts: 2 } });
      await store.forgetUnreadable('2101');
      expect(await store.unreadableIncidents()).toEqual({});
    });

    it('keeps the first time a reminder went out', async () => {
      const store = await open();
      await store.markReminderSent('2101', 'reminder', '2026-11-20T00:00:00Z');
      await store.markReminderSent('2101', 'reminder', '2026-11-20T00:05:00Z');
      await store.markReminderSent('2101', 'escalation', '2026-11-20T00:10:00Z');
      expect(await store.reminder('2101')).toEqual({ remindedAt: '2026-11-20T00:00:00Z', escalatedAt: '2026-11-20T00:10:00Z' });
      await store.forgetReminders(['2101']);
      expect(await store.reminders()).toEqual({});
    });

    it('changes a conversation it knows, and leaves one it has left gone', async () => {
      const store = await open();
      await store.saveConversation({ key: 'c1', kind: 'channel', reference: {}, installedAt: '2026-11-20T00:00:00Z', backfilled: false });
      await store.markBackfilled('c1');
      await store.setSubscription('c1', null);
      expect(await store.conversation('c1')).toMatchObject({ backfilled: true, subscription: null });
      await store.removeConversation('c1');
      await store.setSubscription('c1', { minSeverity: 'high', users: [], sources: [] });
      expect(await store.conversation('c1')).toBeUndefined();
      expect(await store.conversations()).toEqual([]);
    });

    it('remembers that the bot introduced itself, the first time, after it left the conversation too', async () => {
      const store = await open();
      await store.saveConversation({ key: 'c1', kind: 'personal', reference: {}, installedAt: '2026-11-20T00:00:00Z', backfilled: false });
      expect(await store.welcomedAt('c1')).toBeUndefined();
      await store.markWelcomed('c1', '2026-11-20T00:00:05Z');
      await store.markWelcomed('c1', '2026-11-21T00:00:00Z');
      await store.removeConversation('c1');
      expect(await store.welcomedAt('c1')).toBe('2026-11-20T00:00:05Z');
      expect(await store.welcomedAt('c2')).toBeUndefined();
    });

    it('hands out copies of the on-call state: changing one changes nothing stored', async () => {
      const store = await open();
      const state = await store.onCall();
      state.current = { upn: 'lee.gu@contoso.com' };
      expect((await store.onCall()).current).toBeNull();
    });

    it('remembers incidents, all in one go, and lists the open ones', async () => {
      const store = await open();
      await store.rememberIncidents([record('1'), record('2', false), record('3')]);
      await store.flush();
      expect((await store.incident('2'))?.open).toBe(false);
      expect((await store.openIncidents()).map((i) => i.id).sort()).toEqual(['1', '3']);
      await store.rememberIncidents([{ ...record('1', false), title: 'Resolved' }]);
      await store.saveCursor({ watermark: '2026-11-20T00:00:00Z' });
      expect((await store.openIncidents()).map((i) => i.id)).toEqual(['3']);
      expect((await store.incident('1'))?.title).toBe('Resolved');
      expect((await store.counts()).incidents).toBe(3);
    });

    it("finds every incident remembered about a person, open or not, by UPN in any case", async () => {
      const store = await open();
      const about = (id: string, upn: string | null, isOpen = true) => ({ ...record(id, isOpen), userUpn: upn });
      await store.rememberIncidents([about('1', 'adele.vance@contoso.com'), about('2', 'Adele.Vance@contoso.com', false), about('3', 'lee.gu@contoso.com'), about('4', null)]);
      // Found before and after the remembered incidents are written.
      expect((await store.incidentsAbout('ADELE.VANCE@contoso.com')).map((i) => i.id).sort()).toEqual(['1', '2']);
      await store.flush();
      expect((await store.incidentsAbout('adele.vance@contoso.com')).map((i) => i.id).sort()).toEqual(['1', '2']);
      expect(await store.incidentsAbout('nobody@contoso.com')).toEqual([]);
    });

    it('keeps the cursor field by field', async () => {
      const store = await open();
      expect(await store.cursor()).toEqual({ watermark: null, lastSummaryAt: null, watchingSince: null });
      await store.saveCursor({ watermark: '2026-11-20T00:00:00Z', watchingSince: '2026-11-19T00:00:00Z' });
      await store.saveCursor({ lastSummaryAt: '2026-11-20T08:00:00Z' });
      expect(await store.cursor()).toEqual({ watermark: '2026-11-20T00:00:00Z', lastSummaryAt: '2026-11-20T08:00:00Z', watchingSince: '2026-11-19T00:00:00Z' });
    });

    it('hands out one pseudonym salt, the same every time', async () => {
      const store = await open();
      const [salt, again] = await Promise.all([store.pseudonymSalt(), store.pseudonymSalt()]);
      expect(salt).toMatch(/^[0-9a-f]{32}$/);
      expect(again).toBe(salt);
      expect(await store.pseudonymSalt()).toBe(salt);
    });

    it('tracks IRM sync until it is forgotten, overdue once marked', async () => {
      const store = await open();
      await store.trackIrmSync('2101', { expected: 'Confirmed', since: '2026-11-20T00:00:00Z', overdue: false });
      await store.markIrmSyncOverdue('2101');
      await store.markIrmSyncOverdue('2102');
      expect(await store.irmSyncPending()).toEqual({ '2101': { expected: 'Confirmed', since: '2026-11-20T00:00:00Z', overdue: true } });
      await store.forgetIrmSync('2101');
      expect(await store.irmSync('2101')).toBeUndefined();
    });

    it('remembers viewers and answers the newest audit entries, oldest first', async () => {
      const store = await open();
      await store.rememberViewer('29:alex', { name: 'Alex', seenAt: '2026-11-20T00:00:00Z' });
      expect(await store.viewers()).toEqual({ '29:alex': { name: 'Alex', seenAt: '2026-11-20T00:00:00Z' } });
      for (const action of ['a', 'b', 'c']) await store.appendAudit({ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action, outcome: 'ok' });
      expect((await store.recentAudit()).map((e) => e.action)).toEqual(['a', 'b', 'c']);
      expect((await store.recentAudit(2)).map((e) => e.action)).toEqual(['b', 'c']);
      expect(store.health()).toEqual({ writable: true });
    });
  });
}
