import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(2);
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

  it('appends every audit entry once, in order, to the audit file, and keeps the newest at hand across a reopen', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file, null, { auditKept: 8 });
    // Concurrent writers, as clicks and commands arrive.
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendAudit({ at: `2026-11-20T00:00:${String(i).padStart(2, '0')}Z`, actor: { id: 'u', name: 'Alex' }, action: `a${i}`, outcome: 'ok' })));
    const kept = (await (await Store.open(file, null, { auditKept: 8 })).recentAudit()).map((e) => e.action);
    expect(kept).toEqual(Array.from({ length: 8 }, (_, i) => `a${32 + i}`));
    const appended = readFileSync(store.auditFile!, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { action: string }).action);
    expect(appended).toEqual(Array.from({ length: 40 }, (_, i) => `a${i}`));
    // The state file, rewritten on every change, holds none of it.
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('audit');
  });

  it('an audit file whose last line a crash cut short: the bot starts, and the next entry starts a line of its own', async () => {
    const file = join(dir(), 'db.json');
    const entry = (action: string) => ({ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action, outcome: 'ok' as const });
    await (await Store.open(file)).appendAudit(entry('before'));
    appendFileSync(`${file}.audit.jsonl`, '{"at":"2026-11-20T00:00:01Z","act');
    const store = await Store.open(file);
    expect((await store.recentAudit()).map((e) => e.action)).toEqual(['before']);
    await store.appendAudit(entry('after'));
    expect((await (await Store.open(file)).recentAudit()).map((e) => e.action)).toEqual(['before', 'after']);
  });
});

describe('store files', () => {
  const v1 = {
    version: 1,
    scope: 'embedded-tenant:one',
    conversations: { c1: { key: 'c1', kind: 'channel', reference: {}, installedAt: '2026-11-20T00:00:00Z', backfilled: true } },
    incidents: { '2101': { id: '2101', lastUpdateDateTime: '2026-11-20T00:00:00Z', createdDateTime: '2026-11-19T00:00:00Z', open: true, severity: 'high', title: 'Exfiltration', userUpn: null } },
    posts: { '2101': { c1: { incidentId: '2101', conversationKey: 'c1', activityId: 'a1', postedAt: '2026-11-20T00:00:00Z' } } },
    decisions: {},
    watermark: '2026-11-20T00:00:00Z',
    audit: [{ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action: 'resolve', outcome: 'ok' }],
    pseudonymSalt: '00112233445566778899aabbccddeeff',
  };

  it('splits a store written as one file into its state, incidents, posts and audit files, keeping everything', async () => {
    const file = join(dir(), 'db.json');
    writeFileSync(file, JSON.stringify(v1));
    // Its older audit entries were already archived there.
    writeFileSync(`${file}.audit.jsonl`, JSON.stringify({ ...v1.audit[0], action: 'archived' }) + '\n');
    const store = await Store.open(file, 'embedded-tenant:one');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 2, scope: 'embedded-tenant:one', watermark: v1.watermark });
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('incidents');
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('audit');
    expect(readFileSync(`${file}.audit.jsonl`, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['archived', 'resolve']);
    expect(JSON.parse(readFileSync(`${file}.incidents.json`, 'utf8'))).toEqual({ version: 2, incidents: v1.incidents });
    expect(JSON.parse(readFileSync(`${file}.posts.json`, 'utf8'))).toEqual({ version: 2, posts: v1.posts });
    for (const opened of [store, await Store.open(file, 'embedded-tenant:one')]) {
      expect((await opened.incident('2101'))?.title).toBe('Exfiltration');
      expect((await opened.post('2101', 'c1'))?.activityId).toBe('a1');
      expect((await opened.conversation('c1'))?.kind).toBe('channel');
      expect((await opened.recentAudit()).map((e) => e.action)).toEqual(['archived', 'resolve']);
      expect(await opened.pseudonymSalt()).toBe(v1.pseudonymSalt);
    }
  });

  it('a store opened to read only (the doctor) writes nothing, not even the split', async () => {
    const folder = dir();
    const file = join(folder, 'db.json');
    writeFileSync(file, JSON.stringify(v1));
    const store = await Store.open(file, null, { readOnly: true });
    expect(await store.counts()).toEqual({ conversations: 1, incidents: 1, posts: 1, decisions: 0, auditEntries: 1 });
    expect(readdirSync(folder)).toEqual(['db.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(v1);
  });

  it('a conversation or cursor write leaves the incidents and posts files alone', async () => {
    const file = join(dir(), 'db.json');
    const store = await Store.open(file);
    await store.rememberIncidents([v1.incidents['2101'] as never]);
    await store.recordPost(v1.posts['2101'].c1);
    const written = (path: string) => statSync(path).mtimeMs;
    const before = [written(`${file}.incidents.json`), written(`${file}.posts.json`)];
    await new Promise((r) => setTimeout(r, 20));
    await store.saveConversation(v1.conversations.c1 as never);
    await store.saveCursor({ watermark: '2026-11-21T00:00:00Z' });
    expect([written(`${file}.incidents.json`), written(`${file}.posts.json`)]).toEqual(before);
    expect((await (await Store.open(file)).cursor()).watermark).toBe('2026-11-21T00:00:00Z');
  });

  it('refuses a split store whose posts file is missing or corrupt, rather than posting every card again', async () => {
    const folder = dir();
    const file = join(folder, 'db.json');
    await (await Store.open(file)).recordPost(v1.posts['2101'].c1);
    writeFileSync(`${file}.posts.json`, '{"version":2,"posts":');
    const corrupt = await Store.open(file).catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(StoreError);
    expect((corrupt as Error).message).toContain(`${file}.posts.json is not valid JSON`);
    expect(readdirSync(folder).some((f) => f.startsWith('db.json.posts.json.corrupt-'))).toBe(true);
    rmSync(`${file}.posts.json`);
    const missing = await Store.open(file).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StoreError);
    expect((missing as Error).message).toContain(`${file}.posts.json is missing`);
  });
});
