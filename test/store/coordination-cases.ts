/**
 * What coordination between replicas promises (src/store/coordination.ts), whatever keeps it: run
 * for one process alone (both callers share its memory) and for two replicas sharing a container
 * on Azurite (see lowdb-store.test.ts and azure-blob.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Coordination } from '../../src/store/coordination.js';

const T0 = new Date('2026-11-30T08:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** `open()` answers two callers sharing fresh coordination (two replicas, or one process twice). */
export function coordinationCases(name: string, open: () => Promise<[Coordination, Coordination]>): void {
  describe(`${name}: coordination between replicas`, () => {
    it('a quota is shared: once its calls are taken, the next waits until the oldest leaves the window', async () => {
      const [a, b] = await open();
      expect(await a.takeQuota('hunting', 3, 60_000, at(0))).toBe(0);
      expect(await b.takeQuota('hunting', 3, 60_000, at(10))).toBe(0);
      expect(await a.takeQuota('hunting', 3, 60_000, at(20))).toBe(0);
      expect(await b.takeQuota('hunting', 3, 60_000, at(30))).toBe(30);
      expect(await a.takeQuota('other', 3, 60_000, at(30))).toBe(0);
      expect(await b.takeQuota('hunting', 3, 60_000, at(61))).toBe(0);
      expect(await a.takeQuota('hunting', 3, 60_000, at(62))).toBe(8);
    });

    it('takes no more calls than the limit when many ask at once', async () => {
      const [a, b] = await open();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeQuota('burst', 4, 60_000, at(i / 10))));
      expect(answers.filter((wait) => wait === 0)).toHaveLength(4);
    });

    it('a lock has one holder; it is extended by its holder, released only by it, and lapses when its holder is gone', async () => {
      const [a, b] = await open();
      expect(await a.acquireLock('incident:7', 'replica-a', at(0), 30_000)).toBe(true);
      expect(await b.acquireLock('incident:7', 'replica-b', at(1), 30_000)).toBe(false);
      expect(await b.acquireLock('incident:8', 'replica-b', at(1), 30_000)).toBe(true);
      expect(await a.acquireLock('incident:7', 'replica-a', at(20), 30_000)).toBe(true);
      expect(await b.acquireLock('incident:7', 'replica-b', at(40), 30_000)).toBe(false);
      await b.releaseLock('incident:7', 'replica-b');
      expect(await b.acquireLock('incident:7', 'replica-b', at(41), 30_000)).toBe(false);
      await a.releaseLock('incident:7', 'replica-a');
      expect(await b.acquireLock('incident:7', 'replica-b', at(42), 30_000)).toBe(true);
      // replica-b dies holding it: the hold lapses.
      expect(await a.acquireLock('incident:7', 'replica-a', at(71), 30_000)).toBe(false);
      expect(await a.acquireLock('incident:7', 'replica-a', at(73), 30_000)).toBe(true);
    });

    it('one holder when five race for a lock', async () => {
      const [a, b] = await open();
      const won = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).acquireLock('race', `replica-${i}`, at(0), 30_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('a kept value is read back by either caller as a copy until it expires; a later one replaces it', async () => {
      const [a, b] = await open();
      const value = { rows: [{ user: 'lee.gu@contoso.com', files: 12 }], ranAt: '2026-11-30T08:00:00Z' };
      await a.keep('hunt:1', value, at(300));
      const read = await b.kept('hunt:1', at(10));
      expect(read).toEqual(value);
      (read as typeof value).rows.length = 0;
      expect(await a.kept('hunt:1', at(11))).toEqual(value);
      await b.keep('hunt:1', { rows: [] }, at(300));
      expect(await a.kept('hunt:1', at(12))).toEqual({ rows: [] });
      expect(await a.kept('hunt:1', at(300))).toBeUndefined();
      expect(await b.kept('hunt:2', at(0))).toBeUndefined();
    });
  });
}
