/**
 * The on-call rotation as pure functions of time. Nothing is scheduled to "switch" the on-call
 * analyst: who is on call is computed from the rotation and the clock, so a restart, a missed
 * cron tick or a clock jump cannot leave the wrong person on duty. (The hand-over cron job in
 * handover.ts only announces the change.)
 *
 * Hand-overs happen at `at` (UTC, no daylight saving) every day, or every Monday for a weekly
 * rotation. The first member is on call from `startedAt` until the first hand-over after it; each
 * hand-over passes duty to the next member, wrapping around.
 */
import { isUpn } from '../util/upn.js';
import { plainInMessage } from '../cards/markdown.js';
import cron from 'node-cron';
import { BadInputError } from '../errors.js';
import type { Contact, OnCallState } from '../store/store.js';

export type Rotation = NonNullable<OnCallState['rotation']>;
export type RotationEvery = Rotation['every'];
export interface RotationSpec {
  members: Contact[];
  every: RotationEvery;
  /** `HH:MM`, 24-hour, UTC. */
  at: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PERIOD: Record<RotationEvery, number> = { day: DAY, week: 7 * DAY };
/** Weekly rotations hand over on Mondays (cron day 1; `Date#getUTCDay` numbering). */
const WEEKLY_HANDOVER_DAY = 1;
export const MAX_ROTATION_MEMBERS = 50;

/**
 * A value typed in chat, fit to echo back into a shared chat: printable, not too long, and unable
 * to make a link, a mention, bold or the end of a code span (`[ ] < > *` become `?`, backticks
 * `'`). Underscores, `#` and `~` stay: user principal names have them (`jane_fabrikam.com#EXT#@…`).
 */
export function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?').replace(/[[\]<>*]/g, '?').replace(/`/g, "'");
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

export function parseUpn(value: string): string {
  const upn = value.trim();
  if (!isUpn(upn)) throw new BadInputError(`${shown(upn) || 'That'} is not a user principal name such as adele.vance@contoso.com.`);
  return upn.toLowerCase();
}

/** `09:00`, `9:00`, `9`, `9am`, `5pm`, `5:30pm`, `12am` (midnight) → `HH:MM`. */
export function parseTime(value: string): string {
  const match = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(value.trim());
  const expected = `at must be a time such as 09:00 or 5pm (24-hour or am/pm, UTC), not "${shown(value)}".`;
  if (!match) throw new BadInputError(expected);
  let hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  const meridiem = match[3]?.toLowerCase();
  if (meridiem) {
    if (hours < 1 || hours > 12) throw new BadInputError(expected);
    hours = (hours % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  if (hours > 23 || minutes > 59) throw new BadInputError(expected);
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

export function parseEvery(value: string | undefined): RotationEvery {
  const word = (value ?? '').toLowerCase().replace(/^(daily)$/, 'day').replace(/^(weekly)$/, 'week').replace(/s$/, '');
  if (word === 'day' || word === 'week') return word;
  throw new BadInputError(`every must be day or week (weekly hand-overs are on Mondays), not "${shown(value ?? '')}".`);
}

/**
 * `a@contoso.com,b@contoso.com every day at 09:00` (as chat tokens) → a rotation spec.
 * Members may also be separated by spaces; `extraMembers` (people @mentioned) follow the typed
 * UPNs in the order given.
 */
export function parseRotation(tokens: readonly string[], extraMembers: readonly Contact[] = []): RotationSpec {
  const usage = 'Type `oncall rotation {upn},{upn},… every day|week at HH:MM`, for example `oncall rotation adele.vance@contoso.com,lee.gu@contoso.com every week at 09:00` (UTC).';
  const everyIndex = tokens.findIndex((t) => t.toLowerCase() === 'every');
  if (everyIndex < 0) throw new BadInputError(`How often should the rotation hand over? ${usage}`);
  const atIndex = tokens.findIndex((t, i) => i > everyIndex && t.toLowerCase() === 'at');
  if (atIndex < 0) throw new BadInputError(`At what time should the rotation hand over? ${usage}`);
  if (atIndex !== everyIndex + 2) throw new BadInputError(`every must be followed by one word, day or week. ${usage}`);

  const names = tokens
    .slice(0, everyIndex)
    .join(',')
    .split(/[,;]/)
    .map((n) => n.trim())
    .filter(Boolean);
  const members: Contact[] = names.map((n) => ({ upn: parseUpn(n) }));
  members.push(...extraMembers);
  if (members.length === 0) throw new BadInputError(`Who is in the rotation? ${usage}`);
  if (members.length > MAX_ROTATION_MEMBERS) throw new BadInputError(`A rotation has at most ${MAX_ROTATION_MEMBERS} members; this one has ${members.length}.`);
  for (let i = 0; i < members.length; i++) {
    const twin = members.findIndex((m, j) => j < i && sameContact(m, members[i]!));
    if (twin >= 0) throw new BadInputError(`${describeContact(members[i]!)} is in the rotation twice; list each member once.`);
  }
  const every = parseEvery(tokens[everyIndex + 1]);
  const timeText = tokens.slice(atIndex + 1).join(' ');
  if (!timeText) throw new BadInputError(`at must be a time such as 09:00 or 5pm (UTC). ${usage}`);
  return { members, every, at: parseTime(timeText) };
}

/** The node-cron expression of the rotation's hand-over (minute hour, UTC). */
export function cronFor(rotation: Pick<Rotation, 'every' | 'at'>): string {
  const { hours, minutes } = splitTime(rotation.at);
  const expression = `${minutes} ${hours} * * ${rotation.every === 'week' ? WEEKLY_HANDOVER_DAY : '*'}`;
  if (!cron.validate(expression)) throw new BadInputError(`The rotation's hand-over time "${shown(rotation.at)}" does not make a valid schedule; expected HH:MM (UTC).`);
  return expression;
}

/** Two contacts are the same person when any identifier they share matches. */
export function sameContact(a: Contact, b: Contact): boolean {
  if (a.teamsId && b.teamsId) return a.teamsId === b.teamsId;
  if (a.aadObjectId && b.aadObjectId) return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
  return a.upn.toLowerCase() === b.upn.toLowerCase();
}

/** A contact as a message's text names them: the name is whatever Teams (or a guest) calls them, so it is escaped. */
export function describeContact(contact: Contact): string {
  if (contact.name && isUpn(contact.upn)) return `${plainInMessage(contact.name)} (${plainInMessage(contact.upn)})`;
  return plainInMessage(contact.name ?? contact.upn);
}

function splitTime(at: string): { hours: number; minutes: number } {
  const match = /^(\d{2}):(\d{2})$/.exec(at);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) throw new BadInputError(`at must be a time such as 09:00 (UTC), not "${shown(at)}".`);
  return { hours, minutes };
}

/** The first hand-over strictly after the rotation started. */
function firstHandover(rotation: Rotation): number {
  const started = Date.parse(rotation.startedAt);
  const { hours, minutes } = splitTime(rotation.at);
  const day = new Date(started);
  let candidate = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hours, minutes);
  if (rotation.every === 'week') {
    const shift = (WEEKLY_HANDOVER_DAY - day.getUTCDay() + 7) % 7;
    candidate += shift * DAY;
  }
  while (candidate <= started) candidate += PERIOD[rotation.every];
  return candidate;
}

/** How many hand-overs have happened by `now`, and when the last and the next one are. */
export function handoversAt(rotation: Rotation, now: Date): { count: number; last: Date | null; next: Date } {
  const first = firstHandover(rotation);
  const period = PERIOD[rotation.every];
  const t = now.getTime();
  if (t < first) return { count: 0, last: null, next: new Date(first) };
  const count = Math.floor((t - first) / period) + 1;
  return { count, last: new Date(first + (count - 1) * period), next: new Date(first + count * period) };
}

/** The rotation member on duty at `now` (ignoring any explicit `oncall set`). */
export function rotationMemberAt(rotation: Rotation, now: Date): Contact {
  const { count } = handoversAt(rotation, now);
  return rotation.members[count % rotation.members.length]!;
}

/**
 * Who is on call at `now`: the person set explicitly, if that happened after the rotation's last
 * hand-over (or after it started, before the first one); otherwise the rotation's member on
 * duty. Without a rotation, the person set explicitly, for as long as they stay set.
 */
export function onCallAt(state: OnCallState, now: Date): Contact | null {
  const { rotation, current, currentSetAt } = state;
  if (!rotation) return current;
  if (current && currentSetAt) {
    const boundary = handoversAt(rotation, now).last?.getTime() ?? Date.parse(rotation.startedAt);
    const setAt = Date.parse(currentSetAt);
    if (setAt >= boundary && setAt <= now.getTime()) return current;
  }
  return rotationMemberAt(rotation, now);
}

/** The next hand-over after `now` and who takes over then, or null without a rotation. */
export function nextHandover(state: OnCallState, now: Date): { at: Date; to: Contact } | null {
  if (!state.rotation) return null;
  const { next } = handoversAt(state.rotation, now);
  return { at: next, to: rotationMemberAt(state.rotation, next) };
}
