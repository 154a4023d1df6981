/**
 * Pacing messages to Teams under its rate limits, per conversation and per app across all
 * conversations (Microsoft, "Optimize your bot with rate limiting and best practices in Teams",
 * https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit: per
 * conversation 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour; 30 requests a second per app per
 * tenant). Beyond them Teams answers 429 with Retry-After.
 */
import { SlidingWindowLimiter, type RateLimit } from '../util/sliding-window.js';

/**
 * Per conversation, under Teams' "per bot per thread" limits for sending (see the header: 7 in 1 s,
 * 8 in 2 s, 60 in 30 s, 1,800 in an hour). Teams counts on its own clock, when requests arrive;
 * not every request to a conversation passes through here (answers within a turn, and the
 * connector client's own retries of 429s and 5xx answers), so each figure keeps a margin:
 * - one message per 250 ms: 4 a second, the pace of 8 per 2 s. A burst goes out evenly instead
 *   of in bunches at the edges of windows, where a little network jitter would push two bunches
 *   into one of Teams' windows. It also holds the 1 s window: at most 4 in any second (5 counting
 *   both ends) against 7, so no separate 1 s limit is needed.
 * - 7 per 2 s: one under 8. With the spacing, even a window closed at both ends holds 8 at most.
 * - 55 per 30 s: five under 60, room for the answers the bot gives within turns.
 * - 1,700 per hour: a hundred under 1,800. The page says the hourly limit "applies only if
 *   multiple bot messages are sent to a single user"; it is held in every conversation, the safer
 *   reading. The 30 s limit alone would allow 6,600 an hour.
 */
export const TEAMS_CONVERSATION_LIMITS: readonly RateLimit[] = [
  { count: 1, perMs: 250 },
  { count: 7, perMs: 2_000 },
  { count: 55, perMs: 30_000 },
  { count: 1_700, perMs: 3_600_000 },
];

/**
 * Across all conversations: one request per 40 ms, 25 a second, evenly. The page gives a global
 * limit per app per tenant of 30 requests a second (50 in its newest version: the lower figure
 * is the one to trust), and the bot's other requests (answers within turns, member lookups) count
 * against it too; evenly, because a second's worth sent at once would arrive bunched.
 */
export const TEAMS_APP_LIMITS: readonly RateLimit[] = [{ count: 1, perMs: 40 }];

/** The app limiter's only key. */
const ALL_CONVERSATIONS = '*';

/** Spaces requests under a conversation's limits and the app's together. */
export class TeamsPacer {
  private readonly perConversation: SlidingWindowLimiter;
  /** One key for all conversations: the app's requests are counted together. */
  private readonly perApp: SlidingWindowLimiter;

  constructor(
    limits: readonly RateLimit[],
    appLimits: readonly RateLimit[],
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.perConversation = new SlidingWindowLimiter(limits);
    this.perApp = new SlidingWindowLimiter(appLimits);
  }

  /** Wait for a slot under every limit, the conversation's and the app's, then take both. */
  async acquire(conversationKey: string): Promise<void> {
    for (;;) {
      const now = this.now();
      const wait = Math.max(this.perConversation.delay(conversationKey, now), this.perApp.delay(ALL_CONVERSATIONS, now));
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    const now = this.now();
    this.perConversation.take(conversationKey, now);
    this.perApp.take(ALL_CONVERSATIONS, now);
  }
}
