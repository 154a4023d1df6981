/**
 * Polling is the only way to learn of Defender changes (alerts_v2 and incidents have no change
 * notifications). Each run lists the IRM alerts changed since the watermark, groups them by
 * incident, posts cards for incidents seen for the first time, redraws cards of incidents that
 * changed, and offers open incidents to conversations installed since the last run; on call's
 * mentions, reminders and escalations are src/oncall/reminders.ts's.
 */
import type { DefenderClient } from '../defender/graph-client.js';
import type { Alert, Incident } from '../defender/model.js';
import { GraphError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord, IncidentRecord, Store, UnreadableEntry } from '../store/store.js';
import type { IncidentPublisher } from './publisher.js';
import { KnownIncidents } from '../store/known-incidents.js';
import { describeChange } from './changes.js';
import { wants } from './subscriptions.js';
import type { IrmSyncTracker } from './irm-sync.js';
import type { OnCallService } from '../oncall/service.js';
import { OnCallReminders } from '../oncall/reminders.js';
import { renderCard } from '../cards/render.js';
import { digestCardData, shouldDigest } from '../cards/digest-view.js';
import { SEVERITY_RANK } from '../defender/irm-mapping.js';
import type { Audience } from '../auth/audience.js';
import { isTeamsDecision } from '../triage/decisions.js';
import type { Welcomer } from './welcome.js';

const log = createLogger('poller');

/** This poll's reads of incidents, by id: each is read from Defender once per poll. */
type Fetched = Map<string, Promise<Incident>>;

/** Look back this far behind the watermark: Defender's lastUpdateDateTime can become visible late. */
const OVERLAP_MS = 2 * 60_000;
/**
 * Incidents created up to this long before the bot began watching still count as new when they
 * first show up later (Defender can list an alert some minutes after it was created).
 */
const ARRIVAL_SLACK_MS = 60 * 60_000;
/** Open IRM alerts listed at the first run, per incident the install backlog may hold (an incident groups several). */
const FIRST_RUN_ALERTS_PER_INCIDENT = 3;
/** Incidents of the install backlog listed on its digest with an Open button (the default BACKFILL_LIMIT). */
const BACKLOG_LISTED = 10;
/** From this many changed incidents, reading them in pages may take fewer requests than one each. */
const PAGED_READ_MIN = 4;
/** Incidents per page of the list (what the embedded tenant allows; Graph documents no maximum). */
const INCIDENT_PAGE = 50;

export interface PollResult {
  changedAlerts: number;
  newIncidents: number;
  updatedIncidents: number;
  posted: number;
  failed: number;
  /** Not polled: another replica holds the lease and polls. */
  skipped?: 'not the leader';
}

/** How the poll runs are going: when the last one started and completed, and the last failure. */
export interface PollerStatus {
  lastStartedAt: string | null;
  lastCompletedAt: string | null;
  lastError: string | null;
}

export class IncidentPoller {
  private running: Promise<PollResult> | null = null;
  private readonly runs: PollerStatus = { lastStartedAt: null, lastCompletedAt: null, lastError: null };
  private readonly known: KnownIncidents;
  /** The on-call analyst's mentions, reminders and escalations; none without on call. */
  private readonly oncall: OnCallReminders | undefined;

  constructor(
    private readonly deps: {
      client: DefenderClient;
      store: Store;
      publisher: IncidentPublisher;
      irmSync?: IrmSyncTracker;
      oncall?: OnCallService;
      /** Who may receive incident cards (re-checked before each post); absent: every conversation. */
      audience?: Audience;
      backfillLimit: number;
      digestThreshold: number;
      /** Introduces the bot in a conversation just installed, before its backlog (absent: no welcome). */
      welcomer?: Welcomer;
      now?: () => Date;
      /** Replicas: only the one this says is the leader polls (absent: this process always does). */
      leader?: () => boolean;
    },
  ) {
    this.known = new KnownIncidents(deps.store, () => this.now());
    this.oncall = deps.oncall && new OnCallReminders({ oncall: deps.oncall, store: deps.store, sender: deps.publisher, now: () => this.now() });
  }

