/**
 * The analyst's decisions, written back to Defender: start an investigation, resolve with a
 * classification. Purview Insider Risk Management follows Defender (Resolved + True positive
 * = Confirmed; False positive / Informational = Dismissed), so a resolve always carries a
 * classification. Every attempt, allowed or not, lands in the audit log.
 */
import { irmAlertsOf } from '../cards/view-models.js';
import type { DefenderClient } from '../defender/graph-client.js';
import {
  CLASSIFICATION_WORDS,
  DETERMINATIONS_BY_CLASSIFICATION,
  DETERMINATION_WORDS,
  determinationFits,
  irmStatusFor,
  type ResolveClassification,
} from '../defender/irm-mapping.js';
import type { Determination, Incident } from '../defender/model.js';
import { AppError, BadInputError, ConflictError, GraphError, NotFoundError, asAppError } from '../errors.js';
import type { Actor, Store } from '../store/store.js';
import type { IncidentPublisher } from '../sync/publisher.js';
import { toRecord } from '../sync/poller.js';
import type { IrmSyncTracker } from '../sync/irm-sync.js';
import { KeyedLock } from '../util/keyed-lock.js';

/** The card the analyst clicked was drawn before the incident last changed: nothing was written. */
export class StaleCardError extends ConflictError {
  constructor(readonly incident: Incident) {
    super(`Incident ${incident.id} changed since this card was drawn, so nothing was written. This is how it stands now: check it, then decide again.`);
  }
}

export interface ResolveRequest {
  classification: ResolveClassification;
  determination?: Determination;
  comment?: string;
}

