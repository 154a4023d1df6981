/**
 * Paced, retrying delivery: the limiter and retry rules against a scripted gateway, then the
 * whole path (PacedGateway → AdapterGateway → CloudAdapter → botframework-connector → HTTP) against
 * the fake connector answering 429 to a share of requests, or a chosen status. Time is a fake
 * clock: `sleep` moves it on at once, the connector stamps arrivals with it, and window counts are
 * exact. Many conversations at once use the SchedulerClock, whose timers fire in time order.
 *
 * The limits checked are Microsoft's, from "Optimize your bot with rate limiting and best practices
 * in Teams" (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit).
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterGateway } from '../../src/bot/gateway.js';
import type { AdaptiveCardJson } from '../../src/cards/render.js';
import type { ConversationRecord } from '../../src/store/store.js';
import { ConnectorError, DeliveryError } from '../../src/errors.js';
import { connectorRetryAfter, toConnectorError } from '../../src/sync/connector-failures.js';
import { PacedGateway, type RetryEvent } from '../../src/sync/delivery.js';
import type { ConversationGateway } from '../../src/sync/publisher.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';

class FakeClock {
  private t = 0;
  readonly sleeps: number[] = [];
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
    // Let other queues run, as a real timer would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

/**
 * A clock for many queues at once: `sleep` is a timer, and `run` moves time on to the next timer
 * only once everything that can run without time passing has run, as real time would.
 */
class SchedulerClock {
  private t = 0;
  private order = 0;
  private readonly timers: { at: number; order: number; wake: () => void }[] = [];
  readonly now = (): number => this.t;
  readonly sleep = (ms: number): Promise<void> => new Promise<void>((wake) => this.timers.push({ at: this.t + ms, order: this.order++, wake }));

  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    void work.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done) return work;
      if (this.timers.length === 0) throw new Error('the work is waiting for nothing');
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const at = this.timers[0]!.at;
      this.t = Math.max(this.t, at);
      // Timers due at the same moment fire together, in the order they were set.
      while (this.timers[0]?.at === at) this.timers.shift()!.wake();
    }
  }
}

/**
 * The most arrivals inside any window of `perMs` (times ascending): [t, t + perMs), or with
 * `closed`, [t, t + perMs], for a counter that includes both ends.
 */
function busiestWindow(times: readonly number[], perMs: number, { closed = false } = {}): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (closed ? times[end]! - times[start]! > perMs : times[end]! - times[start]! >= perMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Teams' documented limits per conversation ("Send to conversation", per bot per thread). */
const TEAMS_DOCUMENTED_PER_CONVERSATION = [
  { perMs: 1_000, count: 7 },
  { perMs: 2_000, count: 8 },
  { perMs: 30_000, count: 60 },
  { perMs: 3_600_000, count: 1_800 },
] as const;

/** Every documented per-conversation window holds, even counting a window closed at both ends. */
function expectWithinTeamsLimits(times: readonly number[]): void {
  for (const { perMs, count } of TEAMS_DOCUMENTED_PER_CONVERSATION) {
    expect(busiestWindow(times, perMs, { closed: true }), `${perMs} ms window`).toBeLessThanOrEqual(count);
  }
}

const card = (n: number): AdaptiveCardJson => ({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `message ${n}` }] });
const textOf = (c: AdaptiveCardJson | Record<string, unknown> | undefined): string => ((c?.body as { text: string }[] | undefined)?.[0]?.text ?? '');

function conversation(key: string, serviceUrl = 'http://127.0.0.1:9/'): ConversationRecord {
  return {
    key,
    kind: 'personal',
    reference: { channelId: 'msteams', serviceUrl, conversation: { id: key, conversationType: 'personal' }, bot: { id: '28:bot', name: 'IRM triage' }, user: { id: '29:user' } },
    installedAt: '2026-11-20T09:00:00.000Z',
    backfilled: true,
  };
}

/** What botframework-connector throws: a RestError with statusCode and a non-enumerable response. */
function restError(status: number, headers: Record<string, string> = {}): Error {
  const err = Object.assign(new Error(`HTTP ${status}`), { name: 'RestError', code: 'Throttled', statusCode: status });
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  Object.defineProperty(err, 'response', { value: { status, headers: { get: (name: string) => lower.get(name.toLowerCase()) } }, enumerable: false });
  return err;
}
const networkError = (code: string) => Object.assign(new Error(`socket ${code}`), { name: 'RestError', code });

