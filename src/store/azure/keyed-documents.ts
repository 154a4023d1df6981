/**
 * A map of records kept as a few JSON blobs (shards, by a hash of the key), so that a change to
 * one record rewrites only its shard, and reading everything costs one request per shard. Each
 * shard is remembered with its version: a read asks the service for it only if it changed
 * (`If-None-Match`), and a write names the version it changed (`If-Match`), reading again and
 * re-applying the change when another replica wrote first.
 */
import { createHash } from 'node:crypto';
import { StoreConflictError } from '../../errors.js';
import type { BlobDocuments } from './blob-documents.js';

type Shard<T> = Record<string, T>;

const CONFLICT_ATTEMPTS = 10;

export class KeyedDocuments<T> {
  private readonly cache = new Map<number, { version: string; records: Shard<T> }>();

  constructor(
    private readonly docs: BlobDocuments,
    /** The blobs' name prefix, e.g. `incidents` → `incidents/07.json`. */
    private readonly name: string,
    private readonly shards: number,
  ) {}

  async get(key: string): Promise<T | undefined> {
    return (await this.readShard(this.shardOf(key)))[key];
  }

  /** The records of these keys (one request per shard they fall in, not per key). */
  async getMany(keys: readonly string[]): Promise<Record<string, T>> {
    const shards = [...new Set(keys.map((key) => this.shardOf(key)))];
    const read = await Promise.all(shards.map((shard) => this.readShard(shard)));
    const found: Record<string, T> = {};
    for (const key of keys) {
      const shard = read[shards.indexOf(this.shardOf(key))]!;
      if (key in shard) found[key] = shard[key]!;
    }
    return found;
  }

  /** Every record (one request per shard, most answered "unchanged"). */
  async all(): Promise<Record<string, T>> {
    const shards = await Promise.all(Array.from({ length: this.shards }, (_, i) => this.readShard(i)));
    return Object.assign({}, ...shards) as Record<string, T>;
  }

  /** Change records; `change` gets each record (or undefined) and answers the new one, or null to delete, or undefined to leave it. */
  async change(keys: readonly string[], change: (key: string, current: T | undefined) => T | null | undefined): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const key of keys) {
      const shard = this.shardOf(key);
      byShard.set(shard, [...(byShard.get(shard) ?? []), key]);
    }
    await Promise.all([...byShard].map(([shard, shardKeys]) => this.changeShard(shard, shardKeys, change)));
  }

  async put(key: string, value: T): Promise<void> {
    await this.change([key], () => value);
  }

  async putMany(records: Record<string, T>): Promise<void> {
    await this.change(Object.keys(records), (key) => records[key]);
  }

  async delete(key: string): Promise<void> {
    await this.change([key], () => null);
  }

  private async changeShard(shard: number, keys: readonly string[], change: (key: string, current: T | undefined) => T | null | undefined): Promise<void> {
    const blob = this.blobName(shard);
    for (let attempt = 1; ; attempt++) {
      await this.readShard(shard);
      const held = this.cache.get(shard);
      const records: Shard<T> = { ...(held?.records ?? {}) };
      let changed = false;
      for (const key of keys) {
        const next = change(key, records[key]);
        if (next === undefined) continue;
        if (next === null) {
          if (key in records) {
            delete records[key];
            changed = true;
          }
        } else {
          records[key] = next;
          changed = true;
        }
      }
      if (!changed) return;
      try {
        const version = await this.docs.write(blob, records, held ? { ifVersion: held.version } : { ifAbsent: true });
        this.cache.set(shard, { version, records });
        return;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt >= CONFLICT_ATTEMPTS) throw err;
      }
    }
  }

  private async readShard(shard: number): Promise<Shard<T>> {
    const held = this.cache.get(shard);
    const read = held ? await this.docs.read<Shard<T>>(this.blobName(shard), held.version) : await this.docs.read<Shard<T>>(this.blobName(shard));
    if (read === 'unchanged') return held!.records;
    if (read === null) {
      this.cache.delete(shard);
      return {};
    }
    this.cache.set(shard, { version: read.version, records: read.value });
    return read.value;
  }

  private shardOf(key: string): number {
    if (this.shards === 1) return 0;
    return createHash('sha1').update(key).digest().readUInt32BE(0) % this.shards;
  }

  private blobName(shard: number): string {
    return this.shards === 1 ? `${this.name}.json` : `${this.name}/${String(shard).padStart(3, '0')}.json`;
  }
}