export class TriageService {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly deps: { client: DefenderClient; store: Store; publisher: IncidentPublisher; irmSync?: IrmSyncTracker; now?: () => Date },
  ) {}

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
  async startInvestigation(incidentId: string, actor: Actor, cardVersion?: string): Promise<Incident> {
    return this.audited(actor, 'startInvestigation', incidentId, undefined, async () => {
      const incident = await this.current(incidentId, cardVersion);
      if (incident.status === 'resolved') throw new ConflictError(`Incident ${incidentId} is already resolved${this.decidedBy(incidentId)}. Reopen it in the Defender portal if it needs another look.`);
      if (incident.status === 'redirected') throw new ConflictError(`Incident ${incidentId} was merged into another incident. Open it in the Defender portal.`);
      const assignee = actor.upn ?? actor.name;
      const toStart = irmAlertsOf(incident).filter((a) => a.status !== 'resolved' && (a.status !== 'inProgress' || a.assignedTo !== assignee));
      if (toStart.length === 0) throw new ConflictError(`The investigation of incident ${incidentId} is already in progress (assigned to ${incident.assignedTo ?? 'nobody'}).`);
      for (const alert of toStart) await this.deps.client.updateAlert(alert.id, { status: 'inProgress', assignedTo: assignee });
      // Defender keeps the incident's own status and owner; set them too so the queue shows who has it.
      await this.deps.client.updateIncident(incidentId, { status: 'inProgress', assignedTo: assignee });
      await this.deps.store.update((d) => {
        d.decisions[incidentId] = { incidentId, action: 'startInvestigation', by: actor, at: this.now().toISOString() };
      });
      return this.afterChange(incidentId);
    });
  }

  async resolve(incidentId: string, actor: Actor, request: ResolveRequest, cardVersion?: string): Promise<Incident> {
    const determination = request.determination ?? DETERMINATIONS_BY_CLASSIFICATION[request.classification][0]!;
    const detail = `${request.classification}/${determination}`;
    return this.audited(actor, 'resolve', incidentId, detail, async () => {
      if (!determinationFits(request.classification, determination)) {
        throw new BadInputError(
          `"${DETERMINATION_WORDS[determination]}" does not fit ${CLASSIFICATION_WORDS[request.classification]}. Choose one of: ${DETERMINATIONS_BY_CLASSIFICATION[request.classification].map((d) => DETERMINATION_WORDS[d]).join(', ')}.`,
        );
      }
      const incident = await this.current(incidentId, cardVersion);
      const who = actor.upn ? `${actor.name} (${actor.upn})` : actor.name;
      const irmWord = irmStatusFor('resolved', request.classification);
      const note = `Resolved as ${CLASSIFICATION_WORDS[request.classification]} (${DETERMINATION_WORDS[determination]}) by ${who} from Microsoft Teams; Insider Risk Management: ${irmWord}.`;
      const comment = request.comment?.trim() ? `${note} Comment: ${request.comment.trim()}` : note;
      const irmAlerts = irmAlertsOf(incident);
      // The same decision sent again after a failure part-way (Defender resolves an incident once
      // its alerts are) finishes the job instead of being refused as someone else's.
      const replay = incident.status === 'resolved' && irmAlerts.every((a) => a.classification === request.classification && a.comments.some((c) => c.comment === comment));
      if (incident.status === 'resolved' && !replay) throw new ConflictError(`Incident ${incidentId} is already resolved${this.decidedBy(incidentId)}.`);
      if (incident.status === 'redirected') throw new ConflictError(`Incident ${incidentId} was merged into another incident. Open it in the Defender portal.`);
      for (const alert of irmAlerts) {
        // Comment first, once: a retry after a dropped connection must not comment twice, and the
        // comment is how a replay of this very decision is recognised.
        if (!alert.comments.some((c) => c.comment === comment)) await this.deps.client.addAlertComment(alert.id, comment);
        if (alert.status !== 'resolved') {
          await this.deps.client.updateAlert(alert.id, { status: 'resolved', classification: request.classification, determination });
        }
      }
      await this.deps.client.updateIncident(incidentId, {
        status: 'resolved',
        classification: request.classification,
        determination,
        resolvingComment: comment.slice(0, 1000),
      });
      await this.deps.store.update((d) => {
        d.decisions[incidentId] = {
          incidentId,
          action: 'resolve',
          by: actor,
          at: this.now().toISOString(),
          classification: request.classification,
          determination,
        };
      });
      return this.afterChange(incidentId, { irmChanges: true });
    });
  }

  /** The incident as it is now, refusing a card drawn before its last change. */
  private async current(incidentId: string, cardVersion: string | undefined): Promise<Incident> {
    const incident = await this.getIrmIncident(incidentId);
    if (incident.status === 'resolved') return incident; // "already resolved, by whom" says more than "stale"
    if (cardVersion !== undefined && cardVersion !== incident.lastUpdateDateTime) throw new StaleCardError(incident);
    return incident;
  }

  /** Re-read the incident, remember it, and redraw every posted card. */
  private async afterChange(incidentId: string, options: { irmChanges?: boolean } = {}): Promise<Incident> {
    const incident = await this.getIrmIncident(incidentId);
    if (options.irmChanges) await this.deps.irmSync?.track(incident);
    await this.deps.store.update((d) => {
      // The poller will see this change too; remembering what it looks like now keeps it from
      // announcing the analyst's own decision as a change made elsewhere.
      // (An incident the poller has not met yet stays unknown, so it is still announced as new.)
      const known = d.incidents[incidentId];
      if (known) d.incidents[incidentId] = { ...toRecord(incident), firstSeenAt: known.firstSeenAt };
      delete d.outsideChanges[incidentId];
    });
    await this.deps.publisher.refreshPosts(incident);
    return incident;
  }

  private decidedBy(incidentId: string): string {
    const decision = this.deps.store.data.decisions[incidentId];
    if (!decision || decision.action !== 'resolve') return '';
    const what = CLASSIFICATION_WORDS[decision.classification as ResolveClassification] ?? decision.classification;
    return ` (${what}, by ${decision.by.name})`;
  }

  private async audited<T>(actor: Actor, action: string, target: string, detail: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      const result = await this.lock.run(target, run);
      await this.deps.store.appendAudit({ at: this.now().toISOString(), actor, action, target, outcome: 'ok', detail });
      return result;
    } catch (err) {
      const appError: AppError = asAppError(err);
      const outcome = appError instanceof BadInputError || appError instanceof ConflictError || appError instanceof NotFoundError ? 'refused' : 'failed';
      await this.deps.store.appendAudit({ at: this.now().toISOString(), actor, action, target, outcome, detail: detail ? `${detail}: ${appError.message}` : appError.message });
      throw appError;
    }
  }
}
