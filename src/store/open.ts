/**
 * The store the configuration asks for, and who among the bot's replicas polls Defender: with
 * lowdb there is one process and it always does; with Azure Blob Storage, the replica holding the
 * container's leader lease does (the others answer Teams and wait to take over).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { AzureBlobStore } from './azure/azure-blob-store.js';
import type { LeaderLeaseOptions } from './azure/leader-lease.js';
import { openStore, type Store } from './store.js';

export interface Leadership {
  /** Whether this process should poll and post scheduled notices now. */
  isLeader(): boolean;
  start(): Promise<unknown>;
  /** Hand over (release the lease), so another replica takes over at once. */
  stop(): Promise<void>;
}

const ALONE: Leadership = { isLeader: () => true, start: async () => true, stop: async () => undefined };

export async function openBotStore(config: Config['store'], scope: string | null, options: { lease?: LeaderLeaseOptions } = {}): Promise<{ store: Store; leadership: Leadership }> {
  if (config.kind === 'lowdb') return { store: await openStore(config.file, scope), leadership: ALONE };
  const store = await AzureBlobStore.open({ connectionString: config.connectionString, container: config.container, scope });
  return { store, leadership: store.leaderLease(options.lease) };
}

/**
 * A name for this replica that no other shares (several may run on one host, or in one process
 * in tests): who claims a card, who holds a lock.
 */
export function replicaName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
