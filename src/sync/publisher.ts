/**
 * Puts incident cards in conversations and keeps every posted card current. Knows nothing of
 * botbuilder: the bot supplies a ConversationGateway that sends and updates messages; the cards
 * are drawn by IncidentCards (cards/incident-cards.ts).
 */
import { createHash } from 'node:crypto';
import { IncidentCards } from '../cards/incident-cards.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { Incident } from '../defender/model.js';
import { createLogger } from '../logger.js';
import { replicaName } from '../store/open.js';
import type { ConversationRecord, Store } from '../store/store.js';
import type { Mention } from '../oncall/service.js';
import { KeyedLock } from '../util/keyed-lock.js';

const log = createLogger('publisher');

/** What goes with a card: a line of text, and the people it @mentions. */
export interface MessageExtras {
  text?: string;
  mentions?: Mention['entity'][];
}

export interface ConversationGateway {
  /** Send a card (with optional text and mentions); answers the new message's id. */
  send(conversation: ConversationRecord, card: AdaptiveCardJson, extras?: MessageExtras): Promise<string>;
  update(conversation: ConversationRecord, activityId: string, card: AdaptiveCardJson): Promise<void>;
}

/** A short fingerprint of a card's JSON: equal cards, equal fingerprints. */
function fingerprint(card: AdaptiveCardJson): string {
  return createHash('sha256').update(JSON.stringify(card)).digest('base64url').slice(0, 16);
}

export class IncidentPublisher {
  /**
   * What each posted message shows now, by `conversationKey activityId` (this process's memory:
   * after a restart the first redraw of each message is sent whatever it shows). A redraw that
   * would show the same card is not sent: it costs a Teams request, and redrawing closes any
   * form an analyst has open on the card (Resolve, half filled in).
   */
  private readonly shown = new BoundedMap<string, string>(REMEMBERED_CARDS);
  /** The newest `lastUpdateDateTime` drawn per incident: an older read of it is never drawn over it. */
  private readonly drawnVersion = new BoundedMap<string, string>(REMEMBERED_CARDS);
  /** Redraws of one incident run one after another, in the order asked. */
  private readonly redraws = new KeyedLock();

  constructor(
    private readonly store: Store,
    private readonly gateway: ConversationGateway,
    /** Draws the cards it sends (cards/incident-cards.ts). */
    readonly cards: IncidentCards = new IncidentCards(store),
    private readonly now: () => Date = () => new Date(),
    /** Who claims cards before sending them (the replica's name; see Store.claimPost). */
    private readonly instanceId: string = replicaName(),
  ) {}

  /** Post the incident's card once per conversation; a second call for the same pair does nothing. */
  async postOnce(incident: Incident, conversation: ConversationRecord, extras?: MessageExtras): Promise<boolean> {
    if (await this.store.post(incident.id, conversation.key)) return false;
    // Replicas sharing a store: the one whose claim lands sends; the others leave it.
    if (!(await this.store.claimPost(incident.id, conversation.key, this.instanceId, this.now()))) return false;
    await this.post(incident, conversation, extras);
    return true;
  }

  /** Post the card (again) and make it the message that follows the incident in this conversation. */
  async post(incident: Incident, conversation: ConversationRecord, extras?: MessageExtras): Promise<string> {
    const card = await this.cards.cardFor(incident, conversation);
    const activityId = await this.gateway.send(conversation, card, extras);
    this.shown.set(`${conversation.key} ${activityId}`, fingerprint(card));
    await this.store.recordPost({ incidentId: incident.id, conversationKey: conversation.key, activityId, postedAt: this.now().toISOString() });
    return activityId;
  }

  /**
   * One digest card for many incidents in a conversation. Each incident counts as offered there
   * (it is not posted again), but the digest is not redrawn as any one incident's card.
   */
  async postDigest(incidents: readonly Incident[], conversation: ConversationRecord, card: AdaptiveCardJson, extras?: MessageExtras): Promise<string> {
    const activityId = await this.gateway.send(conversation, card, extras);
    const postedAt = this.now().toISOString();
    await this.store.recordPosts(incidents.map((incident) => ({ incidentId: incident.id, conversationKey: conversation.key, activityId, postedAt, kind: 'digest' as const })));
    return activityId;
  }

  /** Send another card (a summary, say) into a conversation; it does not follow an incident. */
  send(conversation: ConversationRecord, card: AdaptiveCardJson, extras?: MessageExtras): Promise<string> {
    return this.gateway.send(conversation, card, extras);
  }

  /** Post a card to every channel that has not unsubscribed (summaries, hand-overs); answers how many got it. */
  async broadcastToChannels(card: AdaptiveCardJson, extras?: MessageExtras): Promise<number> {
    let sent = 0;
    for (const conversation of await this.store.conversations()) {
      if (conversation.kind !== 'channel' || conversation.subscription === null) continue;
      try {
        await this.gateway.send(conversation, card, extras);
        sent++;
      } catch (err) {
        log.warn('could not post to a channel', { conversation: conversation.key, err });
      }
    }
    return sent;
  }

  /**
   * Redraw every posted card of the incident that would change; one conversation failing does not
   * stop the others. Redraws of one incident run in the order asked, and a state older than one
   * already drawn (a poll that read the incident before a decision changed it) is not drawn.
   */
  refreshPosts(incident: Incident): Promise<number> {
    return this.redraws.run(incident.id, () => this.redraw(incident));
  }

  /**
   * The same, without waiting: a card action answers the clicker with the new card at once and
   * the others' cards follow as fast as Teams' pacing allows (one incident's redraws stay in order).
   */
  refreshPostsSoon(incident: Incident): void {
    this.refreshPosts(incident).catch((err: unknown) => log.warn('could not redraw the cards of an incident', { incidentId: incident.id, err }));
  }

  /** Resolves once no redraw is queued or running. */
  idle(): Promise<void> {
    return this.redraws.idle();
  }

  private async redraw(incident: Incident): Promise<number> {
    const newest = this.drawnVersion.get(incident.id);
    if (newest !== undefined && Date.parse(incident.lastUpdateDateTime) < Date.parse(newest)) return 0;
    this.drawnVersion.set(incident.id, incident.lastUpdateDateTime);
    let updated = 0;
    for (const post of await this.store.postsFor(incident.id)) {
      if (post.kind === 'digest') continue;
      const conversation = await this.store.conversation(post.conversationKey);
      if (!conversation) continue;
      const card = await this.cards.cardFor(incident, conversation);
      const message = `${conversation.key} ${post.activityId}`;
      const drawn = fingerprint(card);
      if (this.shown.get(message) === drawn) continue;
      try {
        await this.gateway.update(conversation, post.activityId, card);
        this.shown.set(message, drawn);
        updated++;
      } catch (err) {
        log.warn('could not update a posted card', { incidentId: incident.id, conversation: post.conversationKey, err });
      }
    }
    return updated;
  }
}

/**
 * How many posted messages (and incidents) the publisher remembers the drawing of. Forgetting one
 * costs at most one redraw that changes nothing; remembering every one would grow with the tenant.
 */
const REMEMBERED_CARDS = 20_000;

/** A Map that forgets its least recently set entries past `limit`. */
class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.entries.get(key);
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }
}
