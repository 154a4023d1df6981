/** What handlers may use: domain services, never botbuilder internals. */
import type { DefenderClient } from '../defender/graph-client.js';
import type { HuntingService } from '../hunting/service.js';
import type { Mention, OnCallService } from '../oncall/service.js';
import type { RoleDirectory } from '../auth/roles.js';
import type { Privacy } from '../auth/privacy.js';
import type { SummaryCardData } from '../sync/summary.js';
import type { Actor, ConversationRecord, Store } from '../store/store.js';
import type { IncidentPoller } from '../sync/poller.js';
import type { IncidentPublisher } from '../sync/publisher.js';
import type { TriageService } from '../triage/triage.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { TabLinks } from '../tab/links.js';

export interface BotServices {
  client: DefenderClient;
  store: Store;
  publisher: IncidentPublisher;
  triage: TriageService;
  poller: IncidentPoller;
  hunting: HuntingService;
  oncall: OnCallService;
  /** Who may do what: every command and card action asks it first. */
  roles: RoleDirectory;
  privacy: Privacy;
  /** The shift summary as of now (since the last scheduled one). */
  summary(): Promise<SummaryCardData>;
  /** How long a card click waits for Defender before answering that the decision is being written. */
  decisionBudgetMs: number;
  /** The bot's clock (tests control it): every timestamp a handler writes comes from here. */
  now(): Date;
  /** Links from cards into the tab (the full hunting result). */
  links: TabLinks;
  /** The setup doctor's report, in words. */
  status(): Promise<string>;
}

export interface HandlerContext {
  actor: Actor;
  /** The conversation the activity came from (registered on first sight); null for a button clicked in the tab. */
  conversation: ConversationRecord | null;
  services: BotServices;
}

/** A person @mentioned in a message: the `mentioned` of a Mention (`id` is their Teams user id, 29:…). */
export type Mentioned = Mention['entity']['mentioned'];

export interface CommandContext extends HandlerContext {
  conversation: ConversationRecord;
  reply(message: string | AdaptiveCardJson): Promise<void>;
  /** People @mentioned in the message, the bot itself left out. */
  mentions: Mentioned[];
}
