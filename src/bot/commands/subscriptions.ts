import { describeSubscription, parseSubscription, subscriptionOf } from '../../sync/subscriptions.js';
import type { Command } from './command.js';

export const subscribeCommand: Command = {
  name: 'subscribe',
  capability: 'act',
  what: 'change what is posted here',
  usage: 'subscribe [severity>=medium] [user=upn,…] [source=irm|mde|entra|dlp,…]',
  description: 'Chooses which new incidents are posted in this conversation (all of them with no filters).',
  async handle(args, { conversation, services, reply }) {
    const subscription = parseSubscription(args);
    await services.store.update((d) => {
      const c = d.conversations[conversation.key];
      if (c) c.subscription = subscription;
    });
    await reply(describeSubscription(subscription));
  },
};

export const unsubscribeCommand: Command = {
  name: 'unsubscribe',
  capability: 'act',
  what: 'change what is posted here',
  usage: 'unsubscribe',
  description: 'Stops posting incident cards here (commands keep working).',
  async handle(_args, { conversation, services, reply }) {
    await services.store.update((d) => {
      const c = d.conversations[conversation.key];
      if (c) c.subscription = null;
    });
    await reply(describeSubscription(null));
  },
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
