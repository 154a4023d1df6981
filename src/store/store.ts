/**
 * The bot's own memory, in lowdb: where it is installed, which message shows which incident
 * in which conversation, what it last saw of each incident, the poll watermark, decisions made
 * from Teams and an audit log of every action.
 *
 * Keyed maps throughout (an incident lookup is O(1) at 100k incidents). Every change goes
 * through `update()`, which applies it in memory and writes the file once; lowdb's writer
 * writes a temporary file and renames it, so the file on disk is always whole.
 */
import { appendFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { StoreError, StoreWriteError } from '../errors.js';
import { createLogger } from '../logger.js';

const log = createLogger('store');

const actorSchema = z.object({ id: z.string(), name: z.string(), aadObjectId: z.string().optional(), upn: z.string().optional() });
export type Actor = z.infer<typeof actorSchema>;

/** Which incidents a conversation hears of; absent = the default for its kind (see subscriptions). */
const subscriptionSchema = z.object({
  minSeverity: z.enum(['informational', 'low', 'medium', 'high']),
  /** Only incidents about these users (UPNs, lower case); empty = everyone. */
  users: z.array(z.string()),
  /** Only incidents that group an alert from one of these service sources; empty = any. */
  sources: z.array(z.string()),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** Someone the bot can mention: by UPN always, by Teams/Entra ids when known. */
const contactSchema = z.object({ upn: z.string(), name: z.string().optional(), aadObjectId: z.string().optional(), teamsId: z.string().optional() });
export type Contact = z.infer<typeof contactSchema>;

const onCallSchema = z.object({
  /** Set by `oncall set`; wins over the rotation until the rotation's next hand-over. */
  current: contactSchema.nullable(),
  currentSetAt: z.string().nullable(),
  rotation: z
    .object({ members: z.array(contactSchema).min(1), every: z.enum(['day', 'week']), at: z.string(), startedAt: z.string() })
    .nullable(),
  /** Who hears of an incident nobody picked up after the reminder. */
  escalation: contactSchema.nullable(),
});
export type OnCallState = z.infer<typeof onCallSchema>;

const conversationSchema = z.object({
  key: z.string(),
  kind: z.enum(['personal', 'groupChat', 'channel']),
  /** A botbuilder ConversationReference, kept as JSON; the bot layer parses it. */
  reference: z.record(z.string(), z.unknown()),
  installedAt: z.string(),
  /** Open incidents already offered to this conversation when it was installed. */
  backfilled: z.boolean(),
  /** Absent: the default for the conversation's kind; null: unsubscribed. */
  subscription: subscriptionSchema.nullable().optional(),
});
export type ConversationRecord = z.infer<typeof conversationSchema>;

const incidentSchema = z.object({
  id: z.string(),
  lastUpdateDateTime: z.string(),
  createdDateTime: z.string(),
  open: z.boolean(),
  severity: z.string(),
  title: z.string(),
  userUpn: z.string().nullable(),
  /** When the bot first learned of it: conversations installed later are not owed it. */
  firstSeenAt: z.string().optional(),
  /** As last seen, to tell an outside change in words (older stores lack them). */
  status: z.string().optional(),
  classification: z.string().nullable().optional(),
  assignedTo: z.string().nullable().optional(),
  alertCount: z.number().int().optional(),
  /** Service sources of the incident's alerts (for subscriptions by source). */
  sources: z.array(z.string()).optional(),
  /** The newest lastUpdateDateTime among its IRM alerts when last read: a listed alert no newer needs no re-read. */
  alertsUpdatedThrough: z.string().optional(),
});
export type IncidentRecord = z.infer<typeof incidentSchema>;

const postSchema = z.object({
  incidentId: z.string(),
  conversationKey: z.string(),
  activityId: z.string(),
  postedAt: z.string(),
  /** A card of its own (kept current), or a line in a digest card. */
  kind: z.enum(['card', 'digest']).optional(),
});
export type PostRecord = z.infer<typeof postSchema>;

const decisionSchema = z.object({
  incidentId: z.string(),
  action: z.enum(['startInvestigation', 'resolve']),
  by: actorSchema,
  at: z.string(),
  classification: z.string().optional(),
  determination: z.string().optional(),
  /** Recorded before the first write to Defender and cleared once Defender has it all. */
  pending: z.boolean().optional(),
});
export type DecisionRecord = z.infer<typeof decisionSchema>;

const auditSchema = z.object({
  at: z.string(),
  actor: actorSchema,
  action: z.string(),
  target: z.string().optional(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditSchema>;

const dataSchema = z.object({
  version: z.literal(1),
  /** Which Defender tenant this memory is about (see Store.open). */
  scope: z.string().nullable().default(null),
  conversations: z.record(z.string(), conversationSchema),
  incidents: z.record(z.string(), incidentSchema),
  /** Which message shows an incident in a conversation: incident id → conversation key → post. */
  posts: z.record(z.string(), z.record(z.string(), postSchema)),
  /** The latest decision per incident, keyed by incident id. */
  decisions: z.record(z.string(), decisionSchema),
  watermark: z.string().nullable(),
  /** When the first poll ran, in Graph's time: incidents created before it are not announced as new. */
  watchingSince: z.string().nullable().default(null),
  audit: z.array(auditSchema),
  onCall: onCallSchema.default({ current: null, currentSetAt: null, rotation: null, escalation: null }),
  /** Reminders sent about incidents still New: incident id → when. */
  reminders: z.record(z.string(), z.object({ remindedAt: z.string().optional(), escalatedAt: z.string().optional() })).default({}),
  /** The last change made outside Teams (Defender or Purview portal), as the card tells it. */
  outsideChanges: z.record(z.string(), z.object({ text: z.string(), at: z.string() })).default({}),
  lastSummaryAt: z.string().nullable().default(null),
  /** Decisions Purview has yet to reflect: incident id → the IRM status expected, since when. */
  /** Secret for pseudonyms of people at risk (see auth/privacy.ts). */
  pseudonymSalt: z.string().optional(),
  /** Analysts (Teams id) who may see names: they get their own view of shared cards. */
  viewers: z.record(z.string(), z.object({ name: z.string(), seenAt: z.string() })).default({}),
  irmSync: z.record(z.string(), z.object({ expected: z.string(), since: z.string(), overdue: z.boolean() })).default({}),
  /** Incidents a poll could not read or parse: read again at every poll until they can be. */
  unreadable: z.record(z.string(), z.object({ since: z.string(), error: z.string(), attempts: z.number().int() })).default({}),
});
export type StoreData = z.infer<typeof dataSchema>;

const empty = (scope: string | null = null): StoreData => ({
  version: 1,
  scope,
  conversations: {},
  incidents: {},
  posts: {},
  decisions: {},
  watermark: null,
  watchingSince: null,
  audit: [],
  onCall: { current: null, currentSetAt: null, rotation: null, escalation: null },
  reminders: {},
  outsideChanges: {},
  lastSummaryAt: null,
  irmSync: {},
  viewers: {},
  unreadable: {},
});

/** Audit entries the store file keeps; older ones move to `{file}.audit.jsonl`, which only ever grows. */
export const AUDIT_KEPT = 2_000;

export interface StoreHealth {
  writable: boolean;
  /** When writes began to fail (absent while writable). */
  failingSince?: string;
  error?: string;
}

export class Store {
  private archiving: Promise<void> = Promise.resolve();
  private writeFailure: { since: string; error: string } | null = null;

  private constructor(
    private readonly db: Low<StoreData>,
    readonly file: string | null,
    private readonly auditKept: number,
  ) {}

  /** Where audit entries too old for the store file are appended, one JSON object a line (null in memory). */
  get auditArchive(): string | null {
    return this.file ? `${this.file}.audit.jsonl` : null;
  }

  /**
   * Open (or create) the store. `:memory:` keeps it in memory only (tests). `scope` names the
   * Defender tenant the memory is about: a store written for another one (the embedded tenant
   * of an earlier demo run, say) is set aside, not mixed in.
   */
  static async open(file: string, scope: string | null = null, options: { auditKept?: number } = {}): Promise<Store> {
    const auditKept = options.auditKept ?? AUDIT_KEPT;
    if (file === ':memory:') {
      const db = new Low<StoreData>(new Memory<StoreData>(), empty(scope));
      return new Store(db, null, auditKept);
    }
    await mkdir(dirname(file), { recursive: true });
    const db = new Low<StoreData>(new JSONFile<StoreData>(file), empty(scope));
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
    if (text !== null) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw await refuse(file, 'is not valid JSON (truncated or corrupt)', cause);
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw await refuse(file, `does not hold the store's object (it holds ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`, null);
      db.data = raw as StoreData;
    }
    const parsed = dataSchema.safeParse(db.data);
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
    return new Store(db, file, auditKept);
  }

  get data(): Readonly<StoreData> {
    return this.db.data;
  }

  /**
   * Apply a change in memory only; it reaches the file with the next write. For memory that can be
   * rebuilt if lost (the poller's view of incidents, re-read from the watermark after a crash).
   */
  stage(change: (data: StoreData) => void): void {
    change(this.db.data);
  }

  /**
   * Apply a change and persist it in one write. If the write fails the change stays in memory
   * (the bot goes on knowing it) and reaches the file with the next write that succeeds; the
   * caller gets a StoreWriteError and `health()` reports the store unwritable until then.
   */
  async update<T>(change: (data: StoreData) => T): Promise<T> {
    const result = change(this.db.data);
    await this.write();
    return result;
  }

  /** Whether the last write reached the file, and since when writes have been failing. */
  health(): StoreHealth {
    return this.writeFailure ? { writable: false, failingSince: this.writeFailure.since, error: this.writeFailure.error } : { writable: true };
  }

  private async write(): Promise<void> {
    try {
      await this.db.write();
      if (this.writeFailure) log.info('the store is written again; what it could not save before is saved now', { file: this.file, failingSince: this.writeFailure.since });
      this.writeFailure = null;
    } catch (cause) {
      const error = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message.slice(0, 200) : 'unknown error');
      this.writeFailure ??= { since: new Date().toISOString(), error };
      log.error('could not write the store; the change is kept in memory and saved with the next write that succeeds', { file: this.file, error });
      throw new StoreWriteError(`The bot could not save to its store (${error}).`, { cause });
    }
  }

  conversations(): ConversationRecord[] {
    return Object.values(this.db.data.conversations);
  }

  postsFor(incidentId: string): PostRecord[] {
    return Object.values(this.db.data.posts[incidentId] ?? {});
  }

  post(incidentId: string, conversationKey: string): PostRecord | undefined {
    return this.db.data.posts[incidentId]?.[conversationKey];
  }

  /** Record (or replace) the message that shows an incident in a conversation. */
  recordPost(post: PostRecord): Promise<void> {
    return this.update((d) => {
      (d.posts[post.incidentId] ??= {})[post.conversationKey] = post;
    });
  }

  /**
   * Record an audit entry. The store file is rewritten on every write, so it keeps the newest
   * entries only: past a quarter more than `auditKept`, the oldest are appended to the archive
   * first and only then dropped from the file (a crash in between repeats some, loses none).
   */
  async appendAudit(entry: AuditEntry): Promise<void> {
    try {
      await this.update((d) => {
        d.audit.push(entry);
      });
    } catch (err) {
      // The entry stays in memory and is saved with the next write that succeeds (`health()` says
      // the store is failing meanwhile): an audit that cannot be saved yet never fails the action.
      if (err instanceof StoreWriteError) return;
      throw err;
    }
    const archive = this.auditArchive;
    if (!archive || this.db.data.audit.length <= this.auditKept + Math.ceil(this.auditKept / 4)) return;
    // One archiving at a time; a failure is logged and the next entry tries again.
    this.archiving = this.archiving
      .then(async () => {
        const moved = this.db.data.audit.slice(0, this.db.data.audit.length - this.auditKept);
        if (moved.length === 0) return;
        await appendFile(archive, moved.map((e) => JSON.stringify(e)).join('\n') + '\n');
        await this.update((d) => void d.audit.splice(0, moved.length));
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
