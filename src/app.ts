/**
 * Wiring only: config → store → Defender client → services (bot/services.ts: publisher, triage,
 * poller, …) → bot → HTTP server → schedule. Used by `npm start` and by the tests, which start
 * the real thing.
 */
import type { Server } from 'node:http';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import cron, { type ScheduledTask } from 'node-cron';
import { AuthenticationConfiguration, AuthenticationError, SkillValidation } from 'botframework-connector';
import { IrmBot } from './bot/bot.js';
import { healthFindings, healthReport } from './health.js';
import { formatReportForChat, runDoctor } from './doctor/doctor.js';
import { HandoverScheduler, handoverNotice } from './oncall/handover.js';
import { PacedGateway, type PacedGatewayOptions } from './sync/delivery.js';
import { renderCard } from './cards/render.js';
import type { IrmStatusReader } from './sync/irm-sync.js';
import { AdapterGateway } from './bot/gateway.js';
import { createServices, type BotServices } from './bot/services.js';
import type { Config } from './config.js';
import { graphTokenProvider } from './defender/credentials.js';
import { GraphClient, type GraphClientOptions } from './defender/graph-client.js';
import type { HuntingLimits } from './hunting/service.js';
import { createLogger } from './logger.js';
import { createBotServer, listen } from './server.js';
import { openBotStore } from './store/open.js';
import type { LeaderLeaseOptions } from './store/azure/leader-lease.js';
import { createTabApi } from './tab/api.js';
import { serveTabAsset } from './tab/assets.js';
import { demoIdentity, ssoIdentity } from './tab/identity.js';
import { TabLinks } from './tab/links.js';

const log = createLogger('app');

export interface BotApp {
  port: number;
  /** e.g. http://127.0.0.1:3978/api/messages */
  messagesUrl: string;
  services: BotServices;
  close(): Promise<void>;
}

export interface BotAppOptions {
  now?: () => Date;
  /** Tests tune retries (shorter waits); production uses the defaults. */
  graph?: Partial<GraphClientOptions>;
  host?: string;
  hunting?: Partial<HuntingLimits>;
  /** Pacing and retries of messages to Teams (tests shorten the waits). */
  delivery?: PacedGatewayOptions;
  /** Reads Purview's side of an alert (the embedded tenant has one; real Graph does not). */
  irmReader?: IrmStatusReader;
  /** Which Defender tenant the store's memory belongs to (default: the Graph URL and Azure tenant). */
  storeScope?: string;
  /** Start the poll schedule (tests may drive `services.poller.poll()` themselves). */
  schedule?: boolean;
  /** How long a card click waits for Defender before answering that the decision is being written (default 3 s; Teams waits about 10–15 s). */
  decisionBudgetMs?: number;
  /** `/healthz` reports unhealthy when no poll completed for this long (default: three poll intervals, at least a minute). */
  pollStaleAfterMs?: number;
  /**
   * Test-only: botbuilder's channel-authentication settings (e.g. `ToBotFromChannelOpenIdMetadataUrl`
   * pointing at a local key set). Setting any of them makes botbuilder use all of them as given.
   */
  botAuthSettings?: Partial<ConfigurationBotFrameworkAuthenticationOptions>;
  /** Test-only: where the tab's single sign-on keys are fetched (default: the Entra tenant's key set). */
  tabSsoJwksUrl?: string;
  /** With STORE=azure-blob: how the replicas elect the one that polls (tests try more often). */
  lease?: LeaderLeaseOptions;
}

/** The scheduled summary goes to every channel that has not unsubscribed. */
export async function postShiftSummary(services: BotServices): Promise<number> {
  const at = services.now().toISOString();
  let card;
  try {
    card = renderCard('summary', await services.summary());
  } catch (err) {
    log.warn('could not build the shift summary', { err });
    return 0;
  }
  const sent = await services.publisher.broadcastToChannels(card);
  await services.store.saveCursor({ lastSummaryAt: at });
  return sent;
}

/**
 * Extra checks on a validated Bot Service token: it must expire (botbuilder accepts a correctly
 * signed token without `exp`), and skill tokens are refused as botbuilder does by default.
 */
async function requireExpiry(claims: { type: string; value: string }[]): Promise<void> {
  if (SkillValidation.isSkillClaim(claims)) throw new AuthenticationError('Skill tokens are not accepted by this bot.', 401);
  if (!claims.some((c) => c.type === 'exp')) throw new AuthenticationError('The token has no expiry.', 401);
}

