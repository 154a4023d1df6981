/**
 * What handlers may use: domain services, never botbuilder internals; and the one place they are
 * wired together (`createServices`), for the running bot and for tests alike.
 */
import type { Audit } from './audit.js';
import { Audience } from '../auth/audience.js';
import { IncidentCards } from '../cards/incident-cards.js';
import { Privacy } from '../auth/privacy.js';
import { DEMO_ROLES, RoleDirectory, loadRolesFile } from '../auth/roles.js';
import type { Config } from '../config.js';
import type { DefenderClient } from '../defender/graph-client.js';
import { HuntingService, type HuntingLimits } from '../hunting/service.js';
import { createLogger } from '../logger.js';
import { OnCallService, type Mention } from '../oncall/service.js';
import { OnCallReminders } from '../oncall/reminders.js';
import { replicaName } from '../store/open.js';
import type { Actor, ConversationRecord, Store } from '../store/store.js';
import { IrmSyncTracker, type IrmStatusReader } from '../sync/irm-sync.js';
import { IncidentPoller } from '../sync/poller.js';
import { IncidentPublisher, type ConversationGateway } from '../sync/publisher.js';
import { shiftSummary, type SummaryCardData } from '../sync/summary.js';
import { TabLinks } from '../tab/links.js';
import { TriageService } from '../triage/triage.js';
import { Welcomer } from '../sync/welcome.js';
import type { AdaptiveCardJson } from '../cards/render.js';

export interface BotServices {
  client: DefenderClient;
  store: Store;
  /** Draws incident cards (as a person or a conversation should see them). */
  cards: IncidentCards;
  /** Sends cards and keeps the posted ones current. */
  publisher: IncidentPublisher;
  triage: TriageService;
  poller: IncidentPoller;
  hunting: HuntingService;
  oncall: OnCallService;
  /** On-call mentions, reminders and escalations where an incident's cards are. */
  reminders: OnCallReminders;
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
  /** The request's audit entry: say more of what was done, or have it wait for work that outlives the answer. */
  audit: Audit;
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
  /** A mentioned person's UPN, asked of Teams (undefined when it does not say). */
  upnOf(person: Mentioned): Promise<string | undefined>;
}

export interface ServiceDeps {
  store: Store;
  client: DefenderClient;
  /** How cards reach Teams (botbuilder's adapter, paced, in the running bot). */
  gateway: ConversationGateway;
  /** Whether this replica polls and posts now (default: always, one process alone). */
  isLeader?: () => boolean;
  now?: () => Date;
  /** Where Purview's side of a decision is read (null: nowhere to read it). */
  irmReader?: IrmStatusReader | null;
  hunting?: Partial<HuntingLimits>;
  decisionBudgetMs?: number;
  /** Links into the tab (default: no tab, so no links). */
  links?: TabLinks;
  /** The setup doctor's report (default: says nothing is known). */
  status?: () => Promise<string>;
}

const log = createLogger('services');

/** The bot's services, wired from its configuration: the one place that does it. */
export function createServices(config: Config, deps: ServiceDeps): BotServices {
  const { store, client, gateway } = deps;
  const now = deps.now ?? (() => new Date());
  const roles = new RoleDirectory(config.rolesFile ? loadRolesFile(config.rolesFile) : config.mode === 'demo' ? DEMO_ROLES : { principals: [], groups: {}, huntingRoles: ['Analyst', 'Investigator'] });
  if (!config.rolesFile && config.mode === 'production') log.warn('ROLES_FILE is not set: nobody may see, act or hunt until it names who holds which Defender and Purview roles');
  const privacy = new Privacy(store, roles, now);
  const irmSync = new IrmSyncTracker({ store, reader: deps.irmReader ?? null, boundMinutes: config.irmSyncBoundMinutes, now });
  const replica = replicaName();
  const oncall = new OnCallService({ store, now, settings: config.onCall });
  const cards = new IncidentCards(store, irmSync, privacy, oncall);
  const publisher = new IncidentPublisher(store, gateway, cards, now, replica);
  const isLeader = deps.isLeader ?? (() => true);
  const links = deps.links ?? new TabLinks(() => null, null, false);
  const welcomer = new Welcomer({ store, publisher, links, now });
  return {
    client,
    store,
    cards,
    publisher,
    triage: new TriageService({ client, store, publisher, irmSync, now, replica }),
    poller: new IncidentPoller({ client, store, publisher, irmSync, oncall, audience: new Audience(roles), backfillLimit: config.backfillLimit, digestThreshold: config.digestThreshold, welcomer, now, leader: isLeader }),
    hunting: new HuntingService(client, store.coordination, deps.hunting),
    decisionBudgetMs: deps.decisionBudgetMs ?? 3_000,
    oncall,
    reminders: new OnCallReminders({ oncall, store, sender: publisher, now }),
    roles,
    privacy,
    summary: async () => shiftSummary(client, { now: now(), since: (await store.cursor()).lastSummaryAt, remindAfterMinutes: config.onCall.remindAfterMinutes }),
    now,
    links,
    status: deps.status ?? (async () => 'No status report in this setup.'),
  };
}
