/**
 * The embedded store: one lowdb JSON document in a file (or in memory for tests). Single
 * process only: it holds the whole document in memory and rewrites the file on each write;
 * lowdb's writer writes a temporary file and renames it, so the file on disk is always whole.
 *
 * Keyed maps throughout (an incident lookup is O(1) at 100k incidents). Every operation changes
 * the document in memory, then writes it once; a change whose write failed is in the document
 * and reaches the file with the next write that succeeds.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { StoreError, StoreWriteError } from '../errors.js';
import { createLogger } from '../logger.js';
import {
  NOBODY_ON_CALL,
  auditSchema,
  conversationSchema,
  decisionSchema,
  incidentSchema,
  irmSyncSchema,
  onCallSchema,
  outsideChangeSchema,
  postSchema,
  reminderSchema,
  unreadableSchema,
  viewerSchema,
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
} from './entities.js';
import type { Store, StoreCounts, StoreHealth } from './store.js';

const log = createLogger('store');

/** The document in the file (version 1; older files lack the defaulted parts). */
const documentSchema = z.object({
  version: z.literal(1),
  /** Which Defender tenant this memory is about (see openStore). */
  scope: z.string().nullable().default(null),
  conversations: z.record(z.string(), conversationSchema),
  incidents: z.record(z.string(), incidentSchema),
  /** Which message shows an incident in a conversation: incident id → conversation key → post. */
  posts: z.record(z.string(), z.record(z.string(), postSchema)),
  /** The latest decision per incident, keyed by incident id. */
  decisions: z.record(z.string(), decisionSchema),
  watermark: z.string().nullable(),
  audit: z.array(auditSchema),
  onCall: onCallSchema.default({ ...NOBODY_ON_CALL }),
  reminders: z.record(z.string(), reminderSchema).default({}),
  outsideChanges: z.record(z.string(), outsideChangeSchema).default({}),
  lastSummaryAt: z.string().nullable().default(null),
  /** Secret for pseudonyms of people at risk (see auth/privacy.ts). */
  pseudonymSalt: z.string().optional(),
  viewers: z.record(z.string(), viewerSchema).default({}),
  irmSync: z.record(z.string(), irmSyncSchema).default({}),
  unreadable: z.record(z.string(), unreadableSchema).default({}),
});
type StoreDocument = z.infer<typeof documentSchema>;

const empty = (scope: string | null = null): StoreDocument => ({
  version: 1,
  scope,
  conversations: {},
  incidents: {},
  posts: {},
  decisions: {},
  watermark: null,
  audit: [],
  onCall: { ...NOBODY_ON_CALL },
  reminders: {},
  outsideChanges: {},
  lastSummaryAt: null,
  irmSync: {},
  viewers: {},
  unreadable: {},
});

/** Audit entries the store file keeps; older ones move to `{file}.audit.jsonl`, which only ever grows. */
export const AUDIT_KEPT = 2_000;

export interface LowdbStoreOptions {
  /** Audit entries kept in the file (default AUDIT_KEPT). */
  auditKept?: number;
}

export class LowdbStore implements Store {
  private archiving: Promise<void> = Promise.resolve();
  private writeFailure: { since: string; error: string } | null = null;
  /** Changes in memory that no write has saved yet (remembered incidents, or a failed write's). */
  private unwritten = false;
  /** The salt being created and written: every caller waits for the same one. */
  private saltWriting: Promise<string> | null = null;

  private constructor(
    private readonly db: Low<StoreDocument>,
    readonly file: string | null,
    private readonly auditKept: number,
  ) {}

  /** Where audit entries too old for the store file are appended, one JSON object a line (null in memory). */
  get auditArchive(): string | null {
    return this.file ? `${this.file}.audit.jsonl` : null;
  }

