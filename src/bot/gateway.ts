/** Proactive sends and updates through botbuilder's CloudAdapter, for the publisher. */
import { CardFactory, MessageFactory, type CloudAdapter } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { ConversationRecord } from '../store/store.js';
import type { ConversationGateway } from '../sync/publisher.js';
import { referenceOf } from './conversation.js';

export class AdapterGateway implements ConversationGateway {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async send(conversation: ConversationRecord, card: AdaptiveCardJson): Promise<string> {
    let id = '';
    await this.adapter.continueConversationAsync(this.appId, referenceOf(conversation), async (context) => {
      // botbuilder would send this as a reply to its own made-up continuation activity id; a new
      // message in a channel must be a new conversation post, not a reply to nothing.
      context.onSendActivities(async (_ctx, activities, next) => {
        for (const activity of activities) delete activity.replyToId;
        return next();
      });
      const response = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
      id = response?.id ?? '';
    });
    return id;
  }

  async update(conversation: ConversationRecord, activityId: string, card: AdaptiveCardJson): Promise<void> {
    await this.adapter.continueConversationAsync(this.appId, referenceOf(conversation), async (context) => {
      await context.updateActivity({ type: 'message', id: activityId, attachments: [CardFactory.adaptiveCard(card)] });
    });
  }
}
