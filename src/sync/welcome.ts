/**
 * The bot introduces itself once in each conversation it is added to, before anything else is
 * posted there (the install backlog follows it). Sent by the poll, like the backlog, so the two
 * arrive in order, through the same paced gateway, and by the one replica that polls. Remembered
 * in the store by conversation, after the bot leaves it too: a re-install, or the second
 * install event Teams sends (installationUpdate and conversationUpdate), does not repeat it.
 */
import { renderCard } from '../cards/render.js';
import { welcomeCardData } from '../cards/welcome-view.js';
import { plain } from '../cards/markdown.js';
import type { ConversationRecord, Store } from '../store/store.js';
import type { TabLinks } from '../tab/links.js';
import type { IncidentPublisher } from './publisher.js';
import { describeSubscription, subscriptionOf } from './subscriptions.js';

export class Welcomer {
  constructor(
    private readonly deps: {
      store: Store;
      publisher: IncidentPublisher;
      links: TabLinks;
      now: () => Date;
    },
  ) {}

  /**
   * Owed to a conversation just installed (its backlog not yet offered) and never introduced to.
   * One whose backlog went out before welcomes existed was introduced by it, and is not greeted now.
   */
  async owed(conversation: ConversationRecord): Promise<boolean> {
    return !conversation.backfilled && (await this.deps.store.welcomedAt(conversation.key)) === undefined;
  }

  /** Send the welcome card, then remember it. `backlog`: the open incidents about to follow in one digest. */
  async welcome(conversation: ConversationRecord, backlog: number): Promise<void> {
    const { store, publisher, links, now } = this.deps;
    const namer = await publisher.cards.namerFor(conversation);
    // A user filter is named as this conversation may see it (a pseudonym where others look), escaped.
    const subscription = describeSubscription(subscriptionOf(conversation), (upn) => plain(namer({ userPrincipalName: upn })));
    const card = renderCard('welcome', welcomeCardData(conversation.kind, { subscription, backlog, tabUrl: links.queue() }));
    await publisher.send(conversation, card);
    await store.markWelcomed(conversation.key, now().toISOString());
  }
}
