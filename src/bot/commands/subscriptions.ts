import { describeSubscription, parseSubscription, subscriptionOf } from '../../sync/subscriptions.js';
import type { Subscription } from '../../store/store.js';
import type { CommandContext } from '../services.js';
import type { Command } from './command.js';

/** The subscription in words, naming its users as this conversation may see them (as its cards do). */
async function described({ conversation, services }: CommandContext, subscription: Subscription | null): Promise<string> {
  const namer = await services.privacy.namerFor(conversation);
  return describeSubscription(subscription, (upn) => namer({ userPrincipalName: upn }));
}

/** Set (or, with null, stop) what is posted in this conversation, and say what that now means. */
async function setSubscription(context: CommandContext, subscription: Subscription | null): Promise<void> {
  const { conversation, services, reply } = context;
  await services.store.setSubscription(conversation.key, subscription);
  await reply(await described(context, subscription));
}

export const subscribeCommand: Command = {
  name: 'subscribe',
  capability: 'act',
  what: 'change what is posted here',
  usage: 'subscribe [severity>=medium] [user=upn,…] [source=irm|mde|entra|dlp,…]',
  description: 'Chooses which new incidents are posted in this conversation (all of them with no filters).',
  handle: (args, context) => setSubscription(context, parseSubscription(args)),
};

export const unsubscribeCommand: Command = {
  name: 'unsubscribe',
  capability: 'act',
  what: 'change what is posted here',
  usage: 'unsubscribe',
  description: 'Stops posting incident cards here (commands keep working).',
  handle: (_args, context) => setSubscription(context, null),
};

export const subscriptionsCommand: Command = {
  name: 'subscriptions',
  capability: 'anyone',
  what: 'see what is posted here',
  usage: 'subscriptions',
  description: 'Which new incidents are posted in this conversation.',
  async handle(_args, context) {
    const current = (await context.services.store.conversation(context.conversation.key)) ?? context.conversation;
    await context.reply(await described(context, subscriptionOf(current)));
  },
};