  /** Run once; a call while a run is in progress joins that run instead of overlapping it. */
  poll(): Promise<PollResult> {
    if (this.deps.leader && !this.deps.leader()) {
      return Promise.resolve({ changedAlerts: 0, newIncidents: 0, updatedIncidents: 0, posted: 0, failed: 0, skipped: 'not the leader' });
    }
    if (!this.running) {
      this.runs.lastStartedAt = this.now().toISOString();
      this.running = this.pollOnce()
        .then(
          (result) => {
            this.runs.lastCompletedAt = this.now().toISOString();
            this.runs.lastError = null;
            return result;
          },
          (err: unknown) => {
            this.runs.lastError = err instanceof Error ? err.message.slice(0, 300) : String(err);
            throw err;
          },
        )
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  status(): Readonly<PollerStatus> {
    return { ...this.runs };
  }

  /** Resolves when no run is in progress (used at shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * One run, in its steps: what changed since the watermark, remembered and its cards redrawn;
   * what each conversation is owed, delivered; on call reminded of incidents left New; the
   * watermark moved on.
   */
  private async pollOnce(): Promise<PollResult> {
    const { client, store } = this.deps;
    const result: PollResult = { changedAlerts: 0, newIncidents: 0, updatedIncidents: 0, posted: 0, failed: 0 };
    const { watermark, watchingSince } = await store.cursor();
    if (watermark === null) return this.firstRun(result);
    const since = new Date(Date.parse(watermark) - OVERLAP_MS).toISOString();
    const alerts = await client.listIrmAlertsChangedSince(since);
    result.changedAlerts = alerts.length;

    const { ids, unreadable } = await this.changedIncidents(alerts, watchingSince);
    const fetched: Fetched = new Map();
    await this.prefetchInPages(ids, since, fetched);
    const redraws = await this.rememberAndRedraw(ids, unreadable, fetched, result);
    // What the bot now knows to be open, read once for the steps that follow.
    const open = await this.known.open();
    await this.deliver(open, result, fetched);
    await Promise.all(redraws);
    await this.refreshIrmSync(result, fetched);
    if (this.oncall) result.failed += await this.oncall.remind(open);
    await this.saveCursor(watermark, alerts, result);
    if (result.newIncidents || result.updatedIncidents || result.posted) log.info('poll', { ...result });
    return result;
  }

  /**
   * The incidents to read: those with a listed alert newer than what the bot last read of them,
   * and those earlier polls could not read. The overlap behind the watermark lists the same alerts
   * again, and re-reading their incidents cost a Graph request each, every poll.
   */
  private async changedIncidents(alerts: readonly Alert[], watchingSince: string | null): Promise<{ ids: string[]; unreadable: Record<string, UnreadableEntry> }> {
    const newestListed = new Map<string, string>();
    for (const a of alerts) {
      if (!a.incidentId) continue;
      const seen = newestListed.get(a.incidentId);
      if (seen === undefined || a.lastUpdateDateTime > seen) newestListed.set(a.incidentId, a.lastUpdateDateTime);
    }
    const changed: string[] = [];
    for (const [id, newest] of newestListed) {
      const known = await this.known.get(id);
      // Unknown, and last changed before the first poll: history the first poll chose not to read
      // (the overlap lists it once more); it is read when it changes again.
      if (!known && watchingSince !== null && newest < watchingSince) continue;
      const through = known?.alertsUpdatedThrough;
      if (through === undefined || newest > through) changed.push(id);
    }
    const unreadable = await this.deps.store.unreadableIncidents();
    return { ids: [...new Set([...changed, ...Object.keys(unreadable)])], unreadable };
  }

  /**
   * Read each incident, remember what changed and start redrawing its cards; answers the redraws,
   * which go out while the poll goes on (a slow conversation holds up only its own messages).
   */
  private async rememberAndRedraw(ids: readonly string[], unreadable: Record<string, UnreadableEntry>, fetched: Fetched, result: PollResult): Promise<Promise<unknown>[]> {
    const { store } = this.deps;
    const redraws: Promise<unknown>[] = [];
    for (const id of ids) {
      let incident: Incident;
      try {
        incident = await this.read(id, fetched);
      } catch (err) {
        // One incident Defender will not give (gone, forbidden, a shape the model refuses, an
        // outage on that read) must not stop the others: note it, go on, read it again next time.
        await this.noteUnreadable(id, err, result);
        continue;
      }
      if (unreadable[id]) await store.forgetUnreadable(id);
      const known = await this.known.get(id);
      if (known && known.lastUpdateDateTime === incident.lastUpdateDateTime) continue;
      // Written with the next post or, at the latest, with the watermark: if lost, the next run re-reads it.
      await this.known.rememberPolled([{ incident, known }]);
      if (!known) {
        result.newIncidents++;
        continue;
      }
      result.updatedIncidents++;
      const change = describeChange(known, incident);
      // A change a decision from Teams explains (in flight, or just written) is that decision, not
      // a change made in the portal: the card keeps saying who decided from Teams.
      if (change && !isTeamsDecision(await store.decision(id), known, incident, this.now())) {
        const decided = incident.status !== known.status || incident.classification !== known.classification;
        // A Teams decision the portal has since overtaken would mislead on the card.
        await store.recordOutsideChange(id, { text: change, at: incident.lastUpdateDateTime }, { overtakesDecision: decided });
        if (decided) await this.deps.irmSync?.track(incident);
      }
      redraws.push(this.deps.publisher.refreshPosts(incident));
    }
    return redraws;
  }

  /**
   * The watermark moves to the newest alert listed. It is saved also when incidents were
   * remembered, for they are written with it.
   */
  private async saveCursor(watermark: string, alerts: readonly Alert[], result: PollResult): Promise<void> {
    const newest = alerts.reduce<string | null>((max, a) => (max === null || a.lastUpdateDateTime > max ? a.lastUpdateDateTime : max), watermark);
    if (newest !== watermark || result.newIncidents + result.updatedIncidents > 0) await this.deps.store.saveCursor({ watermark: newest });
  }

  /**
   * The first run on a tenant reads only what the bot may post: the newest open incidents, up to
   * the install backlog (the backfill limit), found through one page of the newest open IRM
   * alerts, each incident then read once. The 30 days of history behind them are not read (on a
   * large tenant that was one request per incident, hours of Graph's budget): an older incident is
   * read when one of its alerts next changes, and is not announced as new, for it was created
   * before the bot began watching. The watermark starts at Graph's own clock (its `Date` header),
   * never the bot's, so a bot whose clock runs ahead misses nothing.
   */
  private async firstRun(result: PollResult): Promise<PollResult> {
    const { client, store, backfillLimit } = this.deps;
    const alerts = await client.listOpenIrmAlerts(Math.max(1, Math.min(500, backfillLimit * FIRST_RUN_ALERTS_PER_INCIDENT)));
    const startedAt = (client.serverTime() ?? this.now()).toISOString();
    result.changedAlerts = alerts.length;
    const newestFirst = [...new Set(alerts.map((a) => a.incidentId).filter((id): id is string => Boolean(id)))].slice(0, backfillLimit);
    const fetched: Fetched = new Map();
    for (const id of newestFirst) {
      try {
        const incident = await this.read(id, fetched);
        await this.known.rememberPolled([{ incident, known: undefined }]);
        result.newIncidents++;
      } catch (err) {
        await this.noteUnreadable(id, err, result);
      }
    }
    await store.saveCursor({ watermark: startedAt, watchingSince: startedAt });
    await this.deliver(await this.known.open(), result, fetched);
    log.info('first poll', { ...result, watchingSince: startedAt });
    return result;
  }

  /**
   * Many incidents changed: read them in pages of the incident list (`lastUpdateDateTime ge …`,
   * `$expand=alerts`, 50 a page) rather than one request each, when that is fewer requests. The
   * list also holds incidents of other tools that changed (Graph cannot filter incidents by
   * service source), so one `$count` request first says which way is cheaper. What the pages do
   * not hold is read one by one, as before.
   */
  private async prefetchInPages(ids: readonly string[], since: string, fetched: Fetched): Promise<void> {
    if (ids.length < PAGED_READ_MIN) return;
    const filter = `lastUpdateDateTime ge ${since}`;
    try {
      const total = await this.deps.client.countIncidents(filter);
      const pages = Math.ceil(total / INCIDENT_PAGE);
      if (pages >= ids.length) return;
      const wanted = new Set(ids);
      for (const incident of await this.deps.client.listIncidents({ filter, top: INCIDENT_PAGE })) {
        if (wanted.has(incident.id)) fetched.set(incident.id, Promise.resolve(incident));
      }
    } catch (err) {
      log.warn('could not read the changed incidents in pages; reading them one by one', { err });
    }
  }

  private async noteUnreadable(id: string, err: unknown, result: PollResult): Promise<void> {
    const { store } = this.deps;
    if (err instanceof GraphError && err.httpStatus === 404) {
      // Deleted or merged away: nothing to read again.
      await store.forgetUnreadable(id);
      return;
    }
    result.failed++;
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    const previous = (await store.unreadableIncidents())[id];
    log.warn('could not read an incident; the poll goes on and reads it again next time', { incidentId: id, attempts: (previous?.attempts ?? 0) + 1, err });
    await store.noteUnreadable(id, error, this.now().toISOString());
  }

  /**
   * An incident as Defender has it in this poll: read once, however many conversations or checks
   * ask for it (`fetched` holds this poll's reads).
   */
  private read(id: string, fetched: Fetched): Promise<Incident> {
    let reading = fetched.get(id);
    if (!reading) fetched.set(id, (reading = this.deps.client.getIncident(id)));
    return reading;
  }

  /** Redraw the cards whose IRM side caught up, or is now overdue. */
  private async refreshIrmSync(result: PollResult, fetched: Fetched): Promise<void> {
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
   * learned of after it was installed, plus (once, at install) the newest open ones from before:
   * its backlog, which arrives as one digest, so an incident that arrived since the install is not
   * in it. A post that failed stays owed, so the next run tries again; nothing is dropped.
   */
  private async owed(conversation: ConversationRecord, known: readonly IncidentRecord[]): Promise<{ backfill: IncidentRecord[]; arriving: IncidentRecord[] }> {
    const { store, backfillLimit } = this.deps;
    const wanted = known.filter((i) => wants(conversation, i));
    const posted = await store.postedIn(conversation.key, wanted.map((i) => i.id));
    const open = wanted.filter((i) => !posted.has(i.id));
    const since = conversation.installedAt;
    // Created before the bot began watching: from before, offered only in an install backlog.
    const { watchingSince: watching } = await store.cursor();
    const createdSince = watching === null ? '' : new Date(Date.parse(watching) - ARRIVAL_SLACK_MS).toISOString();
    const oldestFirst = (a: IncidentRecord, b: IncidentRecord) => a.createdDateTime.localeCompare(b.createdDateTime);
    const seenSince = open.filter((i) => (i.firstSeenAt ?? i.createdDateTime) >= since && i.createdDateTime >= createdSince);
    // The backlog: what was open before the install, created before it (a first poll after the
    // install learns of those too) or known before it; newest first, up to the limit.
    const backfill = conversation.backfilled
      ? []
      : open
          .filter((i) => i.createdDateTime < since || !seenSince.includes(i))
          .sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime))
          .slice(0, backfillLimit);
    const arriving = seenSince.filter((i) => !backfill.includes(i));
    return { backfill: backfill.sort(oldestFirst), arriving: arriving.sort(oldestFirst) };
  }

  /** The incidents behind the records, still open, as Defender has them now. */
  private async load(records: readonly IncidentRecord[], fetched: Fetched, result: PollResult): Promise<Incident[]> {
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
   * Post what each conversation is owed, all conversations at once: one that is slow or failing
   * (the gateway gives each call a deadline, then rests it) holds up only its own cards. On
   * install, the welcome, then the open incidents from before as one digest card, whatever their
   * number; after that, new incidents get a card each, unless more than the digest threshold
   * arrive in one poll: then one digest card stands for them all.
   */
  private async deliver(known: readonly IncidentRecord[], result: PollResult, fetched: Fetched): Promise<void> {
    await Promise.all((await this.deps.store.conversations()).map((conversation) => this.deliverTo(conversation, known, result, fetched)));
  }

  private async deliverTo(conversation: ConversationRecord, known: readonly IncidentRecord[], result: PollResult, fetched: Fetched): Promise<void> {
    const { store, audience } = this.deps;
    // Roles change: a personal chat whose owner may no longer see incidents gets nothing (and
    // keeps nothing owed: what they may not see is not queued for them).
    if (audience && !audience.mayReceiveIncidents(conversation)) return;
    const owed = await this.owed(conversation, known);
    const failedBefore = result.failed;
    const backlog = await this.load(owed.backfill, fetched, result);
    // The welcome comes first; until it got through, nothing else is sent (the next poll tries again).
    if (!(await this.welcome(conversation, backlog.length, result))) return;
    if (backlog.length > 0) await this.postDigest(backlog, conversation, result, 'backlog');
    // The install backlog is offered until it got through: a conversation resting at install gets it later.
    const backfillDone = result.failed === failedBefore;
    const incidents = await this.load(owed.arriving, fetched, result);
    if (shouldDigest(incidents.length, this.deps.digestThreshold)) {
      await this.postDigest(incidents, conversation, result, 'burst');
    } else {
      for (const incident of incidents) await this.tryPost(incident, conversation, result);
    }
    if (!conversation.backfilled && backfillDone) {
      await store.markBackfilled(conversation.key);
    }
  }

  /** Introduce the bot if the conversation is owed it; false when that failed. */
  private async welcome(conversation: ConversationRecord, backlog: number, result: PollResult): Promise<boolean> {
    const { welcomer } = this.deps;
    try {
      if (welcomer && (await welcomer.owed(conversation))) await welcomer.welcome(conversation, backlog);
      return true;
    } catch (err) {
      result.failed++;
      log.warn('could not introduce the bot; it and the backlog stay owed', { conversation: conversation.key, err });
      return false;
    }
  }

  /** One digest card for these incidents (a burst of new ones, or the install backlog); on failure they stay owed. */
  private async postDigest(incidents: readonly Incident[], conversation: ConversationRecord, result: PollResult, reason: 'burst' | 'backlog'): Promise<void> {
    const { publisher, digestThreshold } = this.deps;
    try {
      const namer = await publisher.cards.namerFor(conversation);
      const card = renderCard('digest', digestCardData(incidents, { threshold: digestThreshold, namer, reason, ...(reason === 'backlog' ? { newest: BACKLOG_LISTED } : {}) }));
      const loudest = [...incidents].sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0))[0]!;
      const what = reason === 'backlog' ? `${incidents.length} open insider-risk incident${incidents.length === 1 ? '' : 's'}` : `${incidents.length} new insider-risk incidents`;
      await publisher.postDigest(incidents, conversation, card, await this.oncall?.mentionFor(loudest, what));
      result.posted += incidents.length;
    } catch (err) {
      result.failed++;
      log.warn('could not post a digest; the incidents stay owed', { conversation: conversation.key, reason, err });
    }
  }

  private async tryPost(incident: Incident, conversation: ConversationRecord, result: PollResult): Promise<void> {
    try {
      if (await this.deps.publisher.postOnce(incident, conversation, await this.oncall?.mentionFor(incident))) result.posted++;
    } catch (err) {
      result.failed++;
      log.warn('could not post an incident card; it stays owed', { incidentId: incident.id, conversation: conversation.key, err });
    }
  }
}
