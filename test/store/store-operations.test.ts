/**
 * The store's named operations and the promises they make about writes: what is saved when, what
 * a failed write keeps, and the pseudonym salt written before it is handed out.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreWriteError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { record } from './store-cases.js';

const dir = () => mkdtempSync(join(tmpdir(), 'irm-store-ops-'));
const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { pseudonymSalt?: string; watermark: string | null };
const incidentsOnDisk = (file: string) => (JSON.parse(readFileSync(`${file}.incidents.json`, 'utf8')) as { incidents: Record<string, unknown> }).incidents;
/** lowdb writes a temporary file beside the store and renames it: a directory in its place makes every write fail. */
const blockWrites = (file: string) => {
  const blocker = join(file, '..', '.db.json.tmp');
  mkdirSync(blocker);
  return () => rmdirSync(blocker);
};

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
});
