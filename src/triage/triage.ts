/**
 * The analyst's decisions, written back to Defender: start an investigation, resolve with a
 * classification. Purview Insider Risk Management follows Defender (Resolved + True positive
 * = Confirmed; False positive / Informational = Dismissed), so a resolve always carries a
 * classification. Every attempt, allowed or not, lands in the audit log (written by the dispatcher, bot/audit.ts).
 */
import { irmAlertsOf } from '../defender/incidents.js';
import type { DefenderClient } from '../defender/graph-client.js';
import {
  CLASSIFICATION_WORDS,
  INCIDENT_STATUS_WORDS,
  DETERMINATIONS_BY_CLASSIFICATION,
  DETERMINATION_WORDS,
  alertUpdateDetermination,
  determinationFits,
  irmStatusFor,
  type ResolveClassification,
} from '../defender/irm-mapping.js';
import type { Determination, Incident } from '../defender/model.js';
import { BadInputError, ConflictError, GraphError, IncidentConflictError, NotFoundError, StaleCardError, StoreWriteError } from '../errors.js';
import type { Actor, DecisionRecord, Store } from '../store/store.js';
import { createLogger } from '../logger.js';
import { KnownIncidents } from '../store/known-incidents.js';
import { KeyedLock } from '../util/keyed-lock.js';

const log = createLogger('triage');

/** A decision as Defender now has it, and what the card should add (the bot could not save its record, say). */
export interface TriageOutcome {
  incident: Incident;
  notice?: string;
}

/** Said on the card when Defender took the decision and the bot's own store did not. */
export const STORE_LAGS_NOTICE =
  "Written to Microsoft Defender. The bot could not save its own record of it just now; it keeps it in memory and saves it as soon as its store can be written.";

export interface ResolveRequest {
  classification: ResolveClassification;
  determination?: Determination;
  comment?: string;
}

/**
 * How long a replica holds an incident's decision lock: longer than a decision takes (a few Graph
 * writes), short enough that a replica that dies holding it blocks the incident only that long.
 */
export const DECISION_HOLD_MS = 60_000;
/** How long a decision waits for another replica's decision on the same incident before refusing. */
export const DECISION_WAIT_MS = 10_000;
const DECISION_RETRY_MS = 100;

export class TriageService {
  private readonly lock = new KeyedLock();
  /** Incidents a decision is being written to, as that decision read them. */
  private readonly reading = new Map<string, Incident>();
  private readonly known: KnownIncidents;

