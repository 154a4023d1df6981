/**
 * The embedded store: lowdb JSON files beside DB_FILE (or memory for tests). Single process
 * only: it holds everything in memory and rewrites a file on each write; lowdb's writer writes a
 * temporary file and renames it, so a file on disk is always whole.
 *
 * Several files, so that a write rewrites only what changed: DB_FILE holds the small state that
 * changes now and then (conversations, decisions, on-call, the cursor…), `{DB_FILE}.incidents.json`
 * what the bot last saw of each incident, `{DB_FILE}.posts.json` which message shows which
 * incident where (recorded once per card posted), and `{DB_FILE}.audit.jsonl` the audit, one
 * entry a line, only ever appended to. A store written as one file by an earlier version is
 * split on open.
 *
 * Keyed maps throughout (an incident lookup is O(1) at 100k incidents). Every operation changes
 * memory, then writes the files it touched, one write at a time and in a fixed order (the audit,
 * the incidents, the posts, then the state with its watermark): what the watermark covers is on
 * disk before the watermark. A file whose write failed stays due and is written with the next write.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdir, open as openFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { StoreError, StoreWriteError } from '../errors.js';
import { MemoryCoordination } from './coordination.js';
import { createLogger } from '../logger.js';
import {
  NOBODY_ON_CALL,
  reminded,
  unreadableAgain,
  withdrawn,
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

const incidentsSchema = z.record(z.string(), incidentSchema);
/** Which message shows an incident in a conversation: incident id → conversation key → post. */
const postsSchema = z.record(z.string(), z.record(z.string(), postSchema));

/** What DB_FILE holds besides incidents and posts (older stores lack the defaulted parts). */
const stateFields = {
  /** Which Defender tenant this memory is about (see openStore). */
  scope: z.string().nullable().default(null),
  conversations: z.record(z.string(), conversationSchema),
  /** The latest decision per incident, keyed by incident id. */
  decisions: z.record(z.string(), decisionSchema),
  watermark: z.string().nullable(),
  /** When the first poll ran, in Graph's time (see Cursor). */
  watchingSince: z.string().nullable().default(null),
  /** Audit entries a store of an earlier version kept here: moved to the audit file on open. */
  audit: z.array(auditSchema).optional(),
  onCall: onCallSchema.default({ ...NOBODY_ON_CALL }),
  reminders: z.record(z.string(), reminderSchema).default({}),
  outsideChanges: z.record(z.string(), outsideChangeSchema).default({}),
  lastSummaryAt: z.string().nullable().default(null),
  /** Secret for pseudonyms of people at risk (see auth/privacy.ts). */
  pseudonymSalt: z.string().optional(),
  viewers: z.record(z.string(), viewerSchema).default({}),
  irmSync: z.record(z.string(), irmSyncSchema).default({}),
  unreadable: z.record(z.string(), unreadableSchema).default({}),
  /** When the bot introduced itself, by conversation key (outlives the conversation's record). */
  welcomed: z.record(z.string(), z.string()).default({}),
};
const stateSchema = z.object({ version: z.literal(2), ...stateFields });
/** A store of an earlier version: everything in DB_FILE. */
const singleFileSchema = z.object({ version: z.literal(1), ...stateFields, incidents: incidentsSchema, posts: postsSchema });
const incidentsFileSchema = z.object({ version: z.literal(2), incidents: incidentsSchema });
const postsFileSchema = z.object({ version: z.literal(2), posts: postsSchema });

type State = z.infer<typeof stateSchema>;
type IncidentsFile = z.infer<typeof incidentsFileSchema>;
type PostsFile = z.infer<typeof postsFileSchema>;

const emptyState = (scope: string | null = null): State => ({
  version: 2,
  scope,
  conversations: {},
  decisions: {},
  watermark: null,
  watchingSince: null,
  onCall: { ...NOBODY_ON_CALL },
  reminders: {},
  outsideChanges: {},
  lastSummaryAt: null,
  irmSync: {},
  viewers: {},
  unreadable: {},
  welcomed: {},
});
const emptyIncidents = (): IncidentsFile => ({ version: 2, incidents: {} });
const emptyPosts = (): PostsFile => ({ version: 2, posts: {} });

