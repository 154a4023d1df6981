/**
 * The bot's own memory, as named operations on its entities: where it is installed, what it last
 * saw of each incident, which message shows which incident where, decisions made from Teams,
 * on-call state, the poll's cursor and an audit log of every action.
 *
 * Callers say what they mean (`recordPost`, `saveDecision`, `rememberIncidents`) and never see
 * how it is kept. Each operation reads or writes one entity, or one batch of records a caller
 * changes at once, so an implementation can keep entities apart and write only what changed
 * (the embedded one keeps lowdb files, see lowdb-store.ts; replicas sharing one store need no more).
 *
 * Writes: a write that fails keeps its change in memory (the bot goes on knowing it), throws
 * StoreWriteError, and `health()` reports the store unwritable until a later write saves
 * everything. Returned records are the store's own: read them, do not change them.
 */
import type {
  AuditEntry,
  ConversationRecord,
  Cursor,
  DecisionRecord,
  IncidentRecord,
  IrmSyncEntry,
  OnCallState,
  OutsideChange,
  PostRecord,
  ReminderRecord,
  Subscription,
  UnreadableEntry,
  Viewer,
} from './entities.js';
import type { Coordination } from './coordination.js';
import { LowdbStore, type LowdbStoreOptions } from './lowdb-store.js';

export type {
  Actor,
  AuditEntry,
  Contact,
  ConversationRecord,
  Cursor,
  DecisionRecord,
  IncidentRecord,
  IrmSyncEntry,
  OnCallState,
  OutsideChange,
  PostRecord,
  ReminderRecord,
  Subscription,
  UnreadableEntry,
  Viewer,
} from './entities.js';
export { AUDIT_KEPT } from './lowdb-store.js';

export interface StoreHealth {
  writable: boolean;
  /** When writes began to fail (absent while writable). */
  failingSince?: string;
  error?: string;
}

/** How much the store holds (for the doctor). */
export interface StoreCounts {
  conversations: number;
  incidents: number;
  posts: number;
  decisions: number;
  auditEntries: number;
}

export interface Store {
  /** Quotas, locks and short-lived results shared by every replica that shares this store. */
  readonly coordination: Coordination;

  // Conversations the bot is installed in.
  conversation(key: string): Promise<ConversationRecord | undefined>;
  conversations(): Promise<ConversationRecord[]>;
  saveConversation(conversation: ConversationRecord): Promise<void>;
  removeConversation(key: string): Promise<void>;
  /** Change what a conversation hears of (null: nothing); a conversation the bot has left stays gone. */
  setSubscription(key: string, subscription: Subscription | null): Promise<void>;
  /** The install backlog reached the conversation: it is not offered again. */
  markBackfilled(key: string): Promise<void>;
  /**
   * When the bot introduced itself in the conversation (undefined: never). Kept after the bot is
   * removed from it, so that installing it again does not introduce it twice.
   */
  welcomedAt(key: string): Promise<string | undefined>;
  markWelcomed(key: string, at: string): Promise<void>;

  // Incidents as the bot last saw them.
  incident(id: string): Promise<IncidentRecord | undefined>;
  openIncidents(): Promise<IncidentRecord[]>;
  /** Every incident remembered about the person at risk with that UPN (any case), open or not. */
  incidentsAbout(upn: string): Promise<IncidentRecord[]>;
  /**
   * Remember incidents as last seen, all in one go. Kept in memory at once but written with the
   * next write (or `flush()`), not by a write of its own: this is the poller's view, which the
   * next poll rebuilds from the watermark if a crash loses it, and a poll that learns of
   * thousands of incidents must not cost a write each. The watermark is written after them.
   */
  rememberIncidents(records: readonly IncidentRecord[]): Promise<void>;
  /** Write whatever is held in memory only (remembered incidents, changes a failed write kept). */
  flush(): Promise<void>;

