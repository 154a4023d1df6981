/**
 * Defender's user page, in chat: who the person is (department, job title, manager from
 * Defender's identity data), how many earlier incidents the bot has seen about them, their open
 * IRM incidents, their alerts over 30 days by source, and their top anomalous behaviours. Built
 * from the same catalogue (so the same safe literals) and the same Graph client as everything else.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import { userAtRisk, type Alert } from '../defender/model.js';
import { BadInputError } from '../errors.js';
import { createLogger } from '../logger.js';
import { KnownIncidents } from '../store/known-incidents.js';
import type { Store } from '../store/store.js';
import type { HuntingService } from './service.js';
import { upnOf } from '../defender/incidents.js';
import { MAX_DAYS } from './params.js';
import { userAlerts, userBehaviors, userIdentity } from './queries.js';

const log = createLogger('hunting');

/** The person as Defender's identity data (IdentityInfo) describes them; each field null when the row leaves it empty. */
export interface Identity {
  displayName: string | null;
  department: string | null;
  jobTitle: string | null;
  /** Another person's name: shown wherever, and only wherever, the person's own name is. */
  manager: string | null;
}

export interface UserSummary {
  upn: string;
  displayName: string | null;
  azureAdUserId: string | null;
  /** Null: Defender's identity data has no row for them (or this tenant has no IdentityInfo). */
  identity: Identity | null;
  /** Incidents about them the bot has seen closed (resolved or redirected), since it began watching. */
  earlierIncidents: { count: number; watchingSince: string | null };
  openIncidents: Alert[];
  sources: { source: string; alerts: number; high: number; lastAlert: string | null }[];
  behaviours: { when: string; actionType: string; description: string; activityCount: number }[];
}

/** How many open IRM alerts to read when looking for a user's incidents. */
const OPEN_ALERT_SCAN = 500;

export async function userSummary(deps: { client: DefenderClient; hunting: HuntingService; store: Store }, upnInput: string, who: string): Promise<UserSummary> {
  // Validates the UPN (or refuses it with what was expected) before anything runs.
  const upn = String(userAlerts.prepare({ user: upnInput }).values.user);

  // Independent reads at once; the hunting limits count the three hunts before any runs. The
  // history is the store's: no Graph request.
  const days = String(MAX_DAYS);
  const [openAlerts, alerts, behaviours, identity, history] = await Promise.all([
    deps.client.listOpenIrmAlerts(OPEN_ALERT_SCAN),
    deps.hunting.run(userAlerts, { user: upn, days }, who),
    deps.hunting.run(userBehaviors, { user: upn, days }, who),
    identityOf(deps.hunting, upn, who),
    new KnownIncidents(deps.store).history(upn),
  ]);
  const mine = openAlerts.filter((a) => {
    const person = userAtRisk([a]);
    return person !== null && upnOf(person)?.toLowerCase() === upn.toLowerCase();
  });
  const byIncident = new Map<string, Alert>();
  for (const alert of mine) if (alert.incidentId && !byIncident.has(alert.incidentId)) byIncident.set(alert.incidentId, alert);
  const account = mine.length > 0 ? userAtRisk(mine) : null;

  return {
    upn,
    displayName: account?.displayName ?? identity?.displayName ?? null,
    azureAdUserId: account?.azureAdUserId ?? null,
    identity,
    earlierIncidents: { count: history.incidents.filter((i) => !i.open).length, watchingSince: history.watchingSince },
    openIncidents: [...byIncident.values()],
    sources: alerts.rows.map((row) => ({
      source: String(row.ServiceSource ?? 'Unknown'),
      alerts: Number(row.Alerts ?? 0),
      high: Number(row.HighSeverity ?? 0),
      lastAlert: typeof row.LastAlert === 'string' ? row.LastAlert : null,
    })),
    behaviours: behaviours.rows
      .filter((row) => row.IsAnomalous === true)
      .slice(0, 5)
      .map((row) => ({
        when: String(row.Timestamp ?? ''),
        actionType: String(row.ActionType ?? ''),
        description: String(row.Description ?? ''),
        activityCount: Number(row.ActivityCount ?? 0),
      })),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/**
 * The person's newest IdentityInfo row. A tenant without the table or its columns (Microsoft:
 * filled by Defender for Identity or Sentinel and Entra ID; Manager needs Defender for Identity,
 * Cloud Apps or Endpoint P2 licensing) answers the query with a 400: the summary then says
 * Defender has no identity data on them rather than failing whole.
 */
async function identityOf(hunting: HuntingService, upn: string, who: string): Promise<Identity | null> {
  try {
    const row = (await hunting.run(userIdentity, { user: upn }, who)).rows[0];
    if (!row) return null;
    return { displayName: text(row.AccountDisplayName), department: text(row.Department), jobTitle: text(row.JobTitle), manager: text(row.Manager) };
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    log.warn('Defender could not read its identity data', { err });
    return null;
  }
}