/** A gateway that records when each call reached it and fails the calls a script says to. */
class ScriptedGateway implements ConversationGateway {
  readonly calls: { conversation: string; op: 'send' | 'update'; text: string; at: number }[] = [];
  constructor(
    private readonly clock: { now: () => number },
    private readonly failures: (call: { conversation: string; text: string; attempt: number }) => Error | null = () => null,
  ) {}
  private attempts = new Map<string, number>();
  private record(conversation: ConversationRecord, op: 'send' | 'update', c: AdaptiveCardJson): void {
    const text = textOf(c);
    const attempt = (this.attempts.get(text) ?? 0) + 1;
    this.attempts.set(text, attempt);
    const err = this.failures({ conversation: conversation.key, text, attempt });
    if (err) throw err;
    this.calls.push({ conversation: conversation.key, op, text, at: this.clock.now() });
  }
  async send(conversation: ConversationRecord, c: AdaptiveCardJson): Promise<string> {
    this.record(conversation, 'send', c);
    return `id-${textOf(c)}`;
  }
  async update(conversation: ConversationRecord, _activityId: string, c: AdaptiveCardJson): Promise<void> {
    this.record(conversation, 'update', c);
  }
}

describe('connectorRetryAfter', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  it('reads the status and Retry-After seconds of a connector RestError', () => {
    expect(connectorRetryAfter(restError(429, { 'Retry-After': '1' }), now)).toEqual({ status: 429, retryAfterMs: 1000 });
    expect(connectorRetryAfter(restError(503, { 'retry-after': '2.5' }), now)).toEqual({ status: 503, retryAfterMs: 2500 });
  });
  it('prefers the millisecond headers, as the connector client pipeline does', () => {
    expect(connectorRetryAfter(restError(429, { 'Retry-After': '1', 'retry-after-ms': '250' }), now)).toEqual({ status: 429, retryAfterMs: 250 });
    expect(connectorRetryAfter(restError(429, { 'x-ms-retry-after-ms': '40' }), now)).toEqual({ status: 429, retryAfterMs: 40 });
  });
  it('reads an HTTP-date Retry-After against the clock, never negative', () => {
    expect(connectorRetryAfter(restError(429, { 'Retry-After': 'Fri, 20 Nov 2026 10:00:03 GMT' }), now)).toEqual({ status: 429, retryAfterMs: 3000 });
    expect(connectorRetryAfter(restError(429, { 'Retry-After': 'Fri, 20 Nov 2026 09:00:00 GMT' }), now)).toEqual({ status: 429, retryAfterMs: 0 });
  });
  it('answers nulls for what it cannot tell', () => {
    expect(connectorRetryAfter(restError(400), now)).toEqual({ status: 400, retryAfterMs: null });
    expect(connectorRetryAfter(restError(429, { 'Retry-After': 'soon' }), now)).toEqual({ status: 429, retryAfterMs: null });
    expect(connectorRetryAfter(networkError('ECONNRESET'), now)).toEqual({ status: null, retryAfterMs: null });
    expect(connectorRetryAfter('nope', now)).toEqual({ status: null, retryAfterMs: null });
    expect(connectorRetryAfter(null, now)).toEqual({ status: null, retryAfterMs: null });
  });
  it('looks through causes and reads the gateway’s ConnectorError and plain header objects', () => {
    expect(connectorRetryAfter(new Error('wrapped', { cause: restError(504, { 'Retry-After': '3' }) }), now)).toEqual({ status: 504, retryAfterMs: 3000 });
    expect(connectorRetryAfter(toConnectorError(restError(429, { 'Retry-After': '7' }), 'send'), now)).toEqual({ status: 429, retryAfterMs: 7000 });
    expect(connectorRetryAfter({ statusCode: 429, response: { headers: { 'Retry-After': '4' } } }, now)).toEqual({ status: 429, retryAfterMs: 4000 });
  });
});