  // Which message shows an incident in a conversation.
  post(incidentId: string, conversationKey: string): Promise<PostRecord | undefined>;
  postsFor(incidentId: string): Promise<PostRecord[]>;
  /** Which of these incidents have a message in the conversation (one read however many: a poll asks for every open one). */
  postedIn(conversationKey: string, incidentIds: readonly string[]): Promise<Set<string>>;
  /** Record (or replace) the message that shows an incident in a conversation. */
  recordPost(post: PostRecord): Promise<void>;
  /** Several at once, in one write (a digest stands for many incidents). */
  recordPosts(posts: readonly PostRecord[]): Promise<void>;
  /**
   * Claim the sending of an incident's card into a conversation, before sending it: true for
   * the one claimant that may send. What keeps two replicas from posting the same card (a
   * claim whose claimant died lapses after a while, so the card is still posted); one process
   * alone always may.
   */
  claimPost(incidentId: string, conversationKey: string, by: string, now: Date): Promise<boolean>;

  // The latest decision from Teams per incident.
  decision(incidentId: string): Promise<DecisionRecord | undefined>;
  saveDecision(decision: DecisionRecord): Promise<void>;
  forgetDecision(incidentId: string): Promise<void>;
  /** A pending decision that did not reach Defender gives way to the one before it, unless something replaced it meanwhile. */
  withdrawDecision(pending: DecisionRecord, previous: DecisionRecord | undefined): Promise<void>;

  // The last change made outside Teams, as the card tells it.
  outsideChange(incidentId: string): Promise<OutsideChange | undefined>;
  /** Note a change made in a portal; one that changed the incident's decision overtakes the Teams decision (forgotten with it). */
  recordOutsideChange(incidentId: string, change: OutsideChange, options: { overtakesDecision: boolean }): Promise<void>;
  forgetOutsideChange(incidentId: string): Promise<void>;

  // Decisions Purview has yet to reflect.
  irmSync(incidentId: string): Promise<IrmSyncEntry | undefined>;
  irmSyncPending(): Promise<Record<string, IrmSyncEntry>>;
  trackIrmSync(incidentId: string, entry: IrmSyncEntry): Promise<void>;
  markIrmSyncOverdue(incidentId: string): Promise<void>;
  forgetIrmSync(incidentId: string): Promise<void>;

  // Reminders and escalations sent about incidents still New.
  reminder(incidentId: string): Promise<ReminderRecord | undefined>;
  reminders(): Promise<Record<string, ReminderRecord>>;
  /** Record that a notice went out; the first time recorded stays. */
  markReminderSent(incidentId: string, kind: 'reminder' | 'escalation', at: string): Promise<void>;
  forgetReminders(incidentIds: readonly string[]): Promise<void>;

  // Incidents polls could not read.
  unreadableIncidents(): Promise<Record<string, UnreadableEntry>>;
  /** One more failed read: counts the attempts, keeps when it began. */
  noteUnreadable(incidentId: string, error: string, at: string): Promise<void>;
  forgetUnreadable(incidentId: string): Promise<void>;

  // Who is on call.
  onCall(): Promise<OnCallState>;
  saveOnCall(state: OnCallState): Promise<void>;

  // Analysts who may see names in shared cards.
  viewers(): Promise<Record<string, Viewer>>;
  rememberViewer(teamsId: string, viewer: Viewer): Promise<void>;

  // Where the poll and the summary have got to.
  cursor(): Promise<Cursor>;
  saveCursor(changes: Partial<Cursor>): Promise<void>;

  /**
   * The per-store secret of pseudonyms. Written before it is first handed out: a salt used in a
   * card and then lost would rename everyone. Throws StoreWriteError (and hands out nothing) when
   * it cannot be written.
   */
  pseudonymSalt(): Promise<string>;

  // The audit log: one path writes it.
  /** Record an audit entry. An entry that cannot be saved yet never fails the action: it is saved with the next write that succeeds. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries (or all the store keeps), oldest first. */
  recentAudit(limit?: number): Promise<AuditEntry[]>;

  counts(): Promise<StoreCounts>;
  /** Whether the last write reached the store, and since when writes have been failing. */
  health(): StoreHealth;
}

/**
 * Open (or create) the store. `:memory:` keeps it in memory only (tests). `scope` names the
 * Defender tenant the memory is about: a store written for another one (the embedded tenant of
 * an earlier demo run, say) is set aside, not mixed in. A file that cannot be read as a store
 * stops the bot (a copy is kept), rather than letting it start afresh on top of it.
 */
export function openStore(file: string, scope: string | null = null, options: LowdbStoreOptions = {}): Promise<LowdbStore> {
  return LowdbStore.open(file, scope, options);
}

/** `Store.open(file, scope, options)`: the same as `openStore`. */
export const Store = { open: openStore };