type Part = 'audit' | 'incidents' | 'posts' | 'state';
/**
 * The order files are written in: the state's watermark reaches the disk after what it covers,
 * and audit entries moved out of an older state file are in the audit file before they leave it.
 */
const WRITE_ORDER: readonly Part[] = ['audit', 'incidents', 'posts', 'state'];
/** The newest audit entries are read back from at most this much of the end of the audit file. */
const AUDIT_TAIL_BYTES = 8 * 1024 * 1024;

interface Files {
  incidents: Low<IncidentsFile>;
  posts: Low<PostsFile>;
  state: Low<State>;
}

/** The newest audit entries kept at hand in memory (`recentAudit`); the audit file keeps them all. */
export const AUDIT_KEPT = 2_000;

export interface LowdbStoreOptions {
  /** Audit entries kept at hand (default AUDIT_KEPT). */
  auditKept?: number;
  /** Open to read only (the doctor's check): nothing is written, not even a split of an older store. */
  readOnly?: boolean;
}

/** Where each part of the store is kept, for a store at `file`. */
export function storeFiles(file: string): Record<Part, string> {
  return { state: file, incidents: `${file}.incidents.json`, posts: `${file}.posts.json`, audit: `${file}.audit.jsonl` };
}

export class LowdbStore implements Store {
  /** One process alone: in its memory. */
  readonly coordination = new MemoryCoordination();
  private writeFailure: { since: string; error: string } | null = null;
  /** Parts changed in memory that no write has saved yet (remembered incidents, or a failed write's). */
  private readonly due = new Set<Part>();
  /** Writes run one at a time: each writes every part due when it starts. */
  private writing: Promise<void> = Promise.resolve();
  /** The salt being created and written: every caller waits for the same one. */
  private saltWriting: Promise<string> | null = null;
  /** Audit entries not yet appended to the audit file. */
  private unappended: AuditEntry[] = [];
  /** The audit file's last line lacks its newline (a crash mid-append): the next append starts a line. */
  private auditTorn = false;

  private constructor(
    private readonly files: Files,
    readonly file: string | null,
    private readonly options: { auditKept: number; readOnly: boolean },
    /** The newest audit entries, oldest first. */
    private recent: AuditEntry[] = [],
  ) {}

  /** The audit file: every entry, one JSON object a line, only ever appended to (null in memory). */
  get auditFile(): string | null {
    return this.file ? storeFiles(this.file).audit : null;
  }