  static async open(file: string, scope: string | null = null, options: LowdbStoreOptions = {}): Promise<LowdbStore> {
    const auditKept = options.auditKept ?? AUDIT_KEPT;
    if (file === ':memory:') {
      const db = new Low<StoreDocument>(new Memory<StoreDocument>(), empty(scope));
      return new LowdbStore(db, null, auditKept);
    }
    await mkdir(dirname(file), { recursive: true });
    const db = new Low<StoreDocument>(new JSONFile<StoreDocument>(file), empty(scope));
    // Read by hand rather than with lowdb's read(): lowdb silently keeps the empty default for a
    // file holding `null`, and the bot must never start afresh on top of a store it could not read.
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') throw await refuse(file, 'is a directory, not a file', cause, { copy: false });
      if (code !== 'ENOENT') throw await refuse(file, `cannot be read (${code ?? 'unknown error'})`, cause, { copy: false });
    }
    let raw: unknown = db.data;
    if (text !== null) {
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw await refuse(file, 'is not valid JSON (truncated or corrupt)', cause);
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw await refuse(file, `does not hold the store's object (it holds ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`, null);
    }
    const parsed = documentSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw await refuse(file, `does not have the expected shape (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`, parsed.error);
    }
    db.data = parsed.data;
    if (scope !== null && db.data.scope !== scope) {
      if (db.data.scope !== null) {
        const previous = `${file}.previous-${Date.now()}`;
        await copyFile(file, previous);
        log.info('the store was written for another Defender tenant: starting afresh', { file, keptAt: previous });
        db.data = empty(scope);
      } else {
        db.data.scope = scope;
      }
      await db.write();
    }
    return new LowdbStore(db, file, auditKept);
  }

  private get doc(): StoreDocument {
    return this.db.data;
  }

  /** Apply a change in memory and write the document once (see the Store interface for failures). */
  private async change(apply: (d: StoreDocument) => void): Promise<void> {
    apply(this.doc);
    this.unwritten = true;
    await this.write();
  }

  private async write(): Promise<void> {
    try {
      this.unwritten = false;
      await this.db.write();
      if (this.writeFailure) log.info('the store is written again; what it could not save before is saved now', { file: this.file, failingSince: this.writeFailure.since });
      this.writeFailure = null;
    } catch (cause) {
      this.unwritten = true;
      const error = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message.slice(0, 200) : 'unknown error');
      this.writeFailure ??= { since: new Date().toISOString(), error };
      log.error('could not write the store; the change is kept in memory and saved with the next write that succeeds', { file: this.file, error });
      throw new StoreWriteError(`The bot could not save to its store (${error}).`, { cause });
    }
  }

  health(): StoreHealth {
    return this.writeFailure ? { writable: false, failingSince: this.writeFailure.since, error: this.writeFailure.error } : { writable: true };
  }

  async flush(): Promise<void> {
    if (this.unwritten) await this.write();
  }

  async counts(): Promise<StoreCounts> {
    const d = this.doc;
    const posts = Object.values(d.posts).reduce((n, byConversation) => n + Object.keys(byConversation).length, 0);
    return { conversations: Object.keys(d.conversations).length, incidents: Object.keys(d.incidents).length, posts, decisions: Object.keys(d.decisions).length, auditEntries: d.audit.length };
  }

  // Conversations

  async conversation(key: string): Promise<ConversationRecord | undefined> {
    return this.doc.conversations[key];
  }

  async conversations(): Promise<ConversationRecord[]> {
    return Object.values(this.doc.conversations);
  }

  saveConversation(conversation: ConversationRecord): Promise<void> {
    return this.change((d) => void (d.conversations[conversation.key] = { ...conversation }));
  }

  async removeConversation(key: string): Promise<void> {
    if (!this.doc.conversations[key]) return;
    await this.change((d) => void delete d.conversations[key]);
  }

  setSubscription(key: string, subscription: Subscription | null): Promise<void> {
    return this.changeConversation(key, { subscription });
  }

  markBackfilled(key: string): Promise<void> {
    return this.changeConversation(key, { backfilled: true });
  }

  private changeConversation(key: string, changes: Partial<ConversationRecord>): Promise<void> {
    return this.change((d) => {
      const c = d.conversations[key];
      if (c) d.conversations[key] = { ...c, ...changes };
    });
  }

  // Incidents

  async incident(id: string): Promise<IncidentRecord | undefined> {
    return this.doc.incidents[id];
  }

  async openIncidents(): Promise<IncidentRecord[]> {
    return Object.values(this.doc.incidents).filter((i) => i.open);
  }

  async rememberIncidents(records: readonly IncidentRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const record of records) this.doc.incidents[record.id] = { ...record };
    this.unwritten = true;
  }

  // Posts

  async post(incidentId: string, conversationKey: string): Promise<PostRecord | undefined> {
    return this.doc.posts[incidentId]?.[conversationKey];
  }

  async postsFor(incidentId: string): Promise<PostRecord[]> {
    return Object.values(this.doc.posts[incidentId] ?? {});
  }

  recordPost(post: PostRecord): Promise<void> {
    return this.recordPosts([post]);
  }

  recordPosts(posts: readonly PostRecord[]): Promise<void> {
    return this.change((d) => {
      for (const post of posts) (d.posts[post.incidentId] ??= {})[post.conversationKey] = { ...post };
    });
  }

  // Decisions

  async decision(incidentId: string): Promise<DecisionRecord | undefined> {
    return this.doc.decisions[incidentId];
  }

  saveDecision(decision: DecisionRecord): Promise<void> {
    return this.change((d) => void (d.decisions[decision.incidentId] = { ...decision }));
  }

  forgetDecision(incidentId: string): Promise<void> {
    return this.change((d) => void delete d.decisions[incidentId]);
  }

  withdrawDecision(pending: DecisionRecord, previous: DecisionRecord | undefined): Promise<void> {
    const id = pending.incidentId;
    return this.change((d) => {
      const current = d.decisions[id];
      if (!current?.pending || current.at !== pending.at) return;
      if (previous) d.decisions[id] = previous;
      else delete d.decisions[id];
    });
  }

  // Outside changes

  async outsideChange(incidentId: string): Promise<OutsideChange | undefined> {
    return this.doc.outsideChanges[incidentId];
  }

  recordOutsideChange(incidentId: string, change: OutsideChange, options: { overtakesDecision: boolean }): Promise<void> {
    return this.change((d) => {
      d.outsideChanges[incidentId] = { ...change };
      if (options.overtakesDecision) delete d.decisions[incidentId];
    });
  }

  forgetOutsideChange(incidentId: string): Promise<void> {
    return this.change((d) => void delete d.outsideChanges[incidentId]);
  }

  // IRM sync

  async irmSync(incidentId: string): Promise<IrmSyncEntry | undefined> {
    return this.doc.irmSync[incidentId];
  }

  async irmSyncPending(): Promise<Record<string, IrmSyncEntry>> {
    return { ...this.doc.irmSync };
  }

  trackIrmSync(incidentId: string, entry: IrmSyncEntry): Promise<void> {
    return this.change((d) => void (d.irmSync[incidentId] = { ...entry }));
  }

  markIrmSyncOverdue(incidentId: string): Promise<void> {
    return this.change((d) => {
      const entry = d.irmSync[incidentId];
      if (entry) d.irmSync[incidentId] = { ...entry, overdue: true };
    });
  }

  forgetIrmSync(incidentId: string): Promise<void> {
    return this.change((d) => void delete d.irmSync[incidentId]);
  }

  // Reminders

  async reminder(incidentId: string): Promise<ReminderRecord | undefined> {
    return this.doc.reminders[incidentId];
  }

  async reminders(): Promise<Record<string, ReminderRecord>> {
    return { ...this.doc.reminders };
  }

  markReminderSent(incidentId: string, kind: 'reminder' | 'escalation', at: string): Promise<void> {
    return this.change((d) => {
      const record = { ...d.reminders[incidentId] };
      if (kind === 'reminder') record.remindedAt ??= at;
      else record.escalatedAt ??= at;
      d.reminders[incidentId] = record;
    });
  }

  async forgetReminders(incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.change((d) => {
      for (const id of incidentIds) delete d.reminders[id];
    });
  }

  // Unreadable incidents

  async unreadableIncidents(): Promise<Record<string, UnreadableEntry>> {
    return { ...this.doc.unreadable };
  }

  noteUnreadable(incidentId: string, error: string, at: string): Promise<void> {
    return this.change((d) => {
      const previous = d.unreadable[incidentId];
      d.unreadable[incidentId] = { since: previous?.since ?? at, error, attempts: (previous?.attempts ?? 0) + 1 };
    });
  }

  async forgetUnreadable(incidentId: string): Promise<void> {
    if (!this.doc.unreadable[incidentId]) return;
    await this.change((d) => void delete d.unreadable[incidentId]);
  }

  // On call

  async onCall(): Promise<OnCallState> {
    return structuredClone(this.doc.onCall);
  }

  saveOnCall(state: OnCallState): Promise<void> {
    return this.change((d) => void (d.onCall = structuredClone(state)));
  }

  // Viewers

  async viewers(): Promise<Record<string, Viewer>> {
    return { ...this.doc.viewers };
  }

  rememberViewer(teamsId: string, viewer: Viewer): Promise<void> {
    return this.change((d) => void (d.viewers[teamsId] = { ...viewer }));
  }

  // Cursor

  async cursor(): Promise<Cursor> {
    return { watermark: this.doc.watermark, lastSummaryAt: this.doc.lastSummaryAt };
  }

  saveCursor(changes: Partial<Cursor>): Promise<void> {
    return this.change((d) => {
      if (changes.watermark !== undefined) d.watermark = changes.watermark;
      if (changes.lastSummaryAt !== undefined) d.lastSummaryAt = changes.lastSummaryAt;
    });
  }

  // Pseudonym salt

  async pseudonymSalt(): Promise<string> {
    const existing = this.doc.pseudonymSalt;
    if (existing && !this.saltWriting) return existing;
    this.saltWriting ??= this.createSalt().finally(() => {
      this.saltWriting = null;
    });
    return this.saltWriting;
  }

  private async createSalt(): Promise<string> {
    const salt = randomBytes(16).toString('hex');
    try {
      await this.change((d) => void (d.pseudonymSalt = salt));
    } catch (err) {
      // Not handed out unsaved: pseudonyms from a salt that is then lost would rename everyone.
      if (this.doc.pseudonymSalt === salt) delete this.doc.pseudonymSalt;
      throw err;
    }
    return salt;
  }

  // Audit

  async recentAudit(limit?: number): Promise<AuditEntry[]> {
    const audit = this.doc.audit;
    return limit === undefined ? [...audit] : audit.slice(Math.max(0, audit.length - limit));
  }

  /**
   * The store file is rewritten on every write, so it keeps the newest entries only: past a
   * quarter more than `auditKept`, the oldest are appended to the archive first and only then
   * dropped from the file (a crash in between repeats some, loses none).
   */
  async appendAudit(entry: AuditEntry): Promise<void> {
    try {
      await this.change((d) => void d.audit.push({ ...entry }));
    } catch (err) {
      // The entry stays in memory and is saved with the next write that succeeds (`health()` says
      // the store is failing meanwhile): an audit that cannot be saved yet never fails the action.
      if (err instanceof StoreWriteError) return;
      throw err;
    }
    const archive = this.auditArchive;
    if (!archive || this.doc.audit.length <= this.auditKept + Math.ceil(this.auditKept / 4)) return;
    // One archiving at a time; a failure is logged and the next entry tries again.
    this.archiving = this.archiving
      .then(async () => {
        const moved = this.doc.audit.slice(0, this.doc.audit.length - this.auditKept);
        if (moved.length === 0) return;
        await appendFile(archive, moved.map((e) => JSON.stringify(e)).join('\n') + '\n');
        await this.change((d) => void d.audit.splice(0, moved.length));
      })
      .catch((err: unknown) => log.warn('could not archive old audit entries; the store keeps them for now', { archive, err }));
    await this.archiving;
  }
}

/**
 * The error that stops the bot from starting on a store it cannot use. A copy of the file is kept
 * where one can be made, and the message says so only when it was.
 */
async function refuse(file: string, problem: string, cause: unknown, options: { copy?: boolean } = {}): Promise<StoreError> {
  const backup = `${file}.corrupt-${Date.now()}`;
  const copied = options.copy !== false && (await copyFile(file, backup).then(() => true, () => false));
  const kept = copied ? `a copy was kept at ${backup}; restore a backup or move the file away to start afresh` : 'restore a backup, or move it away to start afresh';
  return new StoreError(`The store file ${file} ${problem}. The bot will not start with an empty store in its place: ${kept}.`, { cause });
}
