/**
 * Deterministic seed data: for a numeric seed and a base time, the same incidents, alerts,
 * comments, decisions and hunting rows every time.
 *
 * Incidents are about the eight seed users, spread over the last ten days (ids ascending with
 * time, from 2101), every severity present once there are four, about half grouped with
 * Defender for Endpoint, Entra ID Protection or DLP alerts, and a few already in progress or
 * resolved by a portal analyst.
 */
import type { Classification, Determination, Severity } from './graph-model.js';
import { IRM_TEMPLATES } from './catalog.js';
import { BYSTANDER_USERS, SEED_USERS } from './directory.js';
import { addBackgroundActivity } from './hunting-tables.js';
import { OTHER_SOURCES, type OtherSource } from './records.js';
import type { TenantState } from './state.js';

export const DEFAULT_SEED_INCIDENTS = 8;
export const DEFAULT_SEED = 20_260_101;
/** The analyst who made the seed's portal decisions. */
export const SEED_ANALYST = { upn: 'alex.wilber@contoso.com', displayName: 'Alex Wilber' } as const;

const SEVERITY_CYCLE: readonly Severity[] = ['high', 'medium', 'low', 'informational'];
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SPREAD = 10 * DAY;

/** What happens to the i-th incident after it is created (a cycle of eight). */
type Fate = 'new' | 'inProgress' | 'resolvedTruePositive' | 'resolvedFalsePositive' | 'resolvedExpected';
const FIRST_FATES: readonly Fate[] = ['resolvedTruePositive', 'new', 'resolvedFalsePositive', 'inProgress', 'new', 'inProgress', 'new', 'new'];
const LATER_FATES: readonly Fate[] = ['new', 'new', 'new', 'inProgress', 'resolvedTruePositive', 'resolvedFalsePositive', 'resolvedExpected'];

const DECISIONS: Record<Exclude<Fate, 'new' | 'inProgress'>, { classification: Classification; determination: Determination; comment: string }> = {
  resolvedTruePositive: { classification: 'truePositive', determination: 'maliciousUserActivity', comment: 'Confirmed with HR: files taken before leaving. Escalated to legal.' },
  resolvedFalsePositive: { classification: 'falsePositive', determination: 'notMalicious', comment: 'Approved transfer to a partner, ticket CHG-20417.' },
  resolvedExpected: { classification: 'informationalExpectedActivity', determination: 'lineOfBusinessApplication', comment: 'Scheduled export by the line-of-business app.' },
};

export function seedTenant(state: TenantState, count: number, baseMs: number): void {
  const random = state.random;
  if (count <= 0) return;
  const step = SPREAD / count;
  for (let i = 0; i < count; i++) {
    const user = SEED_USERS[i % SEED_USERS.length]!;
    const severity = i < SEVERITY_CYCLE.length ? SEVERITY_CYCLE[i]! : random.pick(SEVERITY_CYCLE);
    const template = IRM_TEMPLATES[i % IRM_TEMPLATES.length]!;
    // Oldest first, so ids ascend with time like Defender's; the newest is about an hour old.
    const createdAtMs = Math.round(baseMs - SPREAD + step * i + random.next() * step * 0.5 - HOUR);
    const otherSources: OtherSource[] = [];
    if (i % 2 === 0) {
      otherSources.push(OTHER_SOURCES[(i / 2) % OTHER_SOURCES.length]!);
      if (random.chance(0.4)) otherSources.push(random.pick(OTHER_SOURCES.filter((s) => !otherSources.includes(s))));
    }
    const { incident, alerts } = state.createIncident({
      severity,
      user,
      irmAlerts: random.chance(0.25) ? 2 : 1,
      otherSources,
      createdAtMs,
      template,
    });

    const fate = i < FIRST_FATES.length ? FIRST_FATES[i]! : random.pick(LATER_FATES);
    if (fate === 'new') continue;
    // Acted on and resolved some hours later; what would fall in the future happened at some point
    // before now instead (not all at one moment: a real tenant's recent changes are spread out).
    const within = (fromMs: number, wantedMs: number, latestMs: number) => (wantedMs <= latestMs ? wantedMs : Math.round(fromMs + random.next() * Math.max(0, latestMs - fromMs)));
    const actedAt = within(createdAtMs, createdAtMs + random.int(1, 6) * HOUR, baseMs - 5 * 60_000);
    const irmAlerts = alerts.filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement');
    for (const alert of irmAlerts) state.patchAlert(alert.id, { status: 'inProgress', assignedTo: SEED_ANALYST.upn }, SEED_ANALYST.upn, actedAt);
    state.addAlertComment(irmAlerts[0]!.id, `Investigating: reviewing ${user.displayName}'s activity in Insider Risk Management.`, SEED_ANALYST.displayName, actedAt + 60_000);
    if (fate === 'inProgress') continue;

    const resolvedAt = within(actedAt + 60_000, actedAt + random.int(2, 20) * HOUR, baseMs - 60_000);
    const { comment, ...decision } = DECISIONS[fate];
    state.addAlertComment(irmAlerts[0]!.id, comment, SEED_ANALYST.displayName, resolvedAt);
    state.patchIncident(incident.id, { status: 'resolved', ...decision, resolvingComment: comment }, SEED_ANALYST.upn, resolvedAt);
  }
  addBackgroundActivity(state.hunting, [...SEED_USERS, ...BYSTANDER_USERS], random, baseMs - SPREAD, baseMs);
}
