/**
 * JSON documents in one Azure Blob Storage container, each written only if nobody changed it
 * since it was read: the replicas of the bot share the container, and a blob's ETag is the
 * version a conditional write names (`If-Match`), or `If-None-Match: *` to create a document only
 * if it does not exist yet. A write that loses answers StoreConflictError, never overwrites.
 * Lines that are only ever added (the audit) go to append blobs, which are never rewritten.
 *
 * Microsoft documents these: *Specifying conditional headers for Blob service operations*
 * (https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations:
 * 412 Precondition Failed when `If-Match` does not match; 409 BlobAlreadyExists for
 * `If-None-Match: *` on an existing blob) and *Append Block*
 * (https://learn.microsoft.com/rest/api/storageservices/append-block: at most 50,000 blocks of up
 * to 4 MiB per append blob).
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { StoreConflictError, StoreError } from '../../errors.js';

export interface VersionedDocument<T> {
  value: T;
  /** The blob's ETag when read: the condition of the next write. */
  version: string;
}

/** How a write is conditioned: on the version read, or on the document not existing yet. */
export type WriteCondition = { ifVersion: string } | { ifAbsent: true } | { unconditional: true };

/** Append blobs hold at most 50,000 blocks: a new blob is started well before that. */
const APPEND_BLOCKS_PER_BLOB = 40_000;

export class BlobDocuments {
  constructor(private readonly container: ContainerClient) {}

  /** Create the container if needed (idempotent; replicas starting together all call it). */
  async ensure(): Promise<void> {
    await this.call('create the container', () => this.container.createIfNotExists());
  }

  /**
   * The document and its version, or null when there is none. Given the version already held,
   * answers `unchanged` without the body when nobody wrote since (`If-None-Match`, 304).
   */
  async read<T>(name: string): Promise<VersionedDocument<T> | null>;
  async read<T>(name: string, known: string): Promise<VersionedDocument<T> | null | 'unchanged'>;
  async read<T>(name: string, known?: string): Promise<VersionedDocument<T> | null | 'unchanged'> {
    const blob = this.container.getBlockBlobClient(name);
    try {
      // One request: the body and the ETag of exactly that body.
      const answer = await blob.download(0, undefined, known ? { conditions: { ifNoneMatch: known } } : {});
      if (answer._response.status === 304) return 'unchanged';
      const text = await readAll(answer.readableStreamBody);
      return { value: JSON.parse(text) as T, version: answer.etag ?? '' };
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return null;
      if (known && err instanceof RestError && err.statusCode === 304) return 'unchanged';
      throw storeError(`read ${name}`, err);
    }
  }

  /** Write the document under `condition`; answers its new version. */
  async write(name: string, value: unknown, condition: WriteCondition): Promise<string> {
    const body = JSON.stringify(value);
    const conditions = 'ifVersion' in condition ? { ifMatch: condition.ifVersion } : 'ifAbsent' in condition ? { ifNoneMatch: '*' } : {};
    try {
      const answer = await this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return answer.etag ?? '';
    } catch (err) {
      if (err instanceof RestError && (err.statusCode === 412 || err.statusCode === 409)) {
        throw new StoreConflictError(`Another replica changed ${name} first.`, { cause: err });
      }
      throw storeError(`write ${name}`, err);
    }
  }

  /**
   * Read, change and write back, again from a fresh read whenever another replica wrote in
   * between. `change` gets the current value (or undefined) and answers the new one, or
   * `undefined` to leave the document as it is.
   */
  async update<T>(name: string, change: (current: T | undefined) => T | undefined, attempts = 8): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read<T>(name);
      const next = change(current?.value);
      if (next === undefined) return current?.value;
      try {
        await this.write(name, next, current ? { ifVersion: current.version } : { ifAbsent: true });
        return next;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt >= attempts) throw err;
      }
    }
  }

  /** Delete the document; given a version, only if nobody wrote it since (false when another did). */
  async remove(name: string, condition?: { ifVersion: string }): Promise<boolean> {
    try {
      await this.container.getBlockBlobClient(name).deleteIfExists(condition ? { conditions: { ifMatch: condition.ifVersion } } : {});
      return true;
    } catch (err) {
      if (condition && err instanceof RestError && err.statusCode === 412) return false;
      throw storeError(`delete ${name}`, err);
    }
  }

  /** The documents under `prefix` last written before `before`. */
  async listOlderThan(prefix: string, before: Date): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) if (item.properties.lastModified < before) names.push(item.name);
    } catch (err) {
      throw storeError(`list ${prefix}`, err);
    }
    return names;
  }

  /** Names of the documents under `prefix`. */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) names.push(item.name);
    } catch (err) {
      throw storeError(`list ${prefix}`, err);
    }
    return names;
  }

  /**
   * Add lines to the log `name` (`{name}.0001.jsonl`, the next blob once one is full). Appends
   * never rewrite what is there; two replicas appending at once both land, in some order.
   */
  async append(name: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const text = lines.map((l) => `${l}\n`).join('');
    for (let part = await this.currentPart(name); ; part++) {
      const blob = this.container.getAppendBlobClient(`${name}.${String(part).padStart(4, '0')}.jsonl`);
      try {
        await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
        const props = await blob.getProperties();
        if ((props.blobCommittedBlockCount ?? 0) >= APPEND_BLOCKS_PER_BLOB) continue;
        await blob.appendBlock(text, Buffer.byteLength(text));
        this.parts.set(name, part);
        return;
      } catch (err) {
        throw storeError(`append to ${name}`, err);
      }
    }
  }

  /** The newest lines of the log `name`, oldest first (reads the newest blobs only). */
  async tail(name: string, count: number): Promise<string[]> {
    const parts = (await this.list(`${name}.`)).filter((n) => n.endsWith('.jsonl')).sort();
    const lines: string[] = [];
    for (const part of parts.reverse()) {
      const buffer = await this.call(`read ${part}`, () => this.container.getBlobClient(part).downloadToBuffer());
      const text = buffer.toString('utf8');
      lines.unshift(...text.split('\n').filter((l) => l.length > 0));
      if (lines.length >= count) break;
    }
    return lines.slice(-count);
  }

  private readonly parts = new Map<string, number>();

  private async currentPart(name: string): Promise<number> {
    const known = this.parts.get(name);
    if (known !== undefined) return known;
    const parts = (await this.list(`${name}.`)).filter((n) => n.endsWith('.jsonl')).sort();
    const last = parts.at(-1);
    return last ? Number(/\.(\d+)\.jsonl$/.exec(last)?.[1] ?? 1) : 1;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw storeError(what, err);
    }
  }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function storeError(what: string, err: unknown): StoreError {
  const status = err instanceof RestError ? ` (HTTP ${err.statusCode ?? 'no answer'}${err.code ? `, ${err.code}` : ''})` : '';
  return new StoreError(`Azure Blob Storage: could not ${what}${status}.`, { cause: err });
}