  static async open(file: string, scope: string | null = null, options: LowdbStoreOptions = {}): Promise<LowdbStore> {
    const settings = { auditKept: options.auditKept ?? AUDIT_KEPT, readOnly: options.readOnly ?? false };
    if (file === ':memory:') {
      const files: Files = { state: inMemory(emptyState(scope)), incidents: inMemory(emptyIncidents()), posts: inMemory(emptyPosts()) };
      return new LowdbStore(files, null, settings);
    }
    const paths = storeFiles(file);
    if (!settings.readOnly) await mkdir(dirname(file), { recursive: true });
    // Read by hand rather than with lowdb's read(): lowdb silently keeps the empty default for a
    // file holding `null`, and the bot must never start afresh on top of a store it could not read.
    const raw = await readJson(file);
    let state = emptyState(scope);
    let incidents = emptyIncidents();
    let posts = emptyPosts();
    // A new store is written whole at once: a state file on disk always has its other files beside it.
    let writeAll = raw === undefined;
    if (raw !== undefined) {
      if (isRecord(raw) && raw.version === 1) {
        const single = singleFileSchema.safeParse(raw);
        if (!single.success) throw await refuse(file, shapeProblem(single.error), single.error);
        const { incidents: i, posts: p, ...rest } = single.data;
        state = { ...rest, version: 2 };
        incidents = { version: 2, incidents: i };
        posts = { version: 2, posts: p };
        writeAll = true;
        if (!settings.readOnly) log.info('splitting the store into its state, incidents and posts files', { file });
      } else {
        const parsed = stateSchema.safeParse(raw);
        if (!parsed.success) throw await refuse(file, shapeProblem(parsed.error), parsed.error);
        state = parsed.data;
        incidents = await readPart(paths.incidents, incidentsFileSchema, file);
        posts = await readPart(paths.posts, postsFileSchema, file);
      }
    }
    // Audit entries an older version kept in the state file move to the audit file (below), whatever
    // else happens to the store: the audit only ever grows.
    const moved = state.audit ?? [];
    delete state.audit;
    if (scope !== null && state.scope !== scope) {
      if (state.scope !== null) {
        const stamp = Date.now();
        if (!settings.readOnly) {
          for (const path of [paths.state, paths.incidents, paths.posts]) await copyFile(path, `${path}.previous-${stamp}`).catch(() => undefined);
          log.info('the store was written for another Defender tenant: starting afresh', { file, keptAt: `${file}.previous-${stamp}` });
        }
        state = emptyState(scope);
        incidents = emptyIncidents();
        posts = emptyPosts();
      } else {
        state.scope = scope;
      }
      writeAll = true;
    }
    const files: Files = {
      state: new Low<State>(new JSONFile<State>(paths.state), state),
      incidents: new Low<IncidentsFile>(new JSONFile<IncidentsFile>(paths.incidents), incidents),
      posts: new Low<PostsFile>(new JSONFile<PostsFile>(paths.posts), posts),
    };
    const tail = await readAuditTail(paths.audit, settings.auditKept);
    const store = new LowdbStore(files, file, settings, [...tail.entries, ...moved].slice(-settings.auditKept));
    store.auditTorn = tail.torn;
    if (moved.length > 0) {
      // Audit entries of an older store: into the audit file first, then out of the state file.
      store.unappended = moved;
      store.due.add('audit');
      store.due.add('state');
    }
    if ((writeAll || moved.length > 0) && !settings.readOnly) {
      if (writeAll) for (const part of ['incidents', 'posts', 'state'] as const) store.due.add(part);
      await store.write();
    }
    return store;
  }

  private get state(): State {
    return this.files.state.data;
  }

  private get incidents(): Record<string, IncidentRecord> {
    return this.files.incidents.data.incidents;
  }

  private get posts(): Record<string, Record<string, PostRecord>> {
    return this.files.posts.data.posts;
  }

  /** Apply a change in memory and write it (see the Store interface for failures). */
  private async change(part: Part, apply: () => void): Promise<void> {
    apply();
    this.due.add(part);
    await this.write();
  }

  /** Write every part that is due, after the writes already under way. */
  private write(): Promise<void> {
    const run = this.writing.then(() => this.writeDue());
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeDue(): Promise<void> {
    if (this.options.readOnly) throw new StoreError('This store was opened to read only.');
    const parts = WRITE_ORDER.filter((part) => this.due.has(part));
    for (const part of parts) this.due.delete(part);
    for (const [i, part] of parts.entries()) {
      try {
        await (part === 'audit' ? this.appendDueAudit() : this.files[part].write());
      } catch (cause) {
        // This part and those after it stay due: a watermark never lands before what it covers.
        for (const left of parts.slice(i)) this.due.add(left);
        const error = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message.slice(0, 200) : 'unknown error');
        this.writeFailure ??= { since: new Date().toISOString(), error };
        log.error('could not write the store; the change is kept in memory and saved with the next write that succeeds', { file: this.file, error });
        throw new StoreWriteError(`The bot could not save to its store (${error}).`, { cause });
      }
    }
    if (this.writeFailure) log.info('the store is written again; what it could not save before is saved now', { file: this.file, failingSince: this.writeFailure.since });
    this.writeFailure = null;
  }