describe('PacedGateway (scripted gateway, fake clock)', () => {
  it('paces a burst of 500 into one conversation under every window Teams documents, in order, each once', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedGateway(clock);
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep });
    const conv = conversation('c1');
    const ids = await Promise.all(Array.from({ length: 500 }, (_, n) => paced.send(conv, card(n))));
    expect(ids).toEqual(Array.from({ length: 500 }, (_, n) => `id-message ${n}`));
    expect(inner.calls.map((c) => c.text)).toEqual(Array.from({ length: 500 }, (_, n) => `message ${n}`));
    const times = inner.calls.map((c) => c.at);
    // Teams' limits (7/1 s, 8/2 s, 60/30 s), every sliding window, both ends counted.
    expectWithinTeamsLimits(times);
    // Ours, and used to the full: a quarter second apart, 7 per 2 s, 55 per 30 s.
    expect(busiestWindow(times, 250)).toBe(1);
    expect(busiestWindow(times, 1_000)).toBe(4);
    expect(busiestWindow(times, 2_000)).toBe(7);
    expect(busiestWindow(times, 30_000)).toBe(55);
    // Not slower than it must be: 500 at 55 per 30 s is nine full windows, and the last 5 a quarter second apart.
    expect(times.at(-1)).toBe(9 * 30_000 + 4 * 250);
    expect(paced.pending('c1')).toBe(0);
  });

  it('holds the hourly cap: of 2,000 messages into one conversation, 1,700 go in the first hour and the rest as those age out', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedGateway(clock);
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep });
    const conv = conversation('c1');
    await Promise.all(Array.from({ length: 2_000 }, (_, n) => paced.send(conv, card(n))));
    expect(inner.calls.map((c) => c.text)).toEqual(Array.from({ length: 2_000 }, (_, n) => `message ${n}`));
    const times = inner.calls.map((c) => c.at);
    expectWithinTeamsLimits(times);
    expect(busiestWindow(times, 3_600_000)).toBe(1_700);
    expect(busiestWindow(times, 30_000)).toBe(55);
    // The first 1,700 at the 30 s pace (about a quarter of an hour), then the 1,701st waits for the hour.
    expect(times[1_699]).toBeLessThan(1_000_000);
    expect(times[1_700]! - times[0]!).toBe(3_600_000);
  });

  it('keeps a burst across 100 conversations under the app’s limit: 25 a second, 40 ms apart, across all', async () => {
    const clock = new SchedulerClock();
    const inner = new ScriptedGateway(clock);
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep });
    const keys = Array.from({ length: 100 }, (_, c) => `c${c}`);
    const perConversation = 10;
    await clock.run(Promise.all(keys.flatMap((key, c) => Array.from({ length: perConversation }, (_, n) => paced.send(conversation(key), card(c * perConversation + n))))));
    expect(inner.calls).toHaveLength(1_000);
    keys.forEach((key, c) => {
      const mine = inner.calls.filter((call) => call.conversation === key);
      expect(mine.map((call) => call.text)).toEqual(Array.from({ length: perConversation }, (_, n) => `message ${c * perConversation + n}`));
      expectWithinTeamsLimits(mine.map((call) => call.at));
    });
    const times = inner.calls.map((c) => c.at);
    // Teams documents 30 requests a second per app per tenant.
    expect(busiestWindow(times, 1_000, { closed: true })).toBeLessThanOrEqual(30);
    expect(busiestWindow(times, 1_000)).toBe(25);
    expect(busiestWindow(times, 40)).toBe(1);
    // Not slower than it must be: 1,000 at one per 40 ms, no slot left unused.
    expect(times.at(-1)).toBe(999 * 40);
  });

  it('keeps sends and updates in one queue per conversation, in the order they were asked for', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedGateway(clock, ({ text, attempt }) => (text === 'message 1' && attempt === 1 ? restError(429, { 'Retry-After': '2' }) : null));
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep });
    const conv = conversation('c1');
    await Promise.all([paced.send(conv, card(0)), paced.update(conv, 'id-message 0', card(1)), paced.send(conv, card(2)), paced.update(conv, 'id-message 2', card(3))]);
    expect(inner.calls.map((c) => `${c.op} ${c.text}`)).toEqual(['send message 0', 'update message 1', 'send message 2', 'update message 3']);
  });

  it('honours Retry-After on a 429, then delivers the message once, in its place', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedGateway(clock, ({ text, attempt }) => (text === 'message 3' && attempt <= 2 ? restError(429, { 'Retry-After': '2.5' }) : null));
    const retries: RetryEvent[] = [];
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep, onRetry: (e) => retries.push(e) });
    const conv = conversation('c1');
    await Promise.all(Array.from({ length: 8 }, (_, n) => paced.send(conv, card(n))));
    expect(inner.calls.map((c) => c.text)).toEqual(Array.from({ length: 8 }, (_, n) => `message ${n}`));
    expect(retries.map((r) => [r.attempt, r.status, r.retryAfterMs, r.waitMs])).toEqual([
      [1, 429, 2500, 2500],
      [2, 429, 2500, 2500],
    ]);
    const at = (text: string) => inner.calls.find((c) => c.text === text)!.at;
    expect(at('message 3') - at('message 2')).toBeGreaterThanOrEqual(5000);
  });

  it('retries 412/502/503/504 and dropped connections with growing backoff, never sooner than a Retry-After', async () => {
    const clock = new FakeClock();
    const script: Record<string, Error[]> = {
      'message 0': [restError(412), restError(502), restError(503), restError(504)],
      'message 1': [networkError('ECONNRESET'), networkError('REQUEST_SEND_ERROR')],
      'message 2': [restError(503, { 'Retry-After': '30' })],
    };
    const inner = new ScriptedGateway(clock, ({ text, attempt }) => script[text]?.[attempt - 1] ?? null);
    const retries: RetryEvent[] = [];
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep, random: () => 1, baseDelayMs: 1000, onRetry: (e) => retries.push(e) });
    const conv = conversation('c1');
    await Promise.all([0, 1, 2].map((n) => paced.send(conv, card(n))));
    expect(inner.calls.map((c) => c.text)).toEqual(['message 0', 'message 1', 'message 2']);
    expect(retries.map((r) => [r.status ?? r.networkCode, r.waitMs])).toEqual([
      [412, 1000],
      [502, 2000],
      [503, 4000],
      [504, 8000],
      ['ECONNRESET', 1000],
      ['REQUEST_SEND_ERROR', 2000],
      [503, 30_000],
    ]);
  });

  it('gives up after 8 attempts with a retryable DeliveryError; what is queued behind fails at once, in order, until the rest is over', async () => {
    const clock = new FakeClock();
    let down = true;
    const inner = new ScriptedGateway(clock, ({ text }) => (down && text !== 'message 0' ? restError(429, { 'Retry-After': '1' }) : null));
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep, restMs: 60_000 });
    const conv = conversation('c1');
    const results = await Promise.allSettled([0, 1, 2, 3].map((n) => paced.send(conv, card(n))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    const errors = results.slice(1).map((r) => (r as PromiseRejectedResult).reason as unknown);
    for (const err of errors) expect(err).toBeInstanceOf(DeliveryError);
    expect(errors[0]).toMatchObject({ retryable: true, attempts: 8, httpStatus: 429, operation: 'send', conversationKey: 'c1', retryAfterMs: 1000 });
    expect(errors[1]).toMatchObject({ retryable: true, attempts: 0, httpStatus: 429 });
    expect(errors[2]).toMatchObject({ retryable: true, attempts: 0, httpStatus: 429 });
    expect(inner.calls.map((c) => c.text)).toEqual(['message 0']);
    // Other conversations are not resting.
    await expect(paced.send(conversation('c2'), card(9))).rejects.toMatchObject({ attempts: 8 });
    // After the rest, the next poll's try gets through.
    down = false;
    await clock.sleep(60_000);
    await Promise.all([1, 2, 3].map((n) => paced.send(conv, card(n))));
    expect(inner.calls.map((c) => c.text)).toEqual(['message 0', 'message 1', 'message 2', 'message 3']);
  });

  it('does not retry what will fail again (400, 403, 404, errors without a status)', async () => {
    const clock = new FakeClock();
    const failures: Record<string, Error> = { 'message 0': restError(403), 'message 1': restError(404), 'message 2': new TypeError('bad reference') };
    const inner = new ScriptedGateway(clock, ({ text }) => failures[text] ?? null);
    const retries: RetryEvent[] = [];
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep, onRetry: (e) => retries.push(e) });
    const results = await Promise.allSettled([0, 1, 2].map((n) => paced.send(conversation('c1'), card(n))));
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as DeliveryError).retryable : 'ok'))).toEqual([false, false, false]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as DeliveryError).httpStatus : 'ok'))).toEqual([403, 404, null]);
    expect(retries).toEqual([]);
  });

  it('fails at once (retryable) when Teams asks for a longer wait than it will sit out', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedGateway(clock, () => restError(429, { 'Retry-After': '3600' }));
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep, maxRetryAfterMs: 60_000 });
    await expect(paced.send(conversation('c1'), card(0))).rejects.toMatchObject({ retryable: true, attempts: 1, retryAfterMs: 3_600_000 });
    expect(clock.sleeps).toEqual([]);
    // And the conversation rests as long as Teams asked.
    await expect(paced.send(conversation('c1'), card(1))).rejects.toMatchObject({ retryable: true, attempts: 0, retryAfterMs: 3_600_000 });
  });

  it('lets other conversations proceed while one waits out a Retry-After', async () => {
    const clock = new SchedulerClock();
    const inner = new ScriptedGateway(clock, ({ conversation: c, attempt }) => (c === 'a' && attempt === 1 ? restError(429, { 'Retry-After': '60' }) : null));
    const paced = new PacedGateway(inner, { now: clock.now, sleep: clock.sleep });
    const a = paced.send(conversation('a'), card(0));
    await clock.run(Promise.all([1, 2, 3].map((n) => paced.send(conversation('b'), card(n)))));
    expect(inner.calls.map((c) => c.text)).toEqual(['message 1', 'message 2', 'message 3']);
    expect(clock.now()).toBeLessThan(1_000);
    expect(paced.pending('a')).toBe(1);
    await clock.run(a);
    expect(inner.calls.map((c) => c.text)).toEqual(['message 1', 'message 2', 'message 3', 'message 0']);
    expect(inner.calls.at(-1)!.at).toBe(60_000);
    await paced.idle();
  });

});

