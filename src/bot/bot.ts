/**
 * The Teams side: registers the conversations the app is installed in, routes typed commands
 * to the command registry and Action.Execute invokes to the action registry. Thin on purpose:
 * the work is in the handlers and the domain services.
 */
import { quoted } from '../util/echo.js';
import {
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCardJson } from '../cards/render.js';
import { BadInputError, ErrorCode, asAppError, describeForUser } from '../errors.js';
import { answerCardAction, cardResponse, messageResponse, responseForError, type CardActionResponse } from './invoke-response.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord } from '../store/store.js';
import { runCardAction, runCommand } from './dispatch.js';
import { isMessageResult } from './actions/action.js';
import { commandsByName } from './commands/index.js';
import { closest } from '../util/closest.js';
import { parseCommand } from './commands/parse.js';
import { actorOf, conversationKeyOf, conversationRecordFrom, memberUpn } from './conversation.js';
import type { BotServices, Mentioned } from './services.js';

const log = createLogger('bot');
const MAX_MESSAGE_CHARS = 4000;

const invokeValueSchema = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().max(100),
    data: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export class IrmBot extends TeamsActivityHandler {
  constructor(
    private readonly services: BotServices,
    private readonly options: { now?: () => Date; onInstalled?: () => void } = {},
  ) {
    super();
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.register(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.unregister(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) await this.register(context);
      await next();
    });
    this.onMembersRemoved(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersRemoved?.some((m) => m.id === botId)) await this.unregister(context);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * The conversation's record: the stored one, or a new one. A new conversation is remembered (and
   * so gets incident cards) only when the person whose activity brought the bot there may see
   * incidents; for anyone else the record is used for this turn and forgotten.
   */
  private async register(context: TurnContext): Promise<ConversationRecord | null> {
    const reference = TurnContext.getConversationReference(context.activity);
    const record = conversationRecordFrom(context.activity, reference, this.now());
    if (!record) {
      log.warn('ignoring an activity without a usable conversation reference', { type: context.activity.type });
      return null;
    }
    const existing = await this.services.store.conversation(record.key);
    if (existing) return existing;
    const from = context.activity.from;
    if (!this.services.roles.may({ name: from?.name ?? '', aadObjectId: from?.aadObjectId }, 'read')) {
      log.info('not registering a conversation for incident cards: whoever brought the bot there may not see incidents', { conversation: record.key, kind: record.kind });
      return record;
    }
    await this.services.store.saveConversation(record);
    log.info('installed in a conversation', { conversation: record.key, kind: record.kind });
    this.options.onInstalled?.();
    return record;
  }

  private async unregister(context: TurnContext): Promise<void> {
    const id = context.activity.conversation?.id;
    const key = id ? conversationKeyOf(id) : undefined;
    if (!key || !(await this.services.store.conversation(key))) return;
    await this.services.store.removeConversation(key);
    log.info('removed from a conversation', { conversation: key });
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const text = typeof context.activity.text === 'string' ? context.activity.text : '';
    if (text.length > MAX_MESSAGE_CHARS) {
      await context.sendActivity(`That message is ${text.length} characters long; commands are short. Type \`help\` to see them.`);
      return;
    }
    const parsed = parseCommand(text);
    if (!parsed) {
      if (!context.activity.value) await context.sendActivity('Type `help` to see what I can do.');
      return;
    }
    const conversation = await this.register(context);
    if (!conversation) return;
    const command = commandsByName.get(parsed.name);
    if (!command) {
      const suggestion = closest(parsed.name, [...commandsByName.keys()]);
      await context.sendActivity(`I don't know ${quoted(parsed.name) ?? 'that command'}.${suggestion ? ` Did you mean \`${suggestion}\`?` : ''} Type \`help\` to see every command.`);
      return;
    }
    const actor = await actorOf(context);
    try {
      await runCommand(this.services, {
        command,
        args: parsed.args,
        actor,
        conversation,
        mentions: mentionsIn(context),
        upnOf: (person) => memberUpn(context, person.id),
        reply: async (message: string | AdaptiveCardJson) => {
          await context.sendActivity(typeof message === 'string' ? message : MessageFactory.attachment(CardFactory.adaptiveCard(message)));
        },
      });
    } catch (err) {
      const appError = asAppError(err);
      if (appError.code === ErrorCode.Internal) log.error('command failed', { command: command.name, err });
      await context.sendActivity(describeForUser(appError));
    }
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return answerCardAction(context, await this.cardActionResponse(context, invokeValue));
  }

  private async cardActionResponse(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<CardActionResponse> {
    try {
      const value = invokeValueSchema.safeParse(invokeValue);
      if (!value.success) throw new BadInputError('This card action is not in a form the bot understands.');
      const { verb, data } = value.data.action;
      const conversation = await this.register(context);
      if (!conversation) throw new BadInputError('This card action did not say which conversation it came from.');
      const result = await runCardAction(this.services, { verb, data, actor: await actorOf(context), conversation, surface: 'chat' });
      return isMessageResult(result) ? messageResponse(result.message) : cardResponse(result);
    } catch (err) {
      return responseForError(err);
    }
  }
}

/** People @mentioned in a message, not counting the bot. */
function mentionsIn(context: TurnContext): Mentioned[] {
  const botId = context.activity.recipient?.id;
  const found: Mentioned[] = [];
  for (const entity of context.activity.entities ?? []) {
    if (entity.type !== 'mention') continue;
    const mentioned = mentionSchema.safeParse(entity.mentioned);
    if (!mentioned.success || mentioned.data.id === botId) continue;
    found.push({ id: mentioned.data.id, name: mentioned.data.name ?? mentioned.data.id, aadObjectId: mentioned.data.aadObjectId });
  }
  return found;
}

const mentionSchema = z.object({ id: z.string().max(256), name: z.string().max(256).optional(), aadObjectId: z.string().max(64).optional() });