  /** Append the entries not yet in the audit file; on failure they stay due, in order. */
  private async appendDueAudit(): Promise<void> {
    const entries = this.unappended;
    this.unappended = [];
    const path = this.auditFile;
    if (!path || entries.length === 0) return;
    try {
      await appendFile(path, (this.auditTorn ? '\n' : '') + entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      this.auditTorn = false;
    } catch (err) {
      this.unappended = [...entries, ...this.unappended];
      throw err;
    }
  }

  health(): StoreHealth {
    return this.writeFailure ? { writable: false, failingSince: this.writeFailure.since, error: this.writeFailure.error } : { writable: true };
  }

  async flush(): Promise<void> {
    if (this.due.size > 0) await this.write();
  }

  async counts(): Promise<StoreCounts> {
    const posts = Object.values(this.posts).reduce((n, byConversation) => n + Object.keys(byConversation).length, 0);
    return { conversations: Object.keys(this.state.conversations).length, incidents: Object.keys(this.incidents).length, posts, decisions: Object.keys(this.state.decisions).length, auditEntries: this.recent.length };
  }

  // Conversations

  async conversation(key: string): Promise<ConversationRecord | undefined> {
    return this.state.conversations[key];
  }

  async conversations(): Promise<ConversationRecord[]> {
    return Object.values(this.state.conversations);
  }

  saveConversation(conversation: ConversationRecord): Promise<void> {
    return this.change('state', () => void (this.state.conversations[conversation.key] = { ...conversation }));
  }

  async removeConversation(key: string): Promise<void> {
    if (!this.state.conversations[key]) return;
    await this.change('state', () => void delete this.state.conversations[key]);
  }

  setSubscription(key: string, subscription: Subscription | null): Promise<void> {
    return this.changeConversation(key, { subscription });
  }

  markBackfilled(key: string): Promise<void> {
    return this.changeConversation(key, { backfilled: true });
  }

  async welcomedAt(key: string): Promise<string | undefined> {
    return this.state.welcomed[key];
  }

  markWelcomed(key: string, at: string): Promise<void> {
    if (this.state.welcomed[key]) return Promise.resolve();
    return this.change('state', () => void (this.state.welcomed[key] = at));
  }

  private changeConversation(key: string, changes: Partial<ConversationRecord>): Promise<void> {
    return this.change('state', () => {
      const c = this.state.conversations[key];
      if (c) this.state.conversations[key] = { ...c, ...changes };
    });
  }

  // Incidents

  async incident(id: string): Promise<IncidentRecord | undefined> {
    return this.incidents[id];
  }

  async openIncidents(): Promise<IncidentRecord[]> {
    return Object.values(this.incidents).filter((i) => i.open);
  }

  async incidentsAbout(upn: string): Promise<IncidentRecord[]> {
    const wanted = upn.toLowerCase();
    return Object.values(this.incidents).filter((i) => i.userUpn?.toLowerCase() === wanted);
  }

  async rememberIncidents(records: readonly IncidentRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const record of records) this.incidents[record.id] = { ...record };
    this.due.add('incidents');
  }

  // Posts

  async post(incidentId: string, conversationKey: string): Promise<PostRecord | undefined> {
    return this.posts[incidentId]?.[conversationKey];
  }

  async postsFor(incidentId: string): Promise<PostRecord[]> {
    return Object.values(this.posts[incidentId] ?? {});
  }

  async postedIn(conversationKey: string, incidentIds: readonly string[]): Promise<Set<string>> {
    return new Set(incidentIds.filter((id) => this.posts[id]?.[conversationKey]));
  }

  recordPost(post: PostRecord): Promise<void> {
    return this.recordPosts([post]);
  }

  /** One process alone: nobody else sends (the poller posts a conversation's cards one at a time). */
  async claimPost(): Promise<boolean> {
    return true;
  }

  recordPosts(posts: readonly PostRecord[]): Promise<void> {
    return this.change('posts', () => {
      for (const post of posts) (this.posts[post.incidentId] ??= {})[post.conversationKey] = { ...post };
    });
  }

  // Decisions

  async decision(incidentId: string): Promise<DecisionRecord | undefined> {
    return this.state.decisions[incidentId];
  }

  saveDecision(decision: DecisionRecord): Promise<void> {
    return this.change('state', () => void (this.state.decisions[decision.incidentId] = { ...decision }));
  }

  forgetDecision(incidentId: string): Promise<void> {
    return this.change('state', () => void delete this.state.decisions[incidentId]);
  }

