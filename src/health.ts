/**
 * Whether the running bot is doing its job, for `/healthz` (a probe reads `ok` and the HTTP status)
 * and for `status` in chat: polls that complete, a store that can be written, conversations whose
 * cards do not get through. One place decides what counts as unhealthy.
 */
import type { Finding } from './doctor/doctor.js';
import type { StoreHealth } from './store/store.js';
import type { PollerStatus } from './sync/poller.js';
import type { ConversationFailure } from './sync/delivery.js';

export interface HealthInputs {
  now: Date;
  /** When the bot started (a poll is owed from then on). */
  startedAt: Date;
  /** Null when polling is not scheduled in this process (tests that drive polls themselves). */
  poll: { status: PollerStatus; staleAfterMs: number } | null;
  store: StoreHealth;
  failingConversations: readonly ConversationFailure[];
  /** Incidents polls cannot read (store `unreadable`). */
  unreadableIncidents: Readonly<Record<string, { since: string; error: string; attempts: number }>>;
}

export interface HealthReport {
  ok: boolean;
  status: 'ok' | 'degraded';
  /** Each problem in words, with since when. */
  problems: string[];
  lastPollCompletedAt: string | null;
  store: StoreHealth;
  /** Conversations whose cards are not getting through (they stay owed and are retried). */
  failingConversations: { conversation: string; since: string; error: string }[];
  /** Incidents polls cannot read: skipped (the rest go on) and read again at every poll. */
  unreadableIncidents: { incidentId: string; since: string; error: string; attempts: number }[];
}

export function healthReport(input: HealthInputs): HealthReport {
  const problems: string[] = [];
  if (input.poll) {
    const { status, staleAfterMs } = input.poll;
    const last = status.lastCompletedAt ? Date.parse(status.lastCompletedAt) : input.startedAt.getTime();
    if (input.now.getTime() - last > staleAfterMs) {
      const since = status.lastCompletedAt ? `since ${status.lastCompletedAt}` : `since the bot started at ${input.startedAt.toISOString()}`;
      problems.push(`No poll of Defender has completed ${since}${status.lastError ? ` (last error: ${status.lastError})` : ''}.`);
    }
  }
  if (!input.store.writable) problems.push(`The store cannot be written since ${input.store.failingSince} (${input.store.error}); changes are kept in memory until it can.`);
  const failing = input.failingConversations.map((f) => ({ conversation: f.conversationKey, since: new Date(f.since).toISOString(), error: f.error }));
  return {
    ok: problems.length === 0,
    status: problems.length === 0 ? 'ok' : 'degraded',
    problems,
    lastPollCompletedAt: input.poll?.status.lastCompletedAt ?? null,
    store: input.store,
    failingConversations: failing,
    unreadableIncidents: Object.entries(input.unreadableIncidents).map(([incidentId, u]) => ({ incidentId, ...u })),
  };
}

/** The same report as `status` findings, before the set-up checks. */
export function healthFindings(report: HealthReport): Finding[] {
  const findings: Finding[] = [
    { check: 'Polling', ok: !report.problems.some((p) => p.startsWith('No poll')), detail: report.problems.find((p) => p.startsWith('No poll')) ?? (report.lastPollCompletedAt ? `last completed ${report.lastPollCompletedAt}` : 'no poll has completed yet') },
    { check: 'Store writes', ok: report.store.writable, detail: report.store.writable ? 'the store is being written' : `failing since ${report.store.failingSince} (${report.store.error})`, fix: report.store.writable ? undefined : 'Check the disk and the permissions of DB_FILE; the bot saves what it kept in memory as soon as a write succeeds.' },
  ];
  findings.push(
    report.failingConversations.length === 0
      ? { check: 'Delivery to Teams', ok: true, detail: 'every conversation is receiving cards' }
      : {
          check: 'Delivery to Teams',
          ok: false,
          detail: report.failingConversations.map((f) => `${f.conversation}: failing since ${f.since} (${f.error})`).join('; '),
          fix: 'Cards for these conversations stay owed and are retried with growing pauses; if the bot was removed there, they stop when Teams says so.',
        },
  );
  findings.push(
    report.unreadableIncidents.length === 0
      ? { check: 'Incidents read', ok: true, detail: 'every incident polls asked for could be read' }
      : {
          check: 'Incidents read',
          ok: false,
          detail: report.unreadableIncidents.map((u) => `incident ${u.incidentId}: unreadable since ${u.since}, ${u.attempts} attempt${u.attempts === 1 ? '' : 's'} (${u.error})`).join('; '),
          fix: 'The other incidents are posted as usual and these are read again at every poll. A 403 means a missing Graph permission (see the permission checks below); a shape error is worth reporting with the bot log.',
        },
  );
  return findings;
}
