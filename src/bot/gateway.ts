/** Proactive sends and updates through botbuilder's CloudAdapter, for the publisher. */
import { CardFactory, MessageFactory, type CloudAdapter, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { ConversationRecord } from '../store/store.js';
import { toConnectorError } from '../sync/delivery.js';
import type { ConversationGateway, MessageExtras } from '../sync/publisher.js';
import { referenceOf } from './conversation.js';

export class AdapterGateway implements ConversationGateway {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async send(conversation: ConversationRecord, card: AdaptiveCardJson, extras: MessageExtras = {}): Promise<string> {
    let id = '';
    await this.continueConversation(conversation, 'send a message', async (context) => {
      // botbuilder would send this as a reply to its own made-up continuation activity id; a new
      // message in a channel must be a new conversation post, not a reply to nothing.
      context.onSendActivities(async (_ctx, activities, next) => {
        for (const activity of activities) delete activity.replyToId;
        return next();
      });
      const message = MessageFactory.attachment(CardFactory.adaptiveCard(card), extras.text);
      if (extras.mentions?.length) message.entities = extras.mentions.map((m) => ({ ...m }));
      const response = await context.sendActivity(message);
      id = response?.id ?? '';
    });
    return id;
  }

  async update(conversation: ConversationRecord, activityId: string, card: AdaptiveCardJson): Promise<void> {
    await this.continueConversation(conversation, 'update a message', async (context) => {
      await context.updateActivity({ type: 'message', id: activityId, attachments: [CardFactory.adaptiveCard(card)] });
    });
  }

  /**
   * Run `logic` in the conversation and throw what the connector answered as a ConnectorError
   * (HTTP status, Retry-After). The failure is caught inside the turn because CloudAdapter hands
   * errors thrown there to `onTurnError`, which would otherwise swallow a refused send.
   */
  private async continueConversation(conversation: ConversationRecord, operation: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const reference = referenceOf(conversation);
    const failure: { err?: unknown } = {};
    try {
      await this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
        try {
          await logic(context);
        } catch (err) {
          failure.err = err;
        }
      });
    } catch (err) {
      throw toConnectorError(err, operation);
    }
    if ('err' in failure) throw toConnectorError(failure.err, operation);
  }
}
