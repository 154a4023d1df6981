/**
 * The store replicas share, on Azurite: the store's promises (the same cases as lowdb), what one
 * replica writes the others read, one claim per card, and the pieces under it: conditional
 * writes, append-only logs, the leader lease.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../src/errors.js';
import { BlobDocuments } from '../../src/store/azure/blob-documents.js';
import { AzureBlobStore, CLAIM_HOLDS_MS } from '../../src/store/azure/azure-blob-store.js';
import { KeyedDocuments } from '../../src/store/azure/keyed-documents.js';
import { LeaderLease } from '../../src/store/azure/leader-lease.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { coordinationCases } from './coordination-cases.js';
import { storeCases } from './store-cases.js';

let azurite: Azurite;
let container: ContainerClient;
let n = 0;
const freshContainer = async () => {
  const c = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`t${++n}-${Date.now()}`);
  await c.createIfNotExists();
  return c;
};

beforeAll(async () => {
  azurite = await startAzurite();
  container = await freshContainer();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const openBlobStore = (container: string, scope = 'tenant-a') => AzureBlobStore.open({ connectionString: azurite.connectionString, container, scope });
let stores = 0;
storeCases('Azure Blob Storage (Azurite)', () => openBlobStore(`cases-${++stores}`));
coordinationCases('two replicas on Azurite', async () => {
  const name = `coordination-${++stores}`;
  const [a, b] = await Promise.all([openBlobStore(name), openBlobStore(name)]);
  return [a.coordination, b.coordination];
});

describe('replicas sharing one container', () => {
  it('what one replica writes, another reads at once: conversations, decisions, cursor, salt, audit', async () => {
    const a = await openBlobStore('shared-1');
    const b = await openBlobStore('shared-1');
    await a.saveConversation({ key: 'c1', kind: 'channel', reference: {}, installedAt: '2026-11-30T08:00:00Z', backfilled: false });
    await a.saveDecision({ incidentId: '7', action: 'resolve', by: { id: 'u', name: 'Alex' }, at: '2026-11-30T08:00:00Z', pending: true });
    await a.rememberIncidents([{ id: '7', lastUpdateDateTime: '2026-11-30T08:00:00Z', createdDateTime: '2026-11-30T07:00:00Z', open: true, severity: 'high', title: 'x', userUpn: null }]);
    await a.saveCursor({ watermark: '2026-11-30T08:00:00Z' });
    const [saltA, saltB] = await Promise.all([a.pseudonymSalt(), b.pseudonymSalt()]);
    await a.appendAudit({ at: '2026-11-30T08:00:00Z', actor: { id: 'u', name: 'Alex' }, action: 'resolve', outcome: 'ok' });
    await b.appendAudit({ at: '2026-11-30T08:00:01Z', actor: { id: 'v', name: 'Megan' }, action: 'resolve', outcome: 'refused' });

    expect((await b.conversations()).map((c) => c.key)).toEqual(['c1']);
    expect((await b.decision('7'))?.pending).toBe(true);
    expect((await b.incident('7'))?.open).toBe(true);
    expect((await b.cursor()).watermark).toBe('2026-11-30T08:00:00Z');
    expect(saltB).toBe(saltA);
    expect((await a.recentAudit()).map((e) => e.actor.name)).toEqual(['Alex', 'Megan']);
  });

  it('an incident a replica remembered is written with its next write, and never over a newer view another replica wrote', async () => {
    const a = await openBlobStore('shared-4');
    const b = await openBlobStore('shared-4');
    const seen = (at: string) => ({ id: '8', lastUpdateDateTime: at, createdDateTime: '2026-11-30T07:00:00Z', open: true, severity: 'high', title: 'x', userUpn: null });
    await a.rememberIncidents([seen('2026-11-30T08:00:00Z')]);
    await b.rememberIncidents([seen('2026-11-30T08:05:00Z')]);
    await b.appendAudit({ at: '2026-11-30T08:05:00Z', actor: { id: 'u', name: 'Alex' }, action: 'startInvestigation', outcome: 'ok' });
    expect((await a.incident('8'))?.lastUpdateDateTime).toBe('2026-11-30T08:00:00Z'); // its own, not yet written
    await a.forgetOutsideChange('8'); // any write
    expect((await b.incident('8'))?.lastUpdateDateTime).toBe('2026-11-30T08:05:00Z');
    expect((await (await openBlobStore('shared-4')).incident('8'))?.lastUpdateDateTime).toBe('2026-11-30T08:05:00Z');
  });

  it('one claim per card among replicas, however many try at once; a claim whose replica died lapses', async () => {
    const replicas = await Promise.all([0, 1, 2, 3, 4].map(() => openBlobStore('shared-2')));
    const now = new Date('2026-11-30T08:00:00Z');
    const won = await Promise.all(replicas.map((r, i) => r.claimPost('2101', '19:abc@thread.tacv2', `replica-${i}`, now)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const loser = won.findIndex((w) => !w);
    expect(await replicas[loser]!.claimPost('2101', '19:abc@thread.tacv2', `replica-${loser}`, new Date(now.getTime() + CLAIM_HOLDS_MS - 1_000))).toBe(false);
    expect(await replicas[loser]!.claimPost('2101', '19:abc@thread.tacv2', `replica-${loser}`, new Date(now.getTime() + CLAIM_HOLDS_MS + 1_000))).toBe(true);
  });

  it('refuses a container that holds another Defender tenant’s memory', async () => {
    await openBlobStore('shared-3', 'tenant-a');
    await expect(openBlobStore('shared-3', 'tenant-b')).rejects.toThrow(/another Defender tenant.*STORE_CONTAINER/);
  });
});

describe('documents written only if nobody changed them since they were read', () => {
  it('a write naming an old version loses with a conflict and changes nothing', async () => {
    const docs = new BlobDocuments(container);
    const v1 = await docs.write('cursor.json', { watermark: 'a' }, { ifAbsent: true });
    const read = await docs.read<{ watermark: string }>('cursor.json');
    expect(read).toEqual({ value: { watermark: 'a' }, version: v1 });
    await docs.write('cursor.json', { watermark: 'b' }, { ifVersion: v1 });
    await expect(docs.write('cursor.json', { watermark: 'c' }, { ifVersion: v1 })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(docs.write('cursor.json', { watermark: 'd' }, { ifAbsent: true })).rejects.toBeInstanceOf(StoreConflictError);
    expect((await docs.read<{ watermark: string }>('cursor.json'))?.value.watermark).toBe('b');
    expect(await docs.read('missing.json')).toBeNull();
  });

  it('20 replicas adding to one document at once: every change lands (read again on conflict)', async () => {
    const replicas = Array.from({ length: 20 }, () => new BlobDocuments(container));
    await Promise.all(replicas.map((docs, i) => docs.update<number[]>('counter.json', (current) => [...(current ?? []), i], 50)));
    const final = await replicas[0]!.read<number[]>('counter.json');
    expect([...final!.value].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a log is only appended to; two replicas appending at once both land; the tail reads the newest', async () => {
    const a = new BlobDocuments(container);
    const b = new BlobDocuments(container);
    await Promise.all([a.append('audit', ['{"n":1}', '{"n":2}']), b.append('audit', ['{"n":3}'])]);
    await a.append('audit', ['{"n":4}']);
    const lines = await b.tail('audit', 10);
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toBe('{"n":4}');
    expect(await b.tail('audit', 2)).toEqual(lines.slice(-2));
  });
});

describe('records kept in shards', () => {
  it('what one replica writes, another reads; changes to one shard from two replicas at once both land', async () => {
    const a = new KeyedDocuments<{ n: number }>(new BlobDocuments(container), 'records', 4);
    const b = new KeyedDocuments<{ n: number }>(new BlobDocuments(container), 'records', 4);
    await a.putMany(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${i}`, { n: i }])));
    expect(Object.keys(await b.all())).toHaveLength(40);
    expect(await b.get('r7')).toEqual({ n: 7 });
    await Promise.all([a.put('r7', { n: 700 }), b.put('r8', { n: 800 }), a.delete('r9'), b.change(['r10', 'r11'], (_k, current) => ({ n: (current?.n ?? 0) * 100 }))]);
    for (const reader of [a, b]) {
      const all = await reader.all();
      expect(all.r7).toEqual({ n: 700 });
      expect(all.r8).toEqual({ n: 800 });
      expect(all.r9).toBeUndefined();
      expect([all.r10, all.r11]).toEqual([{ n: 1000 }, { n: 1100 }]);
      expect(Object.keys(all)).toHaveLength(39);
    }
  });

  it('a change rewrites one shard, not the whole map', async () => {
    const docs = new BlobDocuments(container);
    const map = new KeyedDocuments<{ n: number }>(docs, 'sharded', 16);
    await map.putMany(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, { n: i }])));
    const versions = async () => Object.fromEntries(await Promise.all((await docs.list('sharded/')).map(async (name) => [name, (await docs.read(name))!.version] as const)));
    const before = await versions();
    expect(Object.keys(before)).toHaveLength(16);
    await map.put('k5', { n: -5 });
    const after = await versions();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toHaveLength(1);
  });
});

describe('the leader lease', () => {
  it('one replica of three leads; when it stops, another takes over at its next try', async () => {
    const own = await freshContainer();
    const replicas = [0, 1, 2].map(() => new LeaderLease(own, { durationSeconds: 15, tryEveryMs: 200 }));
    await Promise.all(replicas.map((r) => r.start()));
    expect(replicas.filter((r) => r.isLeader())).toHaveLength(1);
    const leader = replicas.find((r) => r.isLeader())!;
    await leader.stop();
    await expect.poll(() => replicas.filter((r) => r.isLeader()).length, { timeout: 5_000 }).toBe(1);
    expect(leader.isLeader()).toBe(false);
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('a leader that dies without releasing is replaced once its lease runs out (15 s)', async () => {
    const own = await freshContainer();
    const dead = new LeaderLease(own, { durationSeconds: 15, tryEveryMs: 200 });
    expect(await dead.start()).toBe(true);
    // Dies: no renewals, no release (the timer is stopped, the lease left as it is).
    (dead as unknown as { stopped: boolean }).stopped = true;
    const started = Date.now();
    const heir = new LeaderLease(own, { durationSeconds: 15, tryEveryMs: 200 });
    expect(await heir.start()).toBe(false);
    await expect.poll(() => heir.isLeader(), { timeout: 25_000, interval: 200 }).toBe(true);
    const tookOverAfterS = (Date.now() - started) / 1000;
    expect(tookOverAfterS).toBeGreaterThan(10);
    await heir.stop();
  }, 40_000);
});
