/**
 * Polling is the only way to learn of Defender changes (alerts_v2 and incidents have no change
 * notifications). Each run lists the IRM alerts changed since the watermark, groups them by
 * incident, posts cards for incidents seen for the first time, redraws cards of incidents that
 * changed, and offers open incidents to conversations installed since the last run.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import { userAtRisk, type Incident } from '../defender/model.js';
import { GraphError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord, IncidentRecord, Store } from '../store/store.js';
import type { IncidentPublisher } from './publisher.js';
import { irmAlertsOf } from '../cards/view-models.js';
import { describeChange } from './changes.js';
import { wants } from './subscriptions.js';
import type { IrmSyncTracker } from './irm-sync.js';

const log = createLogger('poller');

/** Look back this far behind the watermark: Defender's lastUpdateDateTime can become visible late. */
const OVERLAP_MS = 2 * 60_000;
const FIRST_RUN_LOOKBACK_MS = 30 * 24 * 3600_000;

export interface PollResult {
  changedAlerts: number;
  newIncidents: number;
  updatedIncidents: number;
  posted: number;
  failed: number;
}

export class IncidentPoller {
  private running: Promise<PollResult> | null = null;

  constructor(
    private readonly deps: {
      client: DefenderClient;
      store: Store;
      publisher: IncidentPublisher;
      irmSync?: IrmSyncTracker;
      backfillLimit: number;
      now?: () => Date;
    },
  ) {}

  /** Run once; a call while a run is in progress joins that run instead of overlapping it. */
  poll(): Promise<PollResult> {
    this.running ??= this.pollOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when no run is in progress (used at shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async pollOnce(): Promise<PollResult> {
    const { client, store } = this.deps;
    const result: PollResult = { changedAlerts: 0, newIncidents: 0, updatedIncidents: 0, posted: 0, failed: 0 };
    const watermark = store.data.watermark;
    const since = new Date((watermark ? Date.parse(watermark) : this.now().getTime() - FIRST_RUN_LOOKBACK_MS + OVERLAP_MS) - OVERLAP_MS).toISOString();
    const alerts = await client.listIrmAlertsChangedSince(since);
    result.changedAlerts = alerts.length;

    const incidentIds = [...new Set(alerts.map((a) => a.incidentId).filter((id): id is string => Boolean(id)))];
    for (const id of incidentIds) {
      let incident: Incident;
      try {
        incident = await client.getIncident(id);
      } catch (err) {
        if (err instanceof GraphError && err.httpStatus === 404) continue;
        throw err;
      }
      const known = store.data.incidents[id];
      if (known && known.lastUpdateDateTime === incident.lastUpdateDateTime) continue;
      // Written with the next post or, at the latest, with the watermark: if lost, the next run re-reads it.
      store.stage((d) => {
        d.incidents[id] = toRecord(incident);
      });
      if (!known) {
        result.newIncidents++;
        if (incident.status === 'resolved') continue;
        const record = store.data.incidents[id]!;
        for (const conversation of store.conversations()) if (wants(conversation, record)) await this.tryPost(incident, conversation, result);
      } else {
        result.updatedIncidents++;
        const change = describeChange(known, incident);
        if (change) {
          await store.update((d) => {
            d.outsideChanges[id] = { text: change, at: incident.lastUpdateDateTime };
            // A Teams decision the portal has since overtaken would mislead on the card.
            if (incident.status !== known.status || incident.classification !== known.classification) delete d.decisions[id];
          });
          if (incident.status !== known.status || incident.classification !== known.classification) await this.deps.irmSync?.track(incident);
        }
        await this.deps.publisher.refreshPosts(incident);
      }
    }

    await this.backfill(result);
    await this.refreshIrmSync(result);

    const newest = alerts.reduce<string | null>((max, a) => (max === null || a.lastUpdateDateTime > max ? a.lastUpdateDateTime : max), watermark);
    if (newest !== watermark || result.newIncidents + result.updatedIncidents > 0) await store.update((d) => void (d.watermark = newest));
    if (result.newIncidents || result.updatedIncidents || result.posted) log.info('poll', { ...result });
    return result;
  }

  /** Redraw the cards whose IRM side caught up, or is now overdue. */
  private async refreshIrmSync(result: PollResult): Promise<void> {
    const { irmSync, client, publisher } = this.deps;
    if (!irmSync) return;
    for (const incidentId of await irmSync.check((id) => client.getIncident(id))) {
      try {
        await publisher.refreshPosts(await client.getIncident(incidentId));
      } catch (err) {
        result.failed++;
        log.warn('could not redraw a card after the IRM sync', { incidentId, err });
      }
    }
  }

  /** A conversation installed since the last run gets the newest open incidents it has not seen. */
  private async backfill(result: PollResult): Promise<void> {
    const { store, client } = this.deps;
    const pending = store.conversations().filter((c) => !c.backfilled);
    if (pending.length === 0) return;
    const open = Object.values(store.data.incidents)
      .filter((i) => i.open)
      .sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime))
      .slice(0, this.deps.backfillLimit)
      .reverse();
    for (const conversation of pending) {
      for (const record of open) {
        if (store.post(record.id, conversation.key) || !wants(conversation, record)) continue;
        try {
          const incident = await client.getIncident(record.id);
          if (incident.status !== 'resolved') await this.tryPost(incident, conversation, result);
        } catch (err) {
          result.failed++;
          log.warn('backfill: could not read incident', { incidentId: record.id, err });
        }
      }
      await store.update((d) => {
        const c = d.conversations[conversation.key];
        if (c) c.backfilled = true;
      });
    }
  }

  private async tryPost(incident: Incident, conversation: ConversationRecord, result: PollResult): Promise<void> {
    try {
      if (await this.deps.publisher.postOnce(incident, conversation)) result.posted++;
    } catch (err) {
      result.failed++;
      log.warn('could not post an incident card', { incidentId: incident.id, conversation: conversation.key, err });
    }
  }
}

export function toRecord(incident: Incident): IncidentRecord {
  return {
    id: incident.id,
    lastUpdateDateTime: incident.lastUpdateDateTime,
    createdDateTime: incident.createdDateTime,
    open: incident.status !== 'resolved' && incident.status !== 'redirected',
    severity: incident.severity,
    title: incident.displayName,
    userUpn: userAtRisk(irmAlertsOf(incident))?.userPrincipalName ?? null,
    status: incident.status,
    classification: incident.classification,
    assignedTo: incident.assignedTo,
    alertCount: incident.alerts?.length ?? 0,
    sources: [...new Set((incident.alerts ?? []).map((a) => a.serviceSource))],
  };
}