  withdrawDecision(pending: DecisionRecord, previous: DecisionRecord | undefined): Promise<void> {
    const id = pending.incidentId;
    return this.change('state', () => {
      const next = withdrawn(this.state.decisions[id], pending, previous);
      if (next === null) delete this.state.decisions[id];
      else if (next) this.state.decisions[id] = next;
    });
  }

  // Outside changes

  async outsideChange(incidentId: string): Promise<OutsideChange | undefined> {
    return this.state.outsideChanges[incidentId];
  }

  recordOutsideChange(incidentId: string, change: OutsideChange, options: { overtakesDecision: boolean }): Promise<void> {
    return this.change('state', () => {
      this.state.outsideChanges[incidentId] = { ...change };
      if (options.overtakesDecision) delete this.state.decisions[incidentId];
    });
  }

  forgetOutsideChange(incidentId: string): Promise<void> {
    return this.change('state', () => void delete this.state.outsideChanges[incidentId]);
  }

  // IRM sync

  async irmSync(incidentId: string): Promise<IrmSyncEntry | undefined> {
    return this.state.irmSync[incidentId];
  }

  async irmSyncPending(): Promise<Record<string, IrmSyncEntry>> {
    return { ...this.state.irmSync };
  }

  trackIrmSync(incidentId: string, entry: IrmSyncEntry): Promise<void> {
    return this.change('state', () => void (this.state.irmSync[incidentId] = { ...entry }));
  }

  markIrmSyncOverdue(incidentId: string): Promise<void> {
    return this.change('state', () => {
      const entry = this.state.irmSync[incidentId];
      if (entry) this.state.irmSync[incidentId] = { ...entry, overdue: true };
    });
  }

  forgetIrmSync(incidentId: string): Promise<void> {
    return this.change('state', () => void delete this.state.irmSync[incidentId]);
  }

  // Reminders

  async reminder(incidentId: string): Promise<ReminderRecord | undefined> {
    return this.state.reminders[incidentId];
  }

  async reminders(): Promise<Record<string, ReminderRecord>> {
    return { ...this.state.reminders };
  }

  markReminderSent(incidentId: string, kind: 'reminder' | 'escalation', at: string): Promise<void> {
    return this.change('state', () => void (this.state.reminders[incidentId] = reminded(this.state.reminders[incidentId], kind, at)));
  }

  async forgetReminders(incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.change('state', () => {
      for (const id of incidentIds) delete this.state.reminders[id];
    });
  }

  // Unreadable incidents

  async unreadableIncidents(): Promise<Record<string, UnreadableEntry>> {
    return { ...this.state.unreadable };
  }

  noteUnreadable(incidentId: string, error: string, at: string): Promise<void> {
    return this.change('state', () => void (this.state.unreadable[incidentId] = unreadableAgain(this.state.unreadable[incidentId], error, at)));
  }

  async forgetUnreadable(incidentId: string): Promise<void> {
    if (!this.state.unreadable[incidentId]) return;
    await this.change('state', () => void delete this.state.unreadable[incidentId]);
  }

  // On call

  async onCall(): Promise<OnCallState> {
    return structuredClone(this.state.onCall);
  }

  saveOnCall(state: OnCallState): Promise<void> {
    return this.change('state', () => void (this.state.onCall = structuredClone(state)));
  }

  // Viewers

  async viewers(): Promise<Record<string, Viewer>> {
    return { ...this.state.viewers };
  }

  rememberViewer(teamsId: string, viewer: Viewer): Promise<void> {
    return this.change('state', () => void (this.state.viewers[teamsId] = { ...viewer }));
  }

  // Cursor

  async cursor(): Promise<Cursor> {
    return { watermark: this.state.watermark, lastSummaryAt: this.state.lastSummaryAt, watchingSince: this.state.watchingSince };
  }

  saveCursor(changes: Partial<Cursor>): Promise<void> {
    return this.change('state', () => {
      if (changes.watermark !== undefined) this.state.watermark = changes.watermark;
      if (changes.lastSummaryAt !== undefined) this.state.lastSummaryAt = changes.lastSummaryAt;
      if (changes.watchingSince !== undefined) this.state.watchingSince = changes.watchingSince;
    });
  }

