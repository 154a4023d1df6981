/**
 * Defender's user page, in chat: a user's open IRM incidents, their alerts over 30 days by
 * source, and their top anomalous behaviours. Built from the same catalogue (so the same safe
 * literals) and the same Graph client as everything else.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import { userAtRisk, type Alert } from '../defender/model.js';
import type { HuntingService } from './service.js';
import { upnOf } from '../defender/incidents.js';
import { MAX_DAYS } from './params.js';
import { userAlerts, userBehaviors } from './queries.js';

export interface UserSummary {
  upn: string;
  displayName: string | null;
  azureAdUserId: string | null;
  openIncidents: Alert[];
  sources: { source: string; alerts: number; high: number; lastAlert: string | null }[];
  behaviours: { when: string; actionType: string; description: string; activityCount: number }[];
}

/** How many open IRM alerts to read when looking for a user's incidents. */
const OPEN_ALERT_SCAN = 500;

export async function userSummary(deps: { client: DefenderClient; hunting: HuntingService }, upnInput: string, who: string): Promise<UserSummary> {
  // Validates the UPN (or refuses it with what was expected) before anything runs.
  const upn = String(userAlerts.prepare({ user: upnInput }).values.user);

  // Three independent reads at once; the hunting limits count both hunts before either runs.
  const days = String(MAX_DAYS);
  const [openAlerts, alerts, behaviours] = await Promise.all([
    deps.client.listOpenIrmAlerts(OPEN_ALERT_SCAN),
    deps.hunting.run(userAlerts, { user: upn, days }, who),
    deps.hunting.run(userBehaviors, { user: upn, days }, who),
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
    displayName: account?.displayName ?? null,
    azureAdUserId: account?.azureAdUserId ?? null,
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
