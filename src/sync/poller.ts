/**
 * Polling is the only way to learn of Defender changes (alerts_v2 and incidents have no change
 * notifications). Each run lists the IRM alerts changed since the watermark, groups them by
 * incident, posts cards for incidents seen for the first time, redraws cards of incidents that
 * changed, and offers open incidents to conversations installed since the last run.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import type { Incident } from '../defender/model.js';
import { GraphError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord, IncidentRecord, Store } from '../store/store.js';
import type { IncidentPublisher } from './publisher.js';
import { plain, upnAtRisk } from '../cards/view-models.js';
import { describeChange } from './changes.js';
import { wants } from './subscriptions.js';
import type { IrmSyncTracker } from './irm-sync.js';
import type { OnCallService } from '../oncall/service.js';
import type { MessageExtras } from './publisher.js';
import { renderCard } from '../cards/render.js';
import { digestCardData, shouldDigest } from '../cards/digest-view.js';
import { SEVERITY_RANK, SEVERITY_WORDS } from '../defender/irm-mapping.js';

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
      oncall?: OnCallService;
      backfillLimit: number;
      digestThreshold: number;
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
    const since = new Date(watermark ? Date.parse(watermark) - OVERLAP_MS : this.now().getTime() - FIRST_RUN_LOOKBACK_MS).toISOString();
    const alerts = await client.listIrmAlertsChangedSince(since);
    result.changedAlerts = alerts.length;

    const incidentIds = [...new Set(alerts.map((a) => a.incidentId).filter((id): id is string => Boolean(id)))];
    const fetched = new Map<string, Incident>();
    for (const id of incidentIds) {
      let incident: Incident;
      try {
        incident = await this.read(id, fetched);
      } catch (err) {
        if (err instanceof GraphError && err.httpStatus === 404) continue;
        throw err;
      }
      const known = store.data.incidents[id];
      if (known && known.lastUpdateDateTime === incident.lastUpdateDateTime) continue;
      // Written with the next post or, at the latest, with the watermark: if lost, the next run re-reads it.
      store.stage((d) => {
        d.incidents[id] = { ...toRecord(incident), firstSeenAt: known?.firstSeenAt ?? this.now().toISOString() };
      });
      if (!known) {
        result.newIncidents++;
        continue;
      }
      result.updatedIncidents++;
      const change = describeChange(known, incident);
      if (change) {
        const decided = incident.status !== known.status || incident.classification !== known.classification;
        await store.update((d) => {
          d.outsideChanges[id] = { text: change, at: incident.lastUpdateDateTime };
          // A Teams decision the portal has since overtaken would mislead on the card.
          if (decided) delete d.decisions[id];
        });
        if (decided) await this.deps.irmSync?.track(incident);
      }
      await this.deps.publisher.refreshPosts(incident);
    }

    await this.deliver(result, fetched);
    await this.refreshIrmSync(result, fetched);
    await this.remind(result);

    const newest = alerts.reduce<string | null>((max, a) => (max === null || a.lastUpdateDateTime > max ? a.lastUpdateDateTime : max), watermark);
    if (newest !== watermark || result.newIncidents + result.updatedIncidents > 0) await store.update((d) => void (d.watermark = newest));
    if (result.newIncidents || result.updatedIncidents || result.posted) log.info('poll', { ...result });
    return result;
  }

  /**
   * An incident as Defender has it in this poll: read once, however many conversations or checks
   * ask for it (`fetched` holds this poll's reads).
   */
  private async read(id: string, fetched: Map<string, Incident>): Promise<Incident> {
    const known = fetched.get(id);
    if (known) return known;
    const incident = await this.deps.client.getIncident(id);
    fetched.set(id, incident);
    return incident;
  }

  /** Redraw the cards whose IRM side caught up, or is now overdue. */
  private async refreshIrmSync(result: PollResult, fetched: Map<string, Incident>): Promise<void> {
    const { irmSync, publisher } = this.deps;
    if (!irmSync) return;
    for (const incidentId of await irmSync.check((id) => this.read(id, fetched))) {
      try {
        await publisher.refreshPosts(await this.read(incidentId, fetched));
      } catch (err) {
        result.failed++;
        log.warn('could not redraw a card after the IRM sync', { incidentId, err });
      }
    }
  }

  /**
   * What a conversation is owed: open incidents it wants and has not been shown, that the bot
   * learned of after it was installed, plus (once, at install) the newest open ones from before.
   * A post that failed stays owed, so the next run tries again; nothing is dropped.
   */
  private owed(conversation: ConversationRecord): { backfill: IncidentRecord[]; arriving: IncidentRecord[] } {
    const { store, backfillLimit } = this.deps;
    const open = Object.values(store.data.incidents).filter((i) => i.open && !store.post(i.id, conversation.key) && wants(conversation, i));
    const backfill = conversation.backfilled
      ? []
      : [...open].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)).slice(0, backfillLimit);
    const since = conversation.installedAt;
    const oldestFirst = (a: IncidentRecord, b: IncidentRecord) => a.createdDateTime.localeCompare(b.createdDateTime);
    const arriving = open.filter((i) => (i.firstSeenAt ?? i.createdDateTime) >= since && !backfill.includes(i));
    return { backfill: backfill.sort(oldestFirst), arriving: arriving.sort(oldestFirst) };
  }

  /** The incidents behind the records, still open, as Defender has them now. */
  private async load(records: readonly IncidentRecord[], fetched: Map<string, Incident>, result: PollResult): Promise<Incident[]> {
    const incidents: Incident[] = [];
    for (const record of records) {
      try {
        const incident = await this.read(record.id, fetched);
        if (incident.status !== 'resolved' && incident.status !== 'redirected') incidents.push(incident);
      } catch (err) {
        result.failed++;
        log.warn('could not read an incident to post', { incidentId: record.id, err });
      }
    }
    return incidents;
  }

  /**
   * Post what each conversation is owed. On install, the newest open incidents each get a card;
   * after that, new ones do too, unless more than the digest threshold arrive in one poll: then
   * one digest card stands for them all.
   */
  private async deliver(result: PollResult, fetched: Map<string, Incident>): Promise<void> {
    const { store, publisher } = this.deps;
    for (const conversation of store.conversations()) {
      const owed = this.owed(conversation);
      for (const incident of await this.load(owed.backfill, fetched, result)) await this.tryPost(incident, conversation, result);
      const incidents = await this.load(owed.arriving, fetched, result);
      if (shouldDigest(incidents.length, this.deps.digestThreshold)) {
        try {
          const card = renderCard('digest', digestCardData(incidents, { threshold: this.deps.digestThreshold, namer: publisher.namerFor(conversation) }));
          const loudest = [...incidents].sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0))[0]!;
          await publisher.postDigest(incidents, conversation, card, this.mentionFor(loudest, `${incidents.length} new insider-risk incidents`));
          result.posted += incidents.length;
        } catch (err) {
          result.failed++;
          log.warn('could not post a digest; the incidents stay owed', { conversation: conversation.key, err });
        }
      } else {
        for (const incident of incidents) await this.tryPost(incident, conversation, result);
      }
      if (!conversation.backfilled) {
        await store.update((d) => {
          const c = d.conversations[conversation.key];
          if (c) c.backfilled = true;
        });
      }
    }
  }

  /** The on-call analyst's @mention, when the incident is severe enough to page them. */
  private mentionFor(incident: Incident, what?: string): MessageExtras | undefined {
    const oncall = this.deps.oncall;
    const contact = oncall?.current();
    if (!oncall || !contact || !oncall.shouldMention(incident.severity)) return undefined;
    const mention = oncall.mentionOf(contact);
    return { text: `${mention.text}: ${what ?? `new ${SEVERITY_WORDS[incident.severity]} severity insider-risk incident ${incident.id}`}`, mentions: [mention.entity] };
  }

  /** Reminders and escalations for incidents left New, once each, where their cards are. */
  private async remind(result: PollResult): Promise<void> {
    const { store, oncall, publisher } = this.deps;
    if (!oncall) return;
    const open = Object.values(store.data.incidents)
      .filter((i) => i.open)
      .map((i) => ({ id: i.id, status: i.status ?? 'active', createdDateTime: i.createdDateTime, severity: i.severity, title: i.title }));
    for (const notice of oncall.due(open)) {
      const mention = oncall.mentionOf(notice.contact);
      const minutes = Math.round((this.now().getTime() - Date.parse(store.data.incidents[notice.incidentId]?.createdDateTime ?? this.now().toISOString())) / 60_000);
      const heading = notice.kind === 'reminder' ? `Reminder: incident ${notice.incidentId} is still New` : `Escalation: incident ${notice.incidentId} is still New`;
      const card = renderCard('notice', { heading, text: `${plain(notice.title)}: nobody has started investigating after ${minutes} minutes.`, colour: notice.kind === 'reminder' ? 'Warning' : 'Attention' });
      let delivered = 0;
      for (const post of store.postsFor(notice.incidentId)) {
        const conversation = store.data.conversations[post.conversationKey];
        if (!conversation) continue;
        try {
          await publisher.send(conversation, card, { text: `${mention.text}: ${heading.toLowerCase()}`, mentions: [mention.entity] });
          delivered++;
        } catch (err) {
          result.failed++;
          log.warn('could not send a reminder; it will be tried again', { incidentId: notice.incidentId, err });
        }
      }
      if (delivered > 0) await oncall.markSent(notice.incidentId, notice.kind);
    }
    // Reminder records of incidents no longer open are forgotten.
    await oncall.prune(open.map((i) => i.id));
  }

  private async tryPost(incident: Incident, conversation: ConversationRecord, result: PollResult): Promise<void> {
    try {
      if (await this.deps.publisher.postOnce(incident, conversation, this.mentionFor(incident))) result.posted++;
    } catch (err) {
      result.failed++;
      log.warn('could not post an incident card; it stays owed', { incidentId: incident.id, conversation: conversation.key, err });
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
    userUpn: upnAtRisk(incident),
    status: incident.status,
    classification: incident.classification,
    assignedTo: incident.assignedTo,
    alertCount: incident.alerts?.length ?? 0,
    sources: [...new Set((incident.alerts ?? []).map((a) => a.serviceSource))],
  };
}
