/**
 * The welcome card's view model (`cards/welcome.json`): how the bot introduces itself, once, in a
 * conversation it was added to. Microsoft asks a bot to introduce itself and say what it can do
 * ("Introduce a bot", https://learn.microsoft.com/en-us/microsoftteams/platform/bots/design/bots),
 * and a welcome message to give the reason for the message, the offer and the next steps
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages#welcome-messages).
 * In a channel or group chat it introduces itself rather than welcoming everyone (the same design
 * page). Role-neutral: the same card whoever reads it, saying who may act rather than "you may".
 */
import type { ConversationRecord } from '../store/store.js';
import { md, trustedMarkdown, type Markdown } from './markdown.js';

export interface WelcomeCardData {
  heading: Markdown;
  /** The reason for the message and the offer: what the bot posts here and what a card lets people do. */
  intro: Markdown;
  /** What is posted in this conversation now (the subscription in words). */
  posted: Markdown;
  /** How to change it, by the existing commands. */
  subscribeText: Markdown;
  /** The install backlog: what follows this card. */
  backlogText: Markdown;
  /** Shared conversations: the person at risk is named by a pseudonym. */
  isShared: boolean;
  privacyText: Markdown;
  tabText: Markdown;
  /** The queue tab (a Teams deep link, or the page in demo mode); empty when no address is known. */
  tabUrl: string;
  hasTabUrl: boolean;
}

export interface WelcomeOptions {
  /** The subscription in words (describeSubscription), users named as this conversation may see them. */
  subscription: string;
  /** Open incidents from before the install, posted next as one digest card. */
  backlog: number;
  /** Where the queue tab opens, if known (TabLinks.queue). */
  tabUrl: string | null;
}

const WHERE: Record<ConversationRecord['kind'], Markdown> = {
  personal: md`this chat`,
  groupChat: md`this group chat`,
  channel: md`this channel`,
};

export function welcomeCardData(kind: ConversationRecord['kind'], options: WelcomeOptions): WelcomeCardData {
  const where = WHERE[kind];
  const { backlog } = options;
  return {
    heading: md`Hello, I'm IRM Triage`,
    intro: md`I was added to ${where} to post Microsoft Purview Insider Risk Management incidents from Microsoft Defender XDR, a card each as they arrive. From a card, analysts with a Defender and a Purview role start an investigation, take it over, add a note, escalate it or resolve it with a classification: each is written to Defender and reaches Insider Risk Management. Type \`hunt\` for advanced-hunting queries, \`user {upn}\` for a person's risk summary, \`help\` for every command.`,
    // describeSubscription's words are the bot's, with users named by the conversation's namer (escaped by the caller).
    posted: trustedMarkdown(options.subscription),
    subscribeText: md`Type \`subscribe severity>=high\` (or \`user=\`, \`source=\`) to choose what is posted here, \`unsubscribe\` to stop, \`subscriptions\` to see the filters.`,
    backlogText:
      backlog > 0
        ? md`${backlog === 1 ? md`The incident` : md`The ${backlog} incidents`} already open when I arrived ${backlog === 1 ? md`follows` : md`follow`} in one summary card; new ones get a card each.`
        : md`No open incident is waiting; new ones get a card each.`,
    isShared: kind !== 'personal',
    privacyText: md`Here the person at risk is named by a pseudonym (such as User 7F3A): Defender does not pseudonymise insider-risk data, and the person is presumed innocent. Analysts allowed to see it get the name in their own view of each card, or with **Reveal name**.`,
    tabText: options.tabUrl
      ? md`The **Insider risk queue** tab lists every open incident, to filter and sort.`
      : md`The **Insider risk queue** tab of this app lists every open incident, to filter and sort.`,
    tabUrl: options.tabUrl ?? '',
    hasTabUrl: options.tabUrl !== null,
  };
}