  constructor(
    private readonly deps: {
      client: DefenderClient;
      store: Store;
      /** Redraws every posted card of an incident (sync/publisher.ts), without holding up the answer. */
      publisher: { refreshPostsSoon(incident: Incident): void };
      /** Follows Purview until it shows a decision (sync/irm-sync.ts). */
      irmSync?: { track(incident: Incident): Promise<void> };
      now?: () => Date;
      /** This replica's name, as it holds decision locks shared with the others. */
      replica?: string;
    },
  ) {
    this.known = new KnownIncidents(deps.store, () => this.now());
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The incident, if it exists and is an insider-risk incident. */
  async getIrmIncident(incidentId: string): Promise<Incident> {
    let incident: Incident;
    try {
      incident = await this.deps.client.getIncident(incidentId);
    } catch (err) {
      if (err instanceof GraphError && err.httpStatus === 404) throw new NotFoundError(`Incident ${incidentId} does not exist in Microsoft Defender.`);
      throw err;
    }
    if (irmAlertsOf(incident).length === 0) {
      throw new NotFoundError(`Incident ${incidentId} has no Insider Risk Management alert, so this bot does not triage it. Open it in the Defender portal.`);
    }
    return incident;
  }

  /**
   * Start investigating. `cardVersion` is the incident's lastUpdateDateTime on the card clicked: an
   * older card is refused (StaleCardError) rather than acting on a state the analyst did not see.
   * Decisions on one incident run one at a time, so two analysts cannot both write one.
   */
  async startInvestigation(incidentId: string, actor: Actor, cardVersion?: string): Promise<TriageOutcome> {
    return this.oneAtATime(incidentId, async () => {
      const incident = await this.current(incidentId, cardVersion);
      if (incident.status === 'resolved') throw new IncidentConflictError(`Incident ${incidentId} is already resolved${await this.decidedBy(incident)}. Reopen it from the card if it needs another look.`, incident);
      refuseMerged(incident);
      const assignee = actor.upn ?? actor.name;
      const toStart = irmAlertsOf(incident).filter((a) => a.status !== 'resolved' && (a.status !== 'inProgress' || a.assignedTo !== assignee));
      if (toStart.length === 0) throw new IncidentConflictError(`The investigation of incident ${incidentId} is already in progress (assigned to ${incident.assignedTo ?? 'nobody'}).`, incident);
      const decision: DecisionRecord = { incidentId, action: 'startInvestigation', by: actor, at: this.now().toISOString() };
      return this.decide(decision, async () => {
        for (const alert of toStart) await this.deps.client.updateAlert(alert.id, { status: 'inProgress', assignedTo: assignee });
        // Defender keeps the incident's own owner; set it too so the queue shows who has it. Its status
        // follows the alerts: *Update incident* does not let a client set `inProgress`.
        await this.deps.client.updateIncident(incidentId, { assignedTo: assignee });
      });
    });
  }

  async resolve(incidentId: string, actor: Actor, request: ResolveRequest, cardVersion?: string): Promise<TriageOutcome> {
    const determination = request.determination ?? DETERMINATIONS_BY_CLASSIFICATION[request.classification][0]!;
    return this.oneAtATime(incidentId, async () => {
      if (!determinationFits(request.classification, determination)) {
        throw new BadInputError(
          `"${DETERMINATION_WORDS[determination]}" does not fit ${CLASSIFICATION_WORDS[request.classification]}. Choose one of: ${DETERMINATIONS_BY_CLASSIFICATION[request.classification].map((d) => DETERMINATION_WORDS[d]).join(', ')}.`,
        );
      }
      const incident = await this.current(incidentId, cardVersion);
      const irmWord = irmStatusFor('resolved', request.classification);
      const note = `Resolved as ${CLASSIFICATION_WORDS[request.classification]} (${DETERMINATION_WORDS[determination]}) by ${who(actor)} from Microsoft Teams; Insider Risk Management: ${irmWord}.`;
      const comment = request.comment?.trim() ? `${note} Comment: ${request.comment.trim()}` : note;
      const irmAlerts = irmAlertsOf(incident);
      // The same decision sent again after a failure part-way (Defender resolves an incident once
      // its alerts are) finishes the job instead of being refused as someone else's.
      const replay = incident.status === 'resolved' && irmAlerts.every((a) => a.classification === request.classification && a.comments.some((c) => c.comment === comment));
      if (incident.status === 'resolved' && !replay) throw new IncidentConflictError(`Incident ${incidentId} is already resolved${await this.decidedBy(incident)}.`, incident);
      refuseMerged(incident);
      // A replay whose every write already landed (the same analyst clicking again) writes nothing.
      const incidentDone = incident.status === 'resolved' && incident.classification === request.classification;
      if (replay && incidentDone && irmAlerts.every((a) => a.status === 'resolved') && (await this.deps.store.decision(incidentId))?.action === 'resolve') return { incident };
      const decision: DecisionRecord = { incidentId, action: 'resolve', by: actor, at: this.now().toISOString(), classification: request.classification, determination };
      return this.decide(
        decision,
        async () => {
          for (const alert of irmAlerts) {
            // Comment first, once: a retry after a dropped connection must not comment twice, and the
            // comment is how a replay of this very decision is recognised.
            if (!alert.comments.some((c) => c.comment === comment)) await this.deps.client.addAlertComment(alert.id, comment);
            if (alert.status !== 'resolved') {
              await this.deps.client.updateAlert(alert.id, { status: 'resolved', classification: request.classification, ...alertUpdateDetermination(determination) });
            }
          }
          // The comment goes where Graph takes comments on an incident (*Update incident* has no comment property).
          if (!incident.comments.some((c) => c.comment === comment)) await this.deps.client.addIncidentComment(incidentId, comment);
          if (!incidentDone) await this.deps.client.updateIncident(incidentId, { status: 'resolved', classification: request.classification, determination });
        },
        { irmChanges: true },
      );
    });
  }

  /**
   * Give the incident to someone (`assignee` is a UPN): Defender's incident and its open IRM alerts
   * (*Update incident* and *Update alert* both take `assignedTo`; no page says whether assigning
   * an incident assigns its alerts, so the bot writes both).
   */
  async assign(incidentId: string, actor: Actor, assignee: string, cardVersion?: string): Promise<TriageOutcome> {
    return this.oneAtATime(incidentId, async () => {
      const incident = await this.current(incidentId, cardVersion);
      refuseClosed(incident, 'assign');
      if (incident.assignedTo === assignee) throw new IncidentConflictError(`Incident ${incidentId} is already assigned to ${assignee}.`, incident);
      const decision: DecisionRecord = { incidentId, action: 'assign', by: actor, at: this.now().toISOString(), assignee };
      return this.decide(decision, async () => {
        await this.deps.client.updateIncident(incidentId, { assignedTo: assignee });
        for (const alert of irmAlertsOf(incident)) {
          if (alert.status !== 'resolved' && alert.assignedTo !== assignee) await this.deps.client.updateAlert(alert.id, { assignedTo: assignee });
        }
      });
    });
  }

  /**
   * Reopen a resolved incident (*Update incident*: `status` active). Its IRM alerts go back to New,
   * which Purview shows as Needs review; an alert Defender left resolved is set New too.
   */
  async reopen(incidentId: string, actor: Actor): Promise<TriageOutcome> {
    return this.oneAtATime(incidentId, async () => {
      // No card version: a reopen acts only on a resolved incident, whoever resolved it.
      const incident = await this.current(incidentId, undefined);
      if (incident.status !== 'resolved') throw new IncidentConflictError(`Incident ${incidentId} is not resolved (it is ${INCIDENT_STATUS_WORDS[incident.status]}): there is nothing to reopen.`, incident);
      const decision: DecisionRecord = { incidentId, action: 'reopen', by: actor, at: this.now().toISOString() };
      return this.decide(
        decision,
        async () => {
          await this.deps.client.addIncidentComment(incidentId, `Reopened by ${who(actor)} from Microsoft Teams.`);
          await this.deps.client.updateIncident(incidentId, { status: 'active' });
          for (const alert of irmAlertsOf(await this.getIrmIncident(incidentId))) {
            if (alert.status === 'resolved') await this.deps.client.updateAlert(alert.id, { status: 'new' });
          }
        },
        { irmChanges: true },
      );
    });
  }

  /** A note on the incident, written to Defender as a comment on it (*Create comment for incident*). */
  async addNote(incidentId: string, actor: Actor, note: string): Promise<TriageOutcome> {
    const text = note.trim();
    if (!text) throw new BadInputError('Write the note first: it is saved as a comment on the incident in Defender.');
    return this.comment(incidentId, `Note from ${who(actor)} in Microsoft Teams: ${text}`);
  }

  /** Say on the incident in Defender that it was escalated, and to whom. */
  async noteEscalation(incidentId: string, actor: Actor, to: string): Promise<TriageOutcome> {
    return this.comment(incidentId, `Escalated to ${to} by ${who(actor)} from Microsoft Teams.`, (incident) => refuseClosed(incident, 'escalate'));
  }

  private async comment(incidentId: string, text: string, check?: (incident: Incident) => void): Promise<TriageOutcome> {
    return this.oneAtATime(incidentId, async () => {
      const incident = await this.current(incidentId, undefined);
      refuseMerged(incident);
      check?.(incident);
      await this.deps.client.addIncidentComment(incidentId, text);
      const after = await this.afterChange(incidentId);
      return { incident: after.incident, notice: after.storeLags ? STORE_LAGS_NOTICE : undefined };
    });
  }

  /**
   * Write a decision to Defender, recorded as pending before the first write (so a poll that reads
   * the incident meanwhile knows it for a Teams decision) and as done after the last. Defender is
   * the truth: once it has the decision, a store that cannot be written does not turn the
   * success into a failure; the record stays in memory, is saved with the next write that
   * succeeds, and the card says so.
   */
  private async decide(decision: DecisionRecord, write: () => Promise<void>, options: { irmChanges?: boolean } = {}): Promise<TriageOutcome> {
    const id = decision.incidentId;
    const previous = await this.deps.store.decision(id);
    const pending: DecisionRecord = { ...decision, pending: true };
    let storeLags = !(await this.save((store) => store.saveDecision(pending)));
    try {
      await write();
    } catch (err) {
      // Nothing or part of it reached Defender: the pending record must not explain later changes.
      await this.save((store) => store.withdrawDecision(pending, previous));
      throw err;
    }
    storeLags = !(await this.save((store) => store.saveDecision(decision))) || storeLags;
    const after = await this.afterChange(id, options);
    storeLags = after.storeLags || storeLags;
    return { incident: after.incident, notice: storeLags ? STORE_LAGS_NOTICE : undefined };
  }

  /** A change to the store that may fail to reach the file: false (logged) when it did not; the change is kept in memory either way. */
  private async save(change: (store: Store) => Promise<void>): Promise<boolean> {
    try {
      await change(this.deps.store);
      return true;
    } catch (err) {
      if (!(err instanceof StoreWriteError)) throw err;
      log.warn('a decision reached Defender but the store could not save it yet', { err: err.message });
      return false;
    }
  }

  /** The incident as a decision being written now last read it (to draw a card while Defender is slow). */
  inFlight(incidentId: string): Incident | undefined {
    return this.reading.get(incidentId);
  }

  /** The incident as it is now, refusing a card drawn before its last change. */
  private async current(incidentId: string, cardVersion: string | undefined): Promise<Incident> {
    const incident = await this.getIrmIncident(incidentId);
    this.reading.set(incidentId, incident);
    if (incident.status === 'resolved') return incident; // "already resolved, by whom" says more than "stale"
    if (cardVersion !== undefined && cardVersion !== incident.lastUpdateDateTime) throw new StaleCardError(incident);
    return incident;
  }

  /** Re-read the incident, remember it, and have every posted card redrawn. */
  private async afterChange(incidentId: string, options: { irmChanges?: boolean } = {}): Promise<{ incident: Incident; storeLags: boolean }> {
    const incident = await this.getIrmIncident(incidentId);
    let storeLags = false;
    try {
      if (options.irmChanges) await this.deps.irmSync?.track(incident);
    } catch (err) {
      if (!(err instanceof StoreWriteError)) throw err;
      storeLags = true;
    }
    const saved = await this.save(async (store) => {
      // The poller will see this change too; remembering what it looks like now keeps it from
      // announcing the analyst's own decision as a change made elsewhere (written with the next line).
      await this.known.rememberDecided(incident);
      await store.forgetOutsideChange(incidentId);
    });
    // The clicker is answered with this state now; everyone else's card follows, paced as Teams asks.
    this.deps.publisher.refreshPostsSoon(incident);
    return { incident, storeLags: storeLags || !saved };
  }

  /** " (True positive, by Alex Wilber)" from the Teams decision, or as Defender tells it when it was decided elsewhere. */
  private async decidedBy(incident: Incident): Promise<string> {
    const decision = await this.deps.store.decision(incident.id);
    if (decision && decision.action === 'resolve') {
      const what = CLASSIFICATION_WORDS[decision.classification as ResolveClassification] ?? decision.classification;
      return ` (${what}, by ${decision.by.name})`;
    }
    const what = incident.classification && incident.classification !== 'unknown' ? CLASSIFICATION_WORDS[incident.classification] : 'without a classification';
    return ` (${what}${incident.lastModifiedBy ? `, by ${incident.lastModifiedBy}` : ''}, in the Defender portal)`;
  }

  /**
   * Run `decide` holding the incident's lock shared by the replicas (the store's coordination),
   * so two clicks landing on two replicas are written one after the other: the second then sees
   * the incident as the first left it. Waits up to DECISION_WAIT_MS for another replica's
   * decision, then refuses in words.
   */
  private async heldAcrossReplicas<T>(incidentId: string, decide: () => Promise<T>): Promise<T> {
    const { coordination } = this.deps.store;
    const key = `decision:${incidentId}`;
    const holder = this.deps.replica ?? 'this process';
    const giveUpAt = Date.now() + DECISION_WAIT_MS;
    while (!(await coordination.acquireLock(key, holder, this.now(), DECISION_HOLD_MS))) {
      if (Date.now() >= giveUpAt) throw new ConflictError(`Another analyst's decision on incident ${incidentId} is still being written to Microsoft Defender. Wait a moment, then check the card and decide again.`);
      await new Promise((resolve) => setTimeout(resolve, DECISION_RETRY_MS));
    }
    try {
      return await decide();
    } finally {
      await coordination.releaseLock(key, holder).catch((err: unknown) => log.warn('could not release a decision lock (it lapses by itself)', { incidentId, err }));
    }
  }

  /** Run one decision at a time per incident, in this process and across replicas. */
  private oneAtATime<T>(incidentId: string, run: () => Promise<T>): Promise<T> {
    return this.lock.run(incidentId, () =>
      this.heldAcrossReplicas(incidentId, async () => {
        try {
          return await run();
        } finally {
          this.reading.delete(incidentId);
        }
      }),
    );
  }
}

/** An analyst as a comment in Defender names them. */
function who(actor: Actor): string {
  return actor.upn ? `${actor.name} (${actor.upn})` : actor.name;
}

/** A merged incident (Defender's `redirected`) takes no decision: it is refused with the incident as it stands. */
function refuseMerged(incident: Incident): void {
  if (incident.status === 'redirected') throw new IncidentConflictError(`Incident ${incident.id} was merged into another incident. Open it in the Defender portal.`, incident);
}

/** Assigning or escalating a closed incident is refused with the incident as it stands. */
function refuseClosed(incident: Incident, what: string): void {
  if (incident.status === 'resolved') throw new IncidentConflictError(`Incident ${incident.id} is resolved: reopen it before you ${what} it.`, incident);
  refuseMerged(incident);
}
