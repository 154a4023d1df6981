/**
 * Draws an incident's card as a person or a conversation should see it: with the latest decision
 * made from Teams, the last change made in a portal, where Purview stands, and the person at risk
 * named or pseudonymous. Draws only: sending and redrawing posted cards is the publisher's
 * (sync/publisher.ts).
 */
import type { Incident } from '../defender/model.js';
import type { ConversationRecord, Store } from '../store/store.js';
import { renderCard, type AdaptiveCardJson } from './render.js';
import { byName, type Namer } from './common.js';
import { incidentCardData, type IrmSyncView, type ResolveDraft } from './incident-view.js';

/** How people are named where a card is shown (auth/privacy.ts decides). */
export interface CardNaming {
  readonly pseudonymous: Namer;
  namerFor(conversation: ConversationRecord): Promise<Namer>;
  /** Analysts who may see names in shared cards, most recently seen first (at most 60: Teams' limit). */
  viewerIds(): Promise<string[]>;
}

export class IncidentCards {
  constructor(
    private readonly store: Store,
    private readonly irmSync?: { view(incidentId: string): Promise<IrmSyncView | undefined> },
    private readonly naming?: CardNaming,
    /** When the on-call analyst will be reminded of a New incident (oncall/service.ts). */
    private readonly reminders?: { reminderAt(incident: Incident): Promise<string | undefined> },
  ) {}

  /**
   * The incident's card with the latest decision made from Teams. `namer` says how the person at
   * risk is named: by name (the default, for a card shown to an analyst alone) or by pseudonym.
   * `draft` puts back what the analyst typed into the Resolve form when their decision was refused.
   */
  async card(incident: Incident, notice?: string, namer?: Namer, draft?: ResolveDraft): Promise<AdaptiveCardJson> {
    const decision = await this.store.decision(incident.id);
    const outside = (await this.store.outsideChange(incident.id))?.text;
    const irmSync = await this.irmSync?.view(incident.id);
    const pseudonymous = namer !== undefined && namer === this.naming?.pseudonymous;
    const reminderAt = await this.reminders?.reminderAt(incident);
    return renderCard('incident', incidentCardData(incident, { decision, notice: notice ?? outside, irmSync, namer, revealable: pseudonymous, draft, reminderAt }));
  }

  /** How people are named in what is posted in this conversation. */
  async namerFor(conversation: ConversationRecord): Promise<Namer> {
    return (await this.naming?.namerFor(conversation)) ?? byName;
  }

  /**
   * The card as posted in a conversation: in a channel or group chat the person at risk is a
   * pseudonym, and analysts who may see the name get their own view (`refresh.userIds`).
   */
  async cardFor(incident: Incident, conversation: ConversationRecord): Promise<AdaptiveCardJson> {
    if (!this.naming) return this.card(incident);
    const namer = await this.naming.namerFor(conversation);
    const card = await this.card(incident, undefined, namer);
    const viewers = namer === this.naming.pseudonymous ? await this.naming.viewerIds() : [];
    if (viewers.length > 0) card.refresh = { action: { type: 'Action.Execute', verb: 'refreshIncident', data: { incidentId: incident.id } }, userIds: viewers };
    return card;
  }
}
