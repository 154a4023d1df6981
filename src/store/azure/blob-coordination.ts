/**
 * Coordination between replicas (see ../coordination.ts) in the container they share, each an
 * ETag-conditional JSON blob (blob-documents.ts), so two replicas never both win:
 * - a quota is one blob of call times (`quotas/{key}.json`), taken by a conditional rewrite;
 * - a lock is a blob that exists while held (`locks/{key}.json`, created with `If-None-Match: *`,
 *   taken over once its hold lapsed by a write conditional on the lapsed version, released by a
 *   delete conditional on the holder's own version);
 * - a kept value is a blob with its expiry (`kept/{key}.json`); expired ones are read as absent,
 *   and blobs not written for KEPT_AT_MOST_MS are deleted by the replica that keeps the next value.
 */
import { StoreConflictError } from '../../errors.js';
import { quotaWaitSeconds, type Coordination } from '../coordination.js';
import { takeFromWindow } from '../../util/sliding-window.js';
import type { BlobDocuments } from './blob-documents.js';

/** The longest a value is worth keeping (callers keep theirs for minutes); older blobs are swept. */
export const KEPT_AT_MOST_MS = 60 * 60_000;
/** A replica sweeps expired values at most this often. */
const SWEEP_EVERY_MS = 60_000;

type Lock = { holder: string; until: number };
type KeptValue = { until: number; value: unknown };

const blobName = (kind: string, key: string) => `${kind}/${encodeURIComponent(key)}.json`;

export class BlobCoordination implements Coordination {
  private lastSweep = 0;

  constructor(private readonly docs: BlobDocuments) {}

  async takeQuota(key: string, limit: number, windowMs: number, now: Date): Promise<number> {
    const at = now.getTime();
    let wait = 0;
    await this.docs.update<{ calls: number[] }>(blobName('quotas', key), (current) => {
      const taken = takeFromWindow(current?.calls ?? [], { count: limit, perMs: windowMs }, at);
      wait = quotaWaitSeconds(taken.waitMs);
      return wait > 0 ? undefined : { calls: taken.times };
    }, 16);
    return wait;
  }

  async acquireLock(key: string, holder: string, now: Date, holdMs: number): Promise<boolean> {
    const name = blobName('locks', key);
    const mine: Lock = { holder, until: now.getTime() + holdMs };
    try {
      await this.docs.write(name, mine, { ifAbsent: true });
      return true;
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
    }
    const held = await this.docs.read<Lock>(name);
    if (!held) return this.acquireLock(key, holder, now, holdMs);
    if (held.value.holder !== holder && held.value.until > now.getTime()) return false;
    try {
      await this.docs.write(name, mine, { ifVersion: held.version });
      return true;
    } catch (err) {
      if (err instanceof StoreConflictError) return false;
      throw err;
    }
  }

  async releaseLock(key: string, holder: string): Promise<void> {
    const name = blobName('locks', key);
    const held = await this.docs.read<Lock>(name);
    if (held?.value.holder === holder) await this.docs.remove(name, { ifVersion: held.version });
  }

  async keep(key: string, value: unknown, until: Date): Promise<void> {
    await this.docs.write(blobName('kept', key), { until: until.getTime(), value } satisfies KeptValue, { unconditional: true });
    await this.sweep(new Date());
  }

  async kept(key: string, now: Date): Promise<unknown> {
    const found = await this.docs.read<KeptValue>(blobName('kept', key));
    if (!found || found.value.until <= now.getTime()) return undefined;
    return found.value.value;
  }

  /** Delete kept values nobody wrote for an hour (every one has expired by then). */
  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    for (const name of await this.docs.listOlderThan('kept/', new Date(now.getTime() - KEPT_AT_MOST_MS))) await this.docs.remove(name);
  }
}
