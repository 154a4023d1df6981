/**
 * The store replicas share: Azure Blob Storage, one container per Defender tenant (STORE=azure-blob,
 * AZURE_STORAGE_CONNECTION_STRING, STORE_CONTAINER). Nothing is held only in one process's memory:
 * every read asks the service (for a shard only if it changed), every write is conditional on the
 * version it changed, so what one replica decides the others see at their next read.
 *
 * Layout: records in sharded JSON blobs (`incidents/000.json` … by a hash of the key; see
 * keyed-documents.ts), small singletons (`cursor.json`, `oncall.json`, `salt.json`,
 * `scope.json`), claims of cards about to be sent (locks named `post:{incident}/{conversation}`), the
 * audit as append blobs (`audit/log.0001.jsonl` …, never rewritten) and what replicas coordinate
 * by (`quotas/`, `locks/`, `kept/`; see blob-coordination.ts).
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { StoreConflictError, StoreError, StoreWriteError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import {
  NOBODY_ON_CALL,
  auditSchema,
  reminded,
  unreadableAgain,
  withdrawn,
  type AuditEntry,
  type ConversationRecord,
  type Cursor,
  type DecisionRecord,
  type IncidentRecord,
  type IrmSyncEntry,
  type OnCallState,
  type OutsideChange,
  type PostRecord,
  type ReminderRecord,
  type Subscription,
  type UnreadableEntry,
  type Viewer,
} from '../entities.js';
import type { Store, StoreCounts, StoreHealth } from '../store.js';
import { BlobCoordination } from './blob-coordination.js';
import { BlobDocuments } from './blob-documents.js';
import { KeyedDocuments } from './keyed-documents.js';
import { LeaderLease, type LeaderLeaseOptions } from './leader-lease.js';

const log = createLogger('store');

export interface AzureBlobStoreOptions {
  connectionString: string;
  container: string;
  /** Which Defender tenant the container's memory is about; another one's container is refused. */
  scope?: string | null;
}

/**
 * How long a claim on a card holds against another replica. Only the leader posts, and another
 * replica leads only after the leader's 15-s lease ran out: a claim older than two lease periods
 * is from a replica that died (or lost the lease) before it recorded the post, and its card is
 * posted by the new leader (sent twice at most when the dead one's send had reached Teams, as
 * with a restart: no connector API says what was sent).
 */
export const CLAIM_HOLDS_MS = 30_000;

const EMPTY_CURSOR: Cursor = { watermark: null, lastSummaryAt: null, watchingSince: null };

export class AzureBlobStore implements Store {
  private readonly conversationsDocs: KeyedDocuments<ConversationRecord>;
  private readonly incidents: KeyedDocuments<IncidentRecord>;
  private readonly posts: KeyedDocuments<Record<string, PostRecord>>;
  private readonly decisions: KeyedDocuments<DecisionRecord>;
  private readonly outside: KeyedDocuments<OutsideChange>;
  private readonly irm: KeyedDocuments<IrmSyncEntry>;
  private readonly reminderDocs: KeyedDocuments<ReminderRecord>;
  private readonly unreadable: KeyedDocuments<UnreadableEntry>;
  private readonly viewerDocs: KeyedDocuments<Viewer>;
  /** When the bot introduced itself, by conversation key (outlives the conversation's record). */
  private readonly welcomed: KeyedDocuments<string>;
  readonly coordination: BlobCoordination;
  /** Incidents remembered by a poll, written with the next write or flush (as in the embedded store). */
  private readonly remembered = new Map<string, IncidentRecord>();
  /** Audit entries not yet appended (the service failed): appended with the next entry. */
  private readonly auditBacklog: string[] = [];
  private writeFailure: { since: string; error: string } | null = null;

  private constructor(
    private readonly docs: BlobDocuments,
    private readonly container: ContainerClient,
  ) {
    this.conversationsDocs = new KeyedDocuments(docs, 'conversations', 1);
    this.incidents = new KeyedDocuments(docs, 'incidents', 64);
    this.posts = new KeyedDocuments(docs, 'posts', 64);
    this.decisions = new KeyedDocuments(docs, 'decisions', 16);
    this.outside = new KeyedDocuments(docs, 'outside-changes', 16);
    this.irm = new KeyedDocuments(docs, 'irm-sync', 1);
    this.reminderDocs = new KeyedDocuments(docs, 'reminders', 4);
    this.unreadable = new KeyedDocuments(docs, 'unreadable', 1);
    this.viewerDocs = new KeyedDocuments(docs, 'viewers', 1);
    this.welcomed = new KeyedDocuments(docs, 'welcomed', 1);
    this.coordination = new BlobCoordination(docs);
  }

