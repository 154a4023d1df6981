/**
 * On call: who is, whom a new incident's post mentions, and the reminder engine for incidents
 * nobody picked up.
 *
 * The state lives in the store (on-call state, reminders), and so do the settings `oncall threshold`
 * and `oncall remind` change; the configuration gives the settings never changed in chat. The clock
 * is injected so tests can move time.
 *
 * Reminders are at-least-once: `due()` only reads; the caller posts each notice and then calls
 * `markSent()`. A post that fails is retried on the next check; a crash between posting and
 * marking repeats that one notice after the restart, which beats losing it.
 */
import { z } from 'zod';
import { BadInputError } from '../errors.js';
import { plainInMessage } from '../cards/markdown.js';
import type { Contact, OnCallState, Store } from '../store/store.js';
import { NOBODY_ON_CALL } from '../store/entities.js';
import { SEVERITY_RANK } from '../defender/irm-mapping.js';
import type { Severity } from '../defender/model.js';
import { nextHandover, onCallAt, rotationMemberAt, sameContact, type Rotation, type RotationSpec } from './schedule.js';

export const MENTION_SEVERITIES = ['low', 'medium', 'high'] as const;
/** Reminders and escalations may wait up to a week (REMIND_/ESCALATE_AFTER_MINUTES and `oncall remind|escalate`). */
export const MAX_ONCALL_MINUTES = 7 * 24 * 60;

const minutes = z.coerce.number().int().min(1).max(MAX_ONCALL_MINUTES);
export const onCallSettingsSchema = z.object({
  mentionMinSeverity: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(MENTION_SEVERITIES)).default('high'),
  remindAfterMinutes: minutes.default(15),
  escalateAfterMinutes: minutes.default(15),
});
export type OnCallSettings = z.infer<typeof onCallSettingsSchema>;

const EXPECTED: Record<keyof OnCallSettings, string> = {
  mentionMinSeverity: 'the mention threshold must be low, medium or high',
  remindAfterMinutes: `the reminder delay must be a whole number of minutes from 1 to ${MAX_ONCALL_MINUTES} (a week)`,
  escalateAfterMinutes: `the escalation delay must be a whole number of minutes from 1 to ${MAX_ONCALL_MINUTES} (a week)`,
};