describe('PacedGateway through CloudAdapter to a connector that throttles', () => {
  let connector: FakeConnector | undefined;
  afterEach(async () => {
    await connector?.close();
    connector = undefined;
  });

  /** A CloudAdapter as the app builds it: no app id (unauthenticated), and an onTurnError that would swallow a failed send. */
  function adapter(turnErrors: unknown[]): CloudAdapter {
    const a = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    a.onTurnError = async (_context, err) => void turnErrors.push(err);
    return a;
  }

  async function burst(throttle: { share: number; runLength: number }) {
    const clock = new FakeClock();
    connector = await startFakeConnector({ throttle: { ...throttle, retryAfterSeconds: 1, retryAfterMs: 5, seed: 7 }, now: clock.now });
    const turnErrors: unknown[] = [];
    const retries: RetryEvent[] = [];
    const paced = new PacedGateway(new AdapterGateway(adapter(turnErrors), ''), { now: clock.now, sleep: clock.sleep, random: () => 0.5, onRetry: (e) => retries.push(e) });
    const conv = conversation('19:burst@thread.v2', connector.serviceUrl);
    const ids = await Promise.all(Array.from({ length: 200 }, (_, n) => paced.send(conv, card(n))));
    const sends = connector.calls.filter((c) => c.method === 'send');
    return { ids, sends, retries, turnErrors, attempts: connector.attempts };
  }

  function expectAllOnceInOrderWithinLimits(result: Awaited<ReturnType<typeof burst>>) {
    const { ids, sends, turnErrors } = result;
    expect(turnErrors).toEqual([]);
    const cardOf = (activity: Record<string, unknown>) => (activity.attachments as { content: Record<string, unknown> }[] | undefined)?.[0]?.content;
    expect(sends.map((c) => textOf(cardOf(c.activity)))).toEqual(
      Array.from({ length: 200 }, (_, n) => `message ${n}`),
    );
    expect(ids).toEqual(sends.map((c) => c.activityId));
    expect(new Set(ids).size).toBe(200);
    const accepted = sends.map((c) => c.at);
    expectWithinTeamsLimits(accepted);
    expect(busiestWindow(accepted, 2_000)).toBeLessThanOrEqual(7);
    expect(busiestWindow(accepted, 30_000)).toBeLessThanOrEqual(55);
  }

  it('single 429s (20% of requests) are retried inside the connector client; all 200 arrive once, in order, within the limits', async () => {
    const result = await burst({ share: 0.2, runLength: 1 });
    expectAllOnceInOrderWithinLimits(result);
    const throttled = result.attempts.filter((a) => a.status === 429).length;
    expect(throttled / result.attempts.length).toBeGreaterThan(0.1);
    expect(throttled / result.attempts.length).toBeLessThan(0.3);
  });

  it('runs of 429s that outlast the connector client’s 3 retries reach the paced gateway, which waits Retry-After; all 200 arrive once, in order, within the limits', async () => {
    const result = await burst({ share: 0.06, runLength: 4 });
    expectAllOnceInOrderWithinLimits(result);
    const throttled = result.attempts.filter((a) => a.status === 429).length;
    expect(throttled / result.attempts.length).toBeGreaterThan(0.1);
    expect(result.retries.length).toBeGreaterThan(0);
    expect(throttled).toBe(4 * result.retries.length);
    for (const r of result.retries) expect(r).toMatchObject({ status: 429, retryAfterMs: 5, waitMs: 5 });
  });

  it('the connector’s 412, 502, 503 and 504 are retried until the message arrives, once', async () => {
    const clock = new FakeClock();
    // Four in a row: the connector client retries 502, 503 and 504 three times itself (not 412),
    // so the fourth reaches the paced gateway. The 503 says how long to wait, as Teams may; the
    // client's waits between 502s and 504s are real time (0.5 to 1 s, doubling), so this test takes seconds.
    const refusals: Record<string, { status: number; times: number; headers?: Record<string, string> }> = {
      'c-412': { status: 412, times: 2 },
      'c-502': { status: 502, times: 4 },
      'c-503': { status: 503, times: 4, headers: { 'retry-after-ms': '5' } },
      'c-504': { status: 504, times: 4 },
    };
    connector = await startFakeConnector({
      now: clock.now,
      refuse: ({ conversationId, nth }) => {
        const r = refusals[conversationId];
        return r && nth <= r.times ? { status: r.status, headers: r.headers } : null;
      },
    });
    const turnErrors: unknown[] = [];
    const retries: RetryEvent[] = [];
    const paced = new PacedGateway(new AdapterGateway(adapter(turnErrors), ''), { now: clock.now, sleep: clock.sleep, random: () => 0.5, onRetry: (e) => retries.push(e) });
    const keys = Object.keys(refusals);
    const ids = await Promise.all(keys.map((key, n) => paced.send(conversation(key, connector!.serviceUrl), card(n))));
    expect(turnErrors).toEqual([]);
    expect(new Set(ids).size).toBe(4);
    for (const [n, key] of keys.entries()) {
      const { status, times } = refusals[key]!;
      expect(connector.attempts.filter((a) => a.conversationId === key).map((a) => a.status)).toEqual([...Array<number>(times).fill(status), 200]);
      const delivered = connector.calls.filter((c) => c.conversationId === key);
      expect(delivered.map((c) => c.activityId)).toEqual([ids[n]]);
      expect(retries.filter((r) => r.conversationKey === key).map((r) => r.status)).toEqual(status === 412 ? [412, 412] : [status]);
    }
    // A 503 that says how long is waited at least that long; the others back off.
    expect(retries.find((r) => r.status === 503)).toMatchObject({ retryAfterMs: 5, waitMs: 750 });
    expect(retries.filter((r) => r.status === 412).map((r) => r.waitMs)).toEqual([750, 1500]);
  }, 30_000);

  it('a refused send surfaces as a ConnectorError with the status and Retry-After, even with onTurnError set', async () => {
    connector = await startFakeConnector({ throttle: { share: 1, runLength: 4, retryAfterSeconds: 1 } });
    const turnErrors: unknown[] = [];
    const gateway = new AdapterGateway(adapter(turnErrors), '');
    const err = await gateway.send(conversation('c-refused', connector.serviceUrl), card(0)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ httpStatus: 429, retryAfterMs: 1000, networkCode: null });
    // botframework-connector's own pipeline tried four times (waiting Retry-After between) before giving up.
    expect(connector.attempts.map((a) => a.status)).toEqual([429, 429, 429, 429]);
    expect(connectorRetryAfter((err as ConnectorError).cause)).toEqual({ status: 429, retryAfterMs: 1000 });
    expect(turnErrors).toEqual([]);
    expect(connector.calls).toEqual([]);
  }, 20_000);
});