  static async open(options: AzureBlobStoreOptions): Promise<AzureBlobStore> {
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(options.connectionString);
    } catch (cause) {
      throw new StoreError('AZURE_STORAGE_CONNECTION_STRING is not a connection string Azure Storage accepts (copy it from the storage account’s *Access keys*).', { cause });
    }
    const container = service.getContainerClient(options.container);
    const docs = new BlobDocuments(container);
    await docs.ensure();
    const scope = options.scope ?? null;
    if (scope !== null) {
      // The first replica names the tenant; the others find it (or refuse another tenant's memory).
      await docs.write('scope.json', { scope }, { ifAbsent: true }).catch((err: unknown) => {
        if (!(err instanceof StoreConflictError)) throw err;
      });
      const held = await docs.read<{ scope: string }>('scope.json');
      if (held && held.value.scope !== scope) {
        throw new StoreError(`The container ${options.container} holds the bot's memory of another Defender tenant. Use a container of its own (STORE_CONTAINER) for this one.`);
      }
    }
    return new AzureBlobStore(docs, container);
  }

  /** The lease on this container that elects which replica polls (see leader-lease.ts). */
  leaderLease(options: LeaderLeaseOptions = {}): LeaderLease {
    return new LeaderLease(this.container, options);
  }

  // Writes: what a poll remembered goes first (as with the embedded store, "with the next write"); one family of failures, recorded for health().
  private async write<T>(run: () => Promise<T>): Promise<T> {
    try {
      await this.writeRemembered();
      const result = await run();
      if (this.writeFailure) log.info('Azure Blob Storage takes writes again', { failingSince: this.writeFailure.since });
      this.writeFailure = null;
      return result;
    } catch (err) {
      if (!(err instanceof StoreError) || err instanceof StoreConflictError) throw err;
      this.writeFailure ??= { since: new Date().toISOString(), error: err.message.slice(0, 200) };
      log.error('could not write to Azure Blob Storage', { err });
      throw new StoreWriteError(`The bot could not save to its store (${err.message}).`, { cause: err });
    }
  }

  health(): StoreHealth {
    return this.writeFailure ? { writable: false, failingSince: this.writeFailure.since, error: this.writeFailure.error } : { writable: true };
  }

  async flush(): Promise<void> {
    await this.write(async () => undefined);
  }

  /**
   * Write the incidents remembered since the last write. Another replica may have written a
   * newer view of one meanwhile: the newer one stays.
   */
  private async writeRemembered(): Promise<void> {
    if (this.remembered.size === 0) return;
    const records = new Map(this.remembered);
    await this.incidents.change([...records.keys()], (id, current) => {
      const record = records.get(id)!;
      return current && current.lastUpdateDateTime > record.lastUpdateDateTime ? undefined : record;
    });
    for (const [id, record] of records) if (this.remembered.get(id) === record) this.remembered.delete(id);
  }

  async counts(): Promise<StoreCounts> {
    const [conversations, incidents, posts, decisions] = await Promise.all([this.conversationsDocs.all(), this.incidents.all(), this.posts.all(), this.decisions.all()]);
    const postCount = Object.values(posts).reduce((n, byConversation) => n + Object.keys(byConversation).length, 0);
    return { conversations: Object.keys(conversations).length, incidents: Object.keys(incidents).length, posts: postCount, decisions: Object.keys(decisions).length, auditEntries: (await this.docs.tail('audit/log', 2_000)).length };
  }

  // Conversations
  conversation(key: string): Promise<ConversationRecord | undefined> {
    return this.conversationsDocs.get(key);
  }
  async conversations(): Promise<ConversationRecord[]> {
    return Object.values(await this.conversationsDocs.all());
  }
  saveConversation(conversation: ConversationRecord): Promise<void> {
    return this.write(() => this.conversationsDocs.put(conversation.key, { ...conversation }));
  }
  removeConversation(key: string): Promise<void> {
    return this.write(() => this.conversationsDocs.delete(key));
  }
  setSubscription(key: string, subscription: Subscription | null): Promise<void> {
    return this.changeConversation(key, { subscription });
  }
  markBackfilled(key: string): Promise<void> {
    return this.changeConversation(key, { backfilled: true });
  }
  welcomedAt(key: string): Promise<string | undefined> {
    return this.welcomed.get(key);
  }
  markWelcomed(key: string, at: string): Promise<void> {
    // The first time stays, as with reminders.
    return this.write(() => this.welcomed.change([key], (_k, current) => (current === undefined ? at : undefined)));
  }
  private changeConversation(key: string, changes: Partial<ConversationRecord>): Promise<void> {
    return this.write(() => this.conversationsDocs.change([key], (_k, current) => (current ? { ...current, ...changes } : undefined)));
  }

  // Incidents
  async incident(id: string): Promise<IncidentRecord | undefined> {
    return this.remembered.get(id) ?? (await this.incidents.get(id));
  }
  async openIncidents(): Promise<IncidentRecord[]> {
    const all = { ...(await this.incidents.all()), ...Object.fromEntries(this.remembered) };
    return Object.values(all).filter((i) => i.open);
  }
  /** Reads every incident document: asked for by a person's summary, never by a poll. */
  async incidentsAbout(upn: string): Promise<IncidentRecord[]> {
    const wanted = upn.toLowerCase();
    const all = { ...(await this.incidents.all()), ...Object.fromEntries(this.remembered) };
    return Object.values(all).filter((i) => i.userUpn?.toLowerCase() === wanted);
  }
  async rememberIncidents(records: readonly IncidentRecord[]): Promise<void> {
    for (const record of records) this.remembered.set(record.id, { ...record });
  }

  // Posts
  async post(incidentId: string, conversationKey: string): Promise<PostRecord | undefined> {
    return (await this.posts.get(incidentId))?.[conversationKey];
  }
  async postsFor(incidentId: string): Promise<PostRecord[]> {
    return Object.values((await this.posts.get(incidentId)) ?? {});
  }
  async postedIn(conversationKey: string, incidentIds: readonly string[]): Promise<Set<string>> {
    const posts = await this.posts.getMany(incidentIds);
    return new Set(incidentIds.filter((id) => posts[id]?.[conversationKey]));
  }
  recordPost(post: PostRecord): Promise<void> {
    return this.recordPosts([post]);
  }
  async recordPosts(posts: readonly PostRecord[]): Promise<void> {
    const byIncident = new Map<string, PostRecord[]>();
    for (const post of posts) byIncident.set(post.incidentId, [...(byIncident.get(post.incidentId) ?? []), post]);
    await this.write(() =>
      this.posts.change([...byIncident.keys()], (id, current) => {
        const next = { ...(current ?? {}) };
        for (const post of byIncident.get(id)!) next[post.conversationKey] = { ...post };
        return next;
      }),
    );
  }

  /**
   * Claim the right to send the incident's card into a conversation: true for the one replica
   * whose claim landed first (a claim left by a replica that died holds for CLAIM_HOLDS_MS, then
   * may be taken over). Between replicas, this is what keeps a card from being sent twice.
   */
  /** A claim is a lock that is never released: it lapses (see CLAIM_HOLDS_MS), by when the post is recorded. */
  claimPost(incidentId: string, conversationKey: string, by: string, now: Date): Promise<boolean> {
    return this.coordination.acquireLock(`post:${incidentId}/${conversationKey}`, by, now, CLAIM_HOLDS_MS);
  }

  // Decisions
  decision(incidentId: string): Promise<DecisionRecord | undefined> {
    return this.decisions.get(incidentId);
  }
  saveDecision(decision: DecisionRecord): Promise<void> {
    return this.write(() => this.decisions.put(decision.incidentId, { ...decision }));
  }
  forgetDecision(incidentId: string): Promise<void> {
    return this.write(() => this.decisions.delete(incidentId));
  }
  withdrawDecision(pending: DecisionRecord, previous: DecisionRecord | undefined): Promise<void> {
    return this.write(() =>
      this.decisions.change([pending.incidentId], (_k, current) => withdrawn(current, pending, previous)),
    );
  }

  // Outside changes
  outsideChange(incidentId: string): Promise<OutsideChange | undefined> {
    return this.outside.get(incidentId);
  }
  async recordOutsideChange(incidentId: string, change: OutsideChange, options: { overtakesDecision: boolean }): Promise<void> {
    await this.write(() => this.outside.put(incidentId, { ...change }));
    if (options.overtakesDecision) await this.forgetDecision(incidentId);
  }
  forgetOutsideChange(incidentId: string): Promise<void> {
    return this.write(() => this.outside.delete(incidentId));
  }

  // IRM sync
  irmSync(incidentId: string): Promise<IrmSyncEntry | undefined> {
    return this.irm.get(incidentId);
  }
  irmSyncPending(): Promise<Record<string, IrmSyncEntry>> {
    return this.irm.all();
  }
  trackIrmSync(incidentId: string, entry: IrmSyncEntry): Promise<void> {
    return this.write(() => this.irm.put(incidentId, { ...entry }));
  }
  markIrmSyncOverdue(incidentId: string): Promise<void> {
    return this.write(() => this.irm.change([incidentId], (_k, current) => (current ? { ...current, overdue: true } : undefined)));
  }
  forgetIrmSync(incidentId: string): Promise<void> {
    return this.write(() => this.irm.delete(incidentId));
  }

  // Reminders
  reminder(incidentId: string): Promise<ReminderRecord | undefined> {
    return this.reminderDocs.get(incidentId);
  }
  reminders(): Promise<Record<string, ReminderRecord>> {
    return this.reminderDocs.all();
  }
  markReminderSent(incidentId: string, kind: 'reminder' | 'escalation', at: string): Promise<void> {
    return this.write(() =>
      this.reminderDocs.change([incidentId], (_k, current) => reminded(current, kind, at)),
    );
  }
  async forgetReminders(incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.write(() => this.reminderDocs.change(incidentIds, () => null));
  }

  // Unreadable incidents
  unreadableIncidents(): Promise<Record<string, UnreadableEntry>> {
    return this.unreadable.all();
  }
  noteUnreadable(incidentId: string, error: string, at: string): Promise<void> {
    return this.write(() => this.unreadable.change([incidentId], (_k, previous) => unreadableAgain(previous, error, at)));
  }
  forgetUnreadable(incidentId: string): Promise<void> {
    return this.write(() => this.unreadable.delete(incidentId));
  }

  // On call
  async onCall(): Promise<OnCallState> {
    return (await this.docs.read<OnCallState>('oncall.json'))?.value ?? { ...NOBODY_ON_CALL };
  }
  async saveOnCall(state: OnCallState): Promise<void> {
    await this.write(() => this.docs.update<OnCallState>('oncall.json', () => ({ ...state })));
  }

  // Viewers
  viewers(): Promise<Record<string, Viewer>> {
    return this.viewerDocs.all();
  }
  rememberViewer(teamsId: string, viewer: Viewer): Promise<void> {
    return this.write(() => this.viewerDocs.put(teamsId, { ...viewer }));
  }

  // Cursor
  async cursor(): Promise<Cursor> {
    return { ...EMPTY_CURSOR, ...(await this.docs.read<Partial<Cursor>>('cursor.json'))?.value };
  }
  async saveCursor(changes: Partial<Cursor>): Promise<void> {
    // What the watermark covers (the incidents remembered) is written before it, by write().
    await this.write(() => this.docs.update<Cursor>('cursor.json', (current) => ({ ...EMPTY_CURSOR, ...current, ...changes })));
  }

  // Pseudonym salt: the first replica's is everyone's.
  async pseudonymSalt(): Promise<string> {
    const held = await this.docs.read<{ salt: string }>('salt.json');
    if (held) return held.value.salt;
    const salt = randomBytes(16).toString('hex');
    try {
      await this.write(() => this.docs.write('salt.json', { salt }, { ifAbsent: true }));
      return salt;
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      return (await this.docs.read<{ salt: string }>('salt.json'))!.value.salt;
    }
  }

  // Audit
  async appendAudit(entry: AuditEntry): Promise<void> {
    this.auditBacklog.push(JSON.stringify(auditSchema.parse(entry)));
    const lines = this.auditBacklog.splice(0);
    try {
      await this.write(() => this.docs.append('audit/log', lines));
    } catch (err) {
      // Kept, and appended with the next entry: an audit that cannot be saved yet never fails the action.
      this.auditBacklog.unshift(...lines);
      if (!(err instanceof StoreWriteError)) throw err;
    }
  }
  async recentAudit(limit = 2_000): Promise<AuditEntry[]> {
    const lines = await this.docs.tail('audit/log', limit);
    return [...lines, ...this.auditBacklog].slice(-limit).map((line) => auditSchema.parse(JSON.parse(line)));
  }
}