/** Validate settings (from configuration or chat); unknown keys are ignored, missing ones take defaults. */
export function parseOnCallSettings(input: unknown): OnCallSettings {
  const parsed = onCallSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = [...new Set(parsed.error.issues.map((issue) => {
    const key = issue.path[0];
    return Object.entries(EXPECTED).find(([name]) => name === key)?.[1] ?? issue.message;
  }))];
  const text = problems.join('; ');
  throw new BadInputError(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
}

export interface OpenIncident {
  id: string;
  /** Graph incidentStatus: `active` is Defender's *New*. */
  status: 'active' | 'inProgress' | 'resolved' | string;
  createdDateTime: string;
  severity: string;
  title: string;
}

export type NoticeKind = 'reminder' | 'escalation';
export interface DueNotice {
  incidentId: string;
  kind: NoticeKind;
  contact: Contact;
  title: string;
}

/**
 * A Teams @mention, the one shape for those the bot sends and those it reads: `text` goes in the
 * message and `entity` in its entities; `entity.mentioned` is the person (`id` a Teams user id,
 * an Entra object id or a UPN).
 */
export interface Mention {
  text: string;
  entity: { type: 'mention'; text: string; mentioned: { id: string; name: string; aadObjectId?: string } };
}

export interface OnCallServiceOptions {
  store: Store;
  now?: () => Date;
  /** Validated with `parseOnCallSettings`; a bad value throws BadInputError. */
  settings?: Partial<Record<keyof OnCallSettings, unknown>>;
}

const MINUTE = 60_000;

export class OnCallService {
  private readonly store: Store;
  private readonly now: () => Date;
  /** From the configuration: what holds until a setting is changed in chat. */
  private readonly configured: OnCallSettings;
  private readonly listeners = new Set<(state: OnCallState) => void>();

  constructor(options: OnCallServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.configured = parseOnCallSettings(options.settings ?? {});
  }

  /** The settings in force: those changed in chat, the configuration's for the rest. */
  async settings(): Promise<OnCallSettings> {
    return this.settingsOf(await this.store.onCall());
  }

  private settingsOf(state: OnCallState): OnCallSettings {
    return { ...this.configured, ...state.settings };
  }

  /** Change settings and keep them in the store (they outlive a restart). Throws BadInputError naming what is expected. */
  async configure(changes: Partial<Record<keyof OnCallSettings, unknown>>): Promise<OnCallSettings> {
    const state = await this.store.onCall();
    const settings = parseOnCallSettings({ ...this.settingsOf(state), ...changes });
    // Only what was changed here is kept: the configuration still gives the rest.
    const saved = { ...state.settings };
    if (changes.mentionMinSeverity !== undefined) saved.mentionMinSeverity = settings.mentionMinSeverity;
    if (changes.remindAfterMinutes !== undefined) saved.remindAfterMinutes = settings.remindAfterMinutes;
    if (changes.escalateAfterMinutes !== undefined) saved.escalateAfterMinutes = settings.escalateAfterMinutes;
    // Not who is on call: the hand-over listeners are not told.
    await this.store.saveOnCall({ ...state, settings: saved });
    return settings;
  }

  state(): Promise<OnCallState> {
    return this.store.onCall();
  }

  /** Who is on call now (see `onCallAt`), or null. */
  async current(): Promise<Contact | null> {
    return onCallAt(await this.store.onCall(), this.now());
  }

  /** Whether the current on-call analyst was set by hand rather than by the rotation. */
  async isOverride(): Promise<boolean> {
    const state = await this.store.onCall();
    const who = onCallAt(state, this.now());
    return who !== null && state.rotation !== null && state.current !== null && who === state.current;
  }

  async nextHandover(): Promise<{ at: Date; to: Contact } | null> {
    return nextHandover(await this.store.onCall(), this.now());
  }

  /**
   * Who hears of an incident nobody picked up after the reminder: the escalation contact; without
   * one, the rotation's next member after the on-call analyst (or, when the on-call analyst was
   * set by hand and is not in the rotation, the member the rotation has on duty); otherwise nobody.
   */
  async escalationContact(): Promise<Contact | null> {
    return escalationContactOf(await this.store.onCall(), this.now());
  }

  /** Put someone on call now (until the rotation's next hand-over, if there is a rotation); null clears. */
  async set(contact: Contact): Promise<Contact>;
  async set(contact: null): Promise<null>;
  async set(contact: Contact | null): Promise<Contact | null> {
    const state = await this.store.onCall();
    const known = contact ? enrich(state, contact) : null;
    await this.saveOnCall({ ...state, current: known, currentSetAt: known ? this.now().toISOString() : null });
    return known;
  }

  /** Start a rotation now: its first member is on call until the first hand-over. */
  async setRotation(spec: RotationSpec): Promise<Rotation> {
    const state = await this.store.onCall();
    const rotation: Rotation = { members: spec.members.map((m) => enrich(state, m)), every: spec.every, at: spec.at, startedAt: this.now().toISOString() };
    await this.saveOnCall({ ...state, rotation, current: null, currentSetAt: null });
    return rotation;
  }

  async setEscalation(contact: Contact): Promise<Contact>;
  async setEscalation(contact: null): Promise<null>;
  async setEscalation(contact: Contact | null): Promise<Contact | null> {
    const state = await this.store.onCall();
    const known = contact ? enrich(state, contact) : null;
    await this.saveOnCall({ ...state, escalation: known });
    return known;
  }

  /** Nobody on call: clears the person set, the rotation and the escalation contact (the settings stay). */
  async off(): Promise<void> {
    const { settings } = await this.store.onCall();
    await this.saveOnCall(settings ? { ...NOBODY_ON_CALL, settings } : { ...NOBODY_ON_CALL });
  }

  /** Whether a new incident of this severity mentions the on-call analyst (and gets reminders). */
  async shouldMention(severity: string): Promise<boolean> {
    return mentions(await this.settings(), severity);
  }

  /**
   * The mention of a contact. Teams resolves `mentioned.id` from the Teams user id, and also from
   * the Entra object id or the UPN when the Teams id is not known, in that order of preference.
   */
  mentionOf(contact: Contact): Mention {
    const name = contact.name ?? contact.upn;
    // The name is the contact's own (a guest chooses theirs): it must not close this mention or make markup.
    const text = `<at>${plainInMessage(name)}</at>`;
    return { text, entity: { type: 'mention', text, mentioned: { id: contact.teamsId ?? contact.aadObjectId ?? contact.upn, name } } };
  }

  /**
   * The reminders and escalations due now for these incidents (read only: call `markSent` for each
   * notice once posted). Only incidents still New (`active`) at or above the mention threshold
   * count. The reminder goes to the on-call analyst `remindAfterMinutes` after the incident was
   * created; the escalation `escalateAfterMinutes` after that, but never sooner than that long
   * after the reminder actually went out (an incident first seen when already old gets its
   * reminder now and its escalation later, not both at once). With nobody on call there is no
   * reminder and the escalation keeps its time. Each is sent once per incident.
   */
  async due(openIncidents: readonly OpenIncident[]): Promise<DueNotice[]> {
    const now = this.now().getTime();
    const state = await this.store.onCall();
    const reminders = await this.store.reminders();
    const onCall = onCallAt(state, new Date(now));
    const escalateTo = escalationContactOf(state, new Date(now));
    const settings = this.settingsOf(state);
    const remindAfter = settings.remindAfterMinutes * MINUTE;
    const escalateAfter = settings.escalateAfterMinutes * MINUTE;
    const notices: DueNotice[] = [];
    for (const incident of openIncidents) {
      if (!isNew(incident.status) || !mentions(settings, incident.severity)) continue;
      const created = Date.parse(incident.createdDateTime);
      if (Number.isNaN(created)) continue;
      const sent = reminders[incident.id];
      const remindedAt = sent?.remindedAt ? Date.parse(sent.remindedAt) : null;
      if (remindedAt === null && onCall && now >= created + remindAfter) {
        notices.push({ incidentId: incident.id, kind: 'reminder', contact: onCall, title: incident.title });
      }
      const escalateAt = Math.max(created + remindAfter + escalateAfter, remindedAt === null ? -Infinity : remindedAt + escalateAfter);
      if (!sent?.escalatedAt && escalateTo && (remindedAt !== null || !onCall) && now >= escalateAt) {
        notices.push({ incidentId: incident.id, kind: 'escalation', contact: escalateTo, title: incident.title });
      }
    }
    return notices;
  }

  /**
   * When the on-call analyst is (or was) reminded of this incident if it stays New: `due`'s rule
   * for one incident, for the card to say. Undefined when no reminder will come (not New, below
   * the mention threshold, or nobody on call).
   */
  async reminderAt(incident: Pick<OpenIncident, 'status' | 'severity' | 'createdDateTime'>): Promise<string | undefined> {
    if (!isNew(incident.status)) return undefined;
    const state = await this.store.onCall();
    const settings = this.settingsOf(state);
    if (!mentions(settings, incident.severity) || !onCallAt(state, this.now())) return undefined;
    const created = Date.parse(incident.createdDateTime);
    return Number.isNaN(created) ? undefined : new Date(created + settings.remindAfterMinutes * MINUTE).toISOString();
  }

  /** Record that a notice went out (idempotent: the first time recorded stays). */
  async markSent(incidentId: string, kind: NoticeKind): Promise<void> {
    await this.store.markReminderSent(incidentId, kind, this.now().toISOString());
  }

  /** Forget reminder records of incidents no longer open (keeps the store from growing). */
  async prune(openIncidentIds: Iterable<string>): Promise<number> {
    const open = new Set(openIncidentIds);
    const stale = Object.keys(await this.store.reminders()).filter((id) => !open.has(id));
    if (stale.length === 0) return 0;
    await this.store.forgetReminders(stale);
    return stale.length;
  }

  /** Hear of every change to who is on call, with the state it made (the hand-over scheduler reschedules on it). */
  onChange(listener: (state: OnCallState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async saveOnCall(state: OnCallState): Promise<void> {
    await this.store.saveOnCall(state);
    for (const listener of this.listeners) listener(state);
  }

}

/**
 * Who hears of an incident nobody picked up after the reminder: the escalation contact; without
 * one, the rotation's next member after the on-call analyst (or, when the on-call analyst was
 * set by hand and is not in the rotation, the member the rotation has on duty); otherwise nobody.
 */
function escalationContactOf(state: OnCallState, now: Date): Contact | null {
  if (state.escalation) return state.escalation;
  if (!state.rotation) return null;
  const onCall = onCallAt(state, now);
  const members = state.rotation.members;
  const index = onCall ? members.findIndex((m) => sameContact(m, onCall)) : -1;
  const next = index >= 0 ? members[(index + 1) % members.length]! : rotationMemberAt(state.rotation, now);
  return onCall && sameContact(next, onCall) ? null : next;
}

/** Fill in what the bot already knows of this person (a name, Teams or Entra ids). */
function enrich(state: OnCallState, contact: Contact): Contact {
  const known = [state.current, state.escalation, ...(state.rotation?.members ?? [])].filter((c): c is Contact => c !== null);
  const match = known.find((k) => sameContact(k, contact));
  if (!match) return contact;
  const merged: Contact = { upn: contact.upn };
  const name = contact.name ?? match.name;
  const aadObjectId = contact.aadObjectId ?? match.aadObjectId;
  const teamsId = contact.teamsId ?? match.teamsId;
  if (name !== undefined) merged.name = name;
  if (aadObjectId !== undefined) merged.aadObjectId = aadObjectId;
  if (teamsId !== undefined) merged.teamsId = teamsId;
  return merged;
}

function mentions(settings: OnCallSettings, severity: string): boolean {
  return (SEVERITY_RANK[severity.toLowerCase() as Severity] ?? 0) >= SEVERITY_RANK[settings.mentionMinSeverity];
}

function isNew(status: string): boolean {
  const s = status.toLowerCase();
  return s === 'active' || s === 'new';
}
