/**
 * What the bot knows of an incident: the one place that turns Defender's incident into the
 * record the store keeps, and remembers it. The poll remembers what it reads; a decision from
 * Teams remembers the incident as the decision left it, so the next poll does not announce the
 * analyst's own change as one made elsewhere.
 */
import { irmAlertsOf, upnAtRisk } from '../defender/incidents.js';
import type { Incident } from '../defender/model.js';
import type { IncidentRecord, Store } from './store.js';

/** The newest lastUpdateDateTime among the incident's IRM alerts (what the poll's alert listing can show changed). */
function newestIrmAlertUpdate(incident: Incident): string | undefined {
  return irmAlertsOf(incident).reduce<string | undefined>((max, a) => (max === undefined || a.lastUpdateDateTime > max ? a.lastUpdateDateTime : max), undefined);
}

/** The incident as the store remembers it; `firstSeenAt` is when the bot first learned of it. */
export function incidentRecord(incident: Incident, firstSeenAt: string | undefined): IncidentRecord {
  const record: IncidentRecord = {
    id: incident.id,
    lastUpdateDateTime: incident.lastUpdateDateTime,
    createdDateTime: incident.createdDateTime,
    open: incident.status !== 'resolved' && incident.status !== 'redirected',
    severity: incident.severity,
    title: incident.displayName,
    userUpn: upnAtRisk(incident),
    status: incident.status,
    classification: incident.classification,
    assignedTo: incident.assignedTo,
    alertCount: incident.alerts?.length ?? 0,
    sources: [...new Set((incident.alerts ?? []).map((a) => a.serviceSource))],
    alertsUpdatedThrough: newestIrmAlertUpdate(incident),
  };
  if (firstSeenAt !== undefined) record.firstSeenAt = firstSeenAt;
  return record;
}

export class KnownIncidents {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** What the bot last saw of the incident (undefined: it has not met it yet). */
  get(id: string): Promise<IncidentRecord | undefined> {
    return this.store.incident(id);
  }

  /** The incidents last seen open. */
  open(): Promise<IncidentRecord[]> {
    return this.store.openIncidents();
  }

  /**
   * A person's history as far as the bot knows it: every incident polls have met about them,
   * and since when the bot has been watching (it reads no incident older than its first poll's
   * open ones). Read from the store alone: no Graph request.
   */
  async history(upn: string): Promise<{ incidents: IncidentRecord[]; watchingSince: string | null }> {
    const [incidents, cursor] = await Promise.all([this.store.incidentsAbout(upn), this.store.cursor()]);
    return { incidents, watchingSince: cursor.watchingSince };
  }

  /**
   * Remember incidents a poll read, `known` being what the bot knew of them before (it keeps
   * when each was first seen). Written with the poll's next write (see `rememberIncidents`).
   */
  async rememberPolled(incidents: readonly { incident: Incident; known: IncidentRecord | undefined }[]): Promise<void> {
    const seenAt = this.now().toISOString();
    await this.store.rememberIncidents(incidents.map(({ incident, known }) => incidentRecord(incident, known?.firstSeenAt ?? seenAt)));
  }

  /**
   * Remember an incident as a decision from Teams left it. An incident no poll has met yet stays
   * unknown, so the poll still announces it as new. Kept in memory and written with the caller's
   * next write.
   */
  async rememberDecided(incident: Incident): Promise<void> {
    const known = await this.store.incident(incident.id);
    if (known) await this.store.rememberIncidents([incidentRecord(incident, known.firstSeenAt)]);
  }
}