export async function startBotApp(config: Config, options: BotAppOptions = {}): Promise<BotApp> {
  if (!config.graphBaseUrl) throw new Error('startBotApp: the Graph base URL is not known (start the embedded tenant first in demo mode)');
  const scope = options.storeScope ?? `${config.graphBaseUrl}#${config.graphAuth.kind === 'clientSecret' ? config.graphAuth.tenantId : ''}`;
  const { store, leadership } = await openBotStore(config.store, scope, { lease: options.lease });
  await leadership.start();
  const client = new GraphClient({ baseUrl: config.graphBaseUrl, token: graphTokenProvider(config.graphAuth), ...options.graph });

  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      ...options.botAuthSettings,
      MicrosoftAppId: config.bot.appId ?? '',
      MicrosoftAppPassword: config.bot.appPassword ?? '',
      // Without an app id botbuilder runs unauthenticated (the Playground, local tests); it accepts
      // that only for the MultiTenant type, which then means no identity at all.
      MicrosoftAppType: config.bot.appId ? config.bot.appType : 'MultiTenant',
      MicrosoftAppTenantId: config.bot.appTenantId ?? '',
    },
    undefined,
    new AuthenticationConfiguration([], requireExpiry),
  );
  const adapter = new CloudAdapter(auth);
  const now = options.now ?? (() => new Date());
  // Teams limits messages per conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 an hour) and per
  // app (30 a second), and asks for 412, 429, 502 and 504 to be retried
  // (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit): pace under
  // both and retry (the figures and their margins: TEAMS_CONVERSATION_LIMITS, TEAMS_APP_LIMITS).
  const gateway = new PacedGateway(new AdapterGateway(adapter, config.bot.appId ?? ''), options.delivery);
  let listeningPort: number | undefined;
  const demo = config.mode === 'demo';
  const host = options.host ?? '0.0.0.0';
  // Demo mode: this machine, by the address the server listens on (a browser may try ::1 first for "localhost").
  const demoBase = () => (listeningPort ? `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${listeningPort}` : null);
  const services = createServices(config, {
    store,
    client,
    gateway,
    isLeader: () => leadership.isLeader(),
    now,
    irmReader: options.irmReader,
    hunting: options.hunting,
    decisionBudgetMs: options.decisionBudgetMs,
    links: new TabLinks(() => (demo ? demoBase() : config.tab.publicBaseUrl), config.tab.teamsAppId, !demo),
    status: async () => formatReportForChat([...healthFindings(await health()), ...(await runDoctor({ config }))]),
  });
  const { publisher, poller, oncall } = services;
  const identity = demo ? demoIdentity() : ssoIdentity(config.tab.sso, { jwksUrl: options.tabSsoJwksUrl });

  const startedAt = now();
  let task: ScheduledTask | undefined;
  const pollStaleAfterMs = () => {
    if (options.pollStaleAfterMs !== undefined) return options.pollStaleAfterMs;
    const [next, after] = task?.getNextRuns(2) ?? [];
    const interval = next && after ? after.getTime() - next.getTime() : 30_000;
    return Math.max(60_000, 3 * interval);
  };
  async function health() {
    return healthReport({
      now: now(),
      startedAt,
      // A replica that does not hold the lease does not poll: nothing of its own can be stale.
      poll: task && leadership.isLeader() ? { status: poller.status(), staleAfterMs: pollStaleAfterMs() } : null,
      store: store.health(),
      failingConversations: gateway.failures(),
      unreadableIncidents: await store.unreadableIncidents(),
    });
  }

  // Rotation hand-overs are announced in channels; who is on call never depends on this job.
  const handover = new HandoverScheduler(oncall, async (onCall) => {
    if (!leadership.isLeader()) return;
    const notice = handoverNotice(oncall, onCall);
    await publisher.broadcastToChannels(renderCard('notice', notice.card), { text: notice.text, mentions: notice.mentions });
  });
  const pollSafely = () =>
    poller
      .poll()
      // With replicas, the rotation may have been changed on another one: the leader follows it.
      .then((result) => (result.skipped ? undefined : handover.sync()))
      .catch((err: unknown) => {
        log.warn('poll failed; the next scheduled run will try again', { err });
      });
  const bot = new IrmBot(services, { now: options.now, onInstalled: () => void pollSafely() });

  adapter.onTurnError = async (context, err) => {
    log.error('unhandled error in a turn', { err, type: context.activity.type });
    if (context.activity.type === 'message') await context.sendActivity('Sorry, something went wrong on my side. The details are in the bot log.').catch(() => undefined);
  };

  const server: Server = createBotServer({
    adapter,
    logic: (context) => bot.run(context),
    health: async () => ({ mode: config.mode, conversations: (await store.conversations()).length, watermark: (await store.cursor()).watermark, ...(await health()) }),
    routes: [(req, res, path) => serveTabAsset(req, res, path, demo), createTabApi({ services, identity, now })],
  });
  const port = await listen(server, config.port, host);
  listeningPort = port;

  if (options.schedule !== false) {
    task = cron.schedule(
      config.pollSchedule,
      () => pollSafely(),
      { noOverlap: true, name: 'poll' },
    );
    void pollSafely();
  }
  if (options.schedule !== false) handover.start();
  const summaryTask = config.summarySchedule && options.schedule !== false ? cron.schedule(config.summarySchedule, () => (leadership.isLeader() ? postShiftSummary(services) : undefined), { noOverlap: true, name: 'summary' }) : undefined;
  log.info('bot listening', { port, mode: config.mode, graph: config.graphBaseUrl });

  return {
    port,
    messagesUrl: `http://127.0.0.1:${port}/api/messages`,
    services,
    async close() {
      await task?.destroy();
      await summaryTask?.destroy();
      handover.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await poller.idle();
      await publisher.idle();
      await gateway.idle();
      await store.flush().catch((err: unknown) => log.warn('could not save what the store held in memory at shutdown', { err }));
      await leadership.stop();
    },
  };
}