  // Pseudonym salt

  async pseudonymSalt(): Promise<string> {
    const existing = this.state.pseudonymSalt;
    if (existing && !this.saltWriting) return existing;
    this.saltWriting ??= this.createSalt().finally(() => {
      this.saltWriting = null;
    });
    return this.saltWriting;
  }

  private async createSalt(): Promise<string> {
    const salt = randomBytes(16).toString('hex');
    try {
      await this.change('state', () => void (this.state.pseudonymSalt = salt));
    } catch (err) {
      // Not handed out unsaved: pseudonyms from a salt that is then lost would rename everyone.
      if (this.state.pseudonymSalt === salt) delete this.state.pseudonymSalt;
      throw err;
    }
    return salt;
  }

  // Audit

  async recentAudit(limit?: number): Promise<AuditEntry[]> {
    return limit === undefined ? [...this.recent] : this.recent.slice(Math.max(0, this.recent.length - limit));
  }

  /**
   * Appended to the audit file, never rewritten with the rest: an entry costs one short append,
   * and the file keeps every entry however long the bot runs.
   */
  async appendAudit(entry: AuditEntry): Promise<void> {
    this.recent.push({ ...entry });
    if (this.recent.length > this.options.auditKept + Math.ceil(this.options.auditKept / 4)) this.recent = this.recent.slice(-this.options.auditKept);
    this.unappended.push({ ...entry });
    this.due.add('audit');
    try {
      await this.write();
    } catch (err) {
      // The entry stays in memory and is saved with the next write that succeeds (`health()` says
      // the store is failing meanwhile): an audit that cannot be saved yet never fails the action.
      if (err instanceof StoreWriteError) return;
      throw err;
    }
  }
}

function inMemory<T>(data: T): Low<T> {
  return new Low<T>(new Memory<T>(), data);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function shapeProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return `does not have the expected shape (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`;
}

/** A store file's JSON object, undefined when there is no file; anything else stops the bot (see refuse). */
async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw await refuse(file, 'is a directory, not a file', cause, { copy: false });
    throw await refuse(file, `cannot be read (${code ?? 'unknown error'})`, cause, { copy: false });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw await refuse(file, 'is not valid JSON (truncated or corrupt)', cause);
  }
  if (!isRecord(raw)) throw await refuse(file, `does not hold the store's object (it holds ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`, null);
  return raw;
}

/**
 * The newest audit entries in the audit file (from its last few megabytes), and whether its last
 * line was cut short. A line that does not parse is skipped, not fatal: the audit only grows, and
 * a crash mid-append must not keep the bot from starting.
 */
async function readAuditTail(path: string, kept: number): Promise<{ entries: AuditEntry[]; torn: boolean }> {
  let handle;
  try {
    handle = await openFile(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], torn: false };
    throw new StoreError(`The audit file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'}).`, { cause: err });
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - AUDIT_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    const lines = text.split('\n');
    if (start > 0) lines.shift(); // the first line may begin before the part read
    const entries: AuditEntry[] = [];
    let skipped = 0;
    for (const line of lines.slice(-(kept + 1))) {
      if (!line.trim()) continue;
      try {
        entries.push(auditSchema.parse(JSON.parse(line)));
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) log.warn('skipped audit lines that do not parse', { file: path, skipped });
    return { entries: entries.slice(-kept), torn: size > 0 && !text.endsWith('\n') };
  } finally {
    await handle.close();
  }
}

/** The incidents or posts file of a split store: it must be there (a store without its posts would post every card again). */
async function readPart<S extends typeof incidentsFileSchema | typeof postsFileSchema>(path: string, schema: S, file: string): Promise<z.infer<S>> {
  const raw = await readJson(path);
  if (raw === undefined) throw new StoreError(`The store file ${path} is missing: the store in ${file} keeps part of itself there. Restore it from the backup ${file} came from, or move ${file} away to start afresh.`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw await refuse(path, shapeProblem(parsed.error), parsed.error);
  return parsed.data as z.infer<S>;
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
