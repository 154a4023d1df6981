import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'irm-store-'));

describe('store', () => {
  it('keeps posts, decisions, the watermark and the audit log across a reopen', async () => {
    const file = join(dir(), 'nested', 'db.json');
    const store = await Store.open(file);
    await store.recordPost({ incidentId: '2101', conversationKey: 'c1', activityId: 'a1', postedAt: '2026-11-20T00:00:00Z' });
    await store.saveCursor({ watermark: '2026-11-20T00:00:00Z' });
    await store.appendAudit({ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action: 'resolve', target: '2101', outcome: 'ok' });
    const again = await Store.open(file);
    expect((await again.post('2101', 'c1'))?.activityId).toBe('a1');
    expect(await again.postsFor('2101')).toHaveLength(1);
    expect((await again.cursor()).watermark).toBe('2026-11-20T00:00:00Z');
    expect(await again.recentAudit()).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
  });

  it.each([
    ['truncated', '{"version":1,"conversations":{'],
    ['wrong shape', '{"version":1,"conversations":[]}'],
  ])('refuses a %s file, naming it and keeping a copy', async (_kind, content) => {
    const folder = dir();
    const file = join(folder, 'db.json');
    writeFileSync(file, content);
    const error = await Store.open(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(content);
    const backup = readdirSync(folder).find((f) => f.startsWith('db.json.corrupt-'));
    expect(backup && existsSync(join(folder, backup))).toBeTruthy();
  });
});

describe('store start-up', () => {
  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
  ])('refuses a file holding %s like any other corrupt store, keeping a copy', async (_what, content) => {
    const folder = dir();
    const file = join(folder, 'db.json');
    writeFileSync(file, content);
    const error = await Store.open(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/does not hold the store's object/);
    expect(readFileSync(file, 'utf8')).toBe(content);
    const backup = readdirSync(folder).find((f) => f.startsWith('db.json.corrupt-'));
    expect((error as Error).message).toContain(`a copy was kept at ${join(folder, backup!)}`);
  });

  it('refuses a DB_FILE that is a directory without claiming a copy it did not make', async () => {
    const folder = dir();
    const file = join(folder, 'db.json');
    mkdirSync(file);
    const error = await Store.open(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(`${file} is a directory`);
    expect((error as Error).message).not.toContain('a copy was kept');
    expect(readdirSync(folder)).toEqual(['db.json']);
  });
});

describe('store scope', () => {
  it('sets aside a store written for another Defender tenant instead of mixing it in', async () => {
    const folder = dir();
    const file = join(folder, 'db.json');
    const first = await Store.open(file, 'embedded-tenant:one');
    await first.saveCursor({ watermark: '2026-11-20T00:00:00Z' });
    expect((await (await Store.open(file, 'embedded-tenant:one')).cursor()).watermark).toBe('2026-11-20T00:00:00Z');
    const second = await Store.open(file, 'embedded-tenant:two');
    expect((await second.cursor()).watermark).toBeNull();
    expect((JSON.parse(readFileSync(file, 'utf8')) as { scope: string }).scope).toBe('embedded-tenant:two');
    expect(readdirSync(folder).some((f) => f.startsWith('db.json.previous-'))).toBe(true);
  });

  it('keeps the newest audit entries in the store file and moves older ones, in order, to the archive', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file, null, { auditKept: 8 });
    // Concurrent writers, as clicks and commands arrive.
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendAudit({ at: `2026-11-20T00:00:${String(i).padStart(2, '0')}Z`, actor: { id: 'u', name: 'Alex' }, action: `a${i}`, outcome: 'ok' })));
    const kept = (await (await Store.open(file)).recentAudit()).map((e) => e.action);
    expect(kept.length).toBeLessThanOrEqual(8 + 2);
    const archived = readFileSync(store.auditArchive!, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { action: string }).action);
    // Every entry once, oldest first, across the archive and the file.
    expect([...archived, ...kept]).toEqual(Array.from({ length: 40 }, (_, i) => `a${i}`));
  });
});
