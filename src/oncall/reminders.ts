/**
 * What the on-call analyst hears of the incidents a poll finds: an @mention with a new incident's
 * card (or a digest) when it is severe enough, then, while it stays New, a reminder and later an
 * escalation, each sent where the incident's cards are. Which notices are due, and to whom, is
 * OnCallService.due; each is recorded once (markSent) after it reached at least one conversation.
 */
import { plain } from '../cards/markdown.js';
import { renderCard, type AdaptiveCardJson } from '../cards/render.js';
import { SEVERITY_WORDS } from '../defender/irm-mapping.js';
import type { Incident } from '../defender/model.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord, IncidentRecord, Store } from '../store/store.js';
import type { DueNotice, Mention, OnCallService } from './service.js';

const log = createLogger('oncall.reminders');

/** Sends a card with its line into a conversation (the publisher). */
export interface NoticeSender {
  send(conversation: ConversationRecord, card: AdaptiveCardJson, extras: { text: string; mentions: Mention['entity'][] }): Promise<unknown>;
}

export class OnCallReminders {
  constructor(
    private readonly deps: {
      oncall: OnCallService;
      /** Where each incident's cards are posted. */
      store: Pick<Store, 'postsFor' | 'conversation'>;
      sender: NoticeSender;
      now: () => Date;
    },
  ) {}

  /** The on-call analyst's @mention for a new incident's card, when it is severe enough to page them. */
  async mentionFor(incident: Pick<Incident, 'id' | 'severity'>, what?: string): Promise<{ text: string; mentions: Mention['entity'][] } | undefined> {
    const { oncall } = this.deps;
    const contact = await oncall.current();
    if (!contact || !(await oncall.shouldMention(incident.severity))) return undefined;
    return mentioning(oncall.mentionOf(contact), what ?? `new ${SEVERITY_WORDS[incident.severity]} severity insider-risk incident ${incident.id}`);
  }

  /**
   * Send the reminders and escalations due for these open incidents, once each, where their cards
   * are, and forget the records of incidents no longer open. Answers how many sends failed (a
   * notice no conversation got is tried again at the next poll).
   */
  async remind(open: readonly IncidentRecord[]): Promise<number> {
    const { oncall } = this.deps;
    const created = new Map(open.map((i) => [i.id, i.createdDateTime]));
    const incidents = open.map((i) => ({ id: i.id, status: i.status ?? 'active', createdDateTime: i.createdDateTime, severity: i.severity, title: i.title }));
    let failed = 0;
    for (const notice of await oncall.due(incidents)) {
      const { delivered, failed: failedHere } = await this.send(notice, created.get(notice.incidentId));
      failed += failedHere;
      if (delivered > 0) await oncall.markSent(notice.incidentId, notice.kind);
    }
    // Reminder records of incidents no longer open are forgotten.
    await oncall.prune(incidents.map((i) => i.id));
    return failed;
  }

  /**
   * Escalate an incident now, whatever its age: the escalation contact is mentioned where its cards
   * are, and the automatic escalation is then not sent again. Answers who heard of it, or null when
   * nobody is named to escalate to.
   */
  async escalateNow(incident: Pick<Incident, 'id' | 'displayName' | 'createdDateTime'>, by: string): Promise<{ contact: string; delivered: number } | null> {
    const { oncall } = this.deps;
    const contact = await oncall.escalationContact();
    if (!contact) return null;
    const notice: DueNotice = { incidentId: incident.id, kind: 'escalation', contact, title: incident.displayName || `Incident ${incident.id}` };
    const { delivered } = await this.send(notice, incident.createdDateTime, `escalated by ${by}`);
    if (delivered > 0) await oncall.markSent(incident.id, 'escalation');
    return { contact: contact.name ?? contact.upn, delivered };
  }

  /** One notice, to every conversation the incident's cards are in. */
  private async send(notice: DueNotice, createdDateTime: string | undefined, why?: string): Promise<{ delivered: number; failed: number }> {
    const { oncall, store, sender } = this.deps;
    const mention = oncall.mentionOf(notice.contact);
    const minutes = Math.round((this.deps.now().getTime() - Date.parse(createdDateTime ?? this.deps.now().toISOString())) / 60_000);
    const heading = notice.kind === 'reminder' ? `Reminder: incident ${notice.incidentId} is still New` : `Escalation: incident ${notice.incidentId} is still New`;
    const text = why ? `${plain(notice.title)}: ${plain(why)}, ${minutes} minutes after it was raised.` : `${plain(notice.title)}: nobody has started investigating after ${minutes} minutes.`;
    const card = renderCard('notice', { heading: why ? `Escalation: incident ${notice.incidentId}` : heading, text, colour: notice.kind === 'reminder' ? 'Default' : 'Attention' });
    let delivered = 0;
    let failed = 0;
    for (const post of await store.postsFor(notice.incidentId)) {
      const conversation = await store.conversation(post.conversationKey);
      if (!conversation) continue;
      try {
        await sender.send(conversation, card, mentioning(mention, heading.toLowerCase()));
        delivered++;
      } catch (err) {
        failed++;
        log.warn('could not send a reminder; it will be tried again', { incidentId: notice.incidentId, err });
      }
    }
    return { delivered, failed };
  }
}

/** `<at>Name</at>: what`, with the mention's entity. */
function mentioning(mention: Mention, what: string): { text: string; mentions: Mention['entity'][] } {
  return { text: `${mention.text}: ${what}`, mentions: [mention.entity] };
}
