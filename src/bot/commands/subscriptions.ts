import { describeSubscription, parseSubscription, subscriptionOf } from '../../sync/subscriptions.js';
import type { Subscription } from '../../store/store.js';
import type { CommandContext } from '../services.js';
import type { Command } from './command.js';

/** Set (or, with null, stop) what is posted in this conversation, and say what that now means. */
async function setSubscription({ conversation, services, reply }: CommandContext, subscription: Subscription | null): Promise<void> {
  await services.store.update((d) => {
    const c = d.conversations[conversation.key];
    if (c) c.subscription = subscription;
  });
  await reply(describeSubscription(subscription));
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
  async handle(_args, { conversation, services, reply }) {
    const current = services.store.data.conversations[conversation.key] ?? conversation;
    await reply(describeSubscription(subscriptionOf(current)));
  },
};
