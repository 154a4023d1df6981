/**
 * Which replica runs the poll (and the schedules that post: reminders, summaries, hand-overs):
 * the one holding the lease on one blob. Every replica answers Teams; only the leaseholder polls
 * Defender, so two replicas never read the same changes or post the same card at once.
 *
 * A lease lasts 15 to 60 seconds unless renewed (*Lease Blob*,
 * https://learn.microsoft.com/rest/api/storageservices/lease-blob); the holder renews it at a
 * third of its duration. A replica that stops cleanly releases it, and another takes over at its
 * next try; one that dies holding it is replaced once the lease runs out (at most its duration
 * plus one try interval). A holder that fails to renew stops acting as leader at once, before the
 * lease can pass to another.
 */
import { randomUUID } from 'node:crypto';
import { RestError, type BlobLeaseClient, type ContainerClient } from '@azure/storage-blob';
import { createLogger } from '../../logger.js';

const log = createLogger('leader-lease');

export interface LeaderLeaseOptions {
  /** The blob whose lease elects the leader. */
  blobName?: string;
  /** 15–60 s (Azure's bounds). */
  durationSeconds?: number;
  /** How often a replica that is not the leader tries to become it. */
  tryEveryMs?: number;
  /** Told whenever this replica becomes, or stops being, the leader. */
  onChange?: (leader: boolean) => void;
}

export class LeaderLease {
  private lease: BlobLeaseClient | null = null;
  private leader = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly blobName: string;
  private readonly durationSeconds: number;
  private readonly tryEveryMs: number;
  /** This replica's lease id, the same at every try: after a failed renewal it can take its own lease back. */
  private readonly leaseId = randomUUID();

  constructor(
    private readonly container: ContainerClient,
    private readonly options: LeaderLeaseOptions = {},
  ) {
    this.blobName = options.blobName ?? 'leader.lock';
    this.durationSeconds = Math.min(60, Math.max(15, options.durationSeconds ?? 15));
    this.tryEveryMs = options.tryEveryMs ?? 5_000;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Try at once, then keep trying (or renewing) in the background until `stop()`. */
  async start(): Promise<boolean> {
    this.stopped = false;
    await this.tick();
    return this.leader;
  }

  /** Stop trying; the leader releases its lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.leader && this.lease) {
      await this.lease.releaseLease().catch((err: unknown) => log.warn('could not release the leader lease; it runs out by itself', { err }));
    }
    this.setLeader(false);
    this.lease = null;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.leader) await this.renew();
      else await this.tryAcquire();
    } finally {
      if (!this.stopped) {
        const next = this.leader ? (this.durationSeconds * 1000) / 3 : this.tryEveryMs;
        this.timer = setTimeout(() => void this.tick(), next);
        this.timer.unref?.();
      }
    }
  }

  private async tryAcquire(): Promise<void> {
    const blob = this.container.getBlockBlobClient(this.blobName);
    try {
      await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } }).catch((err: unknown) => {
        if (!(err instanceof RestError && (err.statusCode === 409 || err.statusCode === 412))) throw err;
      });
      const lease = blob.getBlobLeaseClient(this.leaseId);
      await lease.acquireLease(this.durationSeconds);
      this.lease = lease;
      this.setLeader(true);
    } catch (err) {
      // 409: another replica holds it. Anything else: storage trouble; try again later either way.
      if (!(err instanceof RestError && err.statusCode === 409)) log.warn('could not try for the leader lease', { err });
    }
  }

  private async renew(): Promise<void> {
    try {
      await this.lease!.renewLease();
    } catch (err) {
      log.warn('lost the leader lease; this replica stops polling', { err });
      this.lease = null;
      this.setLeader(false);
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    log.info(leader ? 'this replica is now the leader: it polls Defender' : 'this replica is no longer the leader', { blob: this.blobName });
    this.options.onChange?.(leader);
  }
}
