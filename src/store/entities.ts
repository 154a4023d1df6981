/**
 * What the bot remembers, entity by entity: the zod schemas that check a store read back from
 * disk, and the types every caller uses. Each entity is small and stands on its own, so a store
 * can keep each one apart (a record per blob, say) and never needs to read the whole world.
 */
import { z } from 'zod';

export const actorSchema = z.object({ id: z.string(), name: z.string(), aadObjectId: z.string().optional(), upn: z.string().optional() });
export type Actor = z.infer<typeof actorSchema>;

/** Which incidents a conversation hears of; absent = the default for its kind (see subscriptions). */
export const subscriptionSchema = z.object({
  minSeverity: z.enum(['informational', 'low', 'medium', 'high']),
  /** Only incidents about these users (UPNs, lower case); empty = everyone. */
  users: z.array(z.string()),
  /** Only incidents that group an alert from one of these service sources; empty = any. */
  sources: z.array(z.string()),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** Someone the bot can mention: by UPN always, by Teams/Entra ids when known. */
export const contactSchema = z.object({ upn: z.string(), name: z.string().optional(), aadObjectId: z.string().optional(), teamsId: z.string().optional() });
export type Contact = z.infer<typeof contactSchema>;

export const onCallSchema = z.object({
  /** Set by `oncall set`; wins over the rotation until the rotation's next hand-over. */
  current: contactSchema.nullable(),
  currentSetAt: z.string().nullable(),
  rotation: z
    .object({ members: z.array(contactSchema).min(1), every: z.enum(['day', 'week']), at: z.string(), startedAt: z.string() })
    .nullable(),
  /** Who hears of an incident nobody picked up after the reminder. */
  escalation: contactSchema.nullable(),
  /** Set by `oncall threshold` and `oncall remind`; what is absent comes from the configuration. Older stores lack it. */
  settings: z
    .object({
      mentionMinSeverity: z.enum(['low', 'medium', 'high']).optional(),
      remindAfterMinutes: z.number().int().positive().optional(),
      escalateAfterMinutes: z.number().int().positive().optional(),
    })
    .optional(),
});
export type OnCallState = z.infer<typeof onCallSchema>;

export const NOBODY_ON_CALL: Readonly<OnCallState> = Object.freeze({ current: null, currentSetAt: null, rotation: null, escalation: null });

export const conversationSchema = z.object({
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

export const incidentSchema = z.object({
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

export const postSchema = z.object({
  incidentId: z.string(),
  conversationKey: z.string(),
  activityId: z.string(),
  postedAt: z.string(),
  /** A card of its own (kept current), or a line in a digest card. */
  kind: z.enum(['card', 'digest']).optional(),
});
export type PostRecord = z.infer<typeof postSchema>;

export const decisionSchema = z.object({
  incidentId: z.string(),
  action: z.enum(['startInvestigation', 'resolve', 'assign', 'reopen']),
  by: actorSchema,
  /** Who an `assign` gave the incident to (a UPN). */
  assignee: z.string().optional(),
  at: z.string(),
  classification: z.string().optional(),
  determination: z.string().optional(),
  /** Recorded before the first write to Defender and cleared once Defender has it all. */
  pending: z.boolean().optional(),
});
export type DecisionRecord = z.infer<typeof decisionSchema>;

export const auditSchema = z.object({
  at: z.string(),
  actor: actorSchema,
  action: z.string(),
  target: z.string().optional(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditSchema>;

/** Reminders sent about an incident still New. */
export const reminderSchema = z.object({ remindedAt: z.string().optional(), escalatedAt: z.string().optional() });
export type ReminderRecord = z.infer<typeof reminderSchema>;

/** The last change made outside Teams (Defender or Purview portal), as the card tells it. */
export const outsideChangeSchema = z.object({ text: z.string(), at: z.string() });
export type OutsideChange = z.infer<typeof outsideChangeSchema>;

/** A decision Purview has yet to reflect: the IRM status expected, since when, and whether that is overdue. */
export const irmSyncSchema = z.object({ expected: z.string(), since: z.string(), overdue: z.boolean() });
export type IrmSyncEntry = z.infer<typeof irmSyncSchema>;

/** An incident a poll could not read or parse: read again at every poll until it can be. */
export const unreadableSchema = z.object({ since: z.string(), error: z.string(), attempts: z.number().int() });
export type UnreadableEntry = z.infer<typeof unreadableSchema>;

/** An analyst (by Teams id) who may see names: they get their own view of shared cards. */
export const viewerSchema = z.object({ name: z.string(), seenAt: z.string() });
export type Viewer = z.infer<typeof viewerSchema>;

/** Where the poll and the shift summary have got to. */
export interface Cursor {
  /** The newest IRM alert change the poll has handled; null before the first poll. */
  watermark: string | null;
  /** When the last shift summary went out. */
  lastSummaryAt: string | null;
  /** When the first poll ran, in Graph's time: incidents created before it are not announced as new. */
  watchingSince: string | null;
}

/*
 * How a record changes, whatever keeps it: the one rule both stores apply (the answer `undefined`
 * means "leave it as it is", `null` "remove it").
 */

/** A pending decision that did not reach Defender gives way to the one before it, unless another replaced it meanwhile. */
export function withdrawn(current: DecisionRecord | undefined, pending: DecisionRecord, previous: DecisionRecord | undefined): DecisionRecord | null | undefined {
  if (!current?.pending || current.at !== pending.at) return undefined;
  return previous ? { ...previous } : null;
}

/** A notice went out: the first time of each kind stays. */
export function reminded(current: ReminderRecord | undefined, kind: 'reminder' | 'escalation', at: string): ReminderRecord {
  const record = { ...current };
  if (kind === 'reminder') record.remindedAt ??= at;
  else record.escalatedAt ??= at;
  return record;
}

/** One more failed read: attempts counted from when they began. */
export function unreadableAgain(previous: UnreadableEntry | undefined, error: string, at: string): UnreadableEntry {
  return { since: previous?.since ?? at, error, attempts: (previous?.attempts ?? 0) + 1 };
}
