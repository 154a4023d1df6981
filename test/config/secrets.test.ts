/**
 * The client secret never appears in what the bot writes: its log, the cards and messages it
 * sends, its HTTP answers, its errors. The suite's main scenarios run here with a known secret set
 * (production mode, Graph token stubbed: Entra is not reachable here). The app password is checked
 * where it is used, in the Bot Service authentication scenarios (auth.test.ts), and here only in
 * configuration errors and the log.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogLevel, setLogSink } from '../../src/logger.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { ALEX, cardAction, installation, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CLIENT_SECRET = 'cs~Zq8Q.very-secret-client-value-123';
const APP_PASSWORD = 'ap~Hx3.very-secret-bot-password-456';
const CONV = 'a:secrets';
const written: string[] = [];
let stack: Stack;

beforeAll(async () => {
  setLogLevel('debug');
  setLogSink((line) => written.push(line));
  stack = await startStack({
    seedIncidents: 3,
    env: {
      AZURE_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      AZURE_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
    },
    roles: [{ id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] }],
    app: { graph: { token: async () => 'stub-graph-token', baseDelayMs: 1, maxDelayMs: 5 } },
  });
});
afterAll(async () => {
  await stack?.close();
  setLogSink((line) => process.stderr.write(line + '\n'));
  setLogLevel('warn');
});

describe('secrets stay secret', () => {
  it('appear nowhere in logs, messages, cards, answers or errors across the main scenarios', async () => {
    const answers: unknown[] = [];
    const post = async (activity: unknown) => answers.push((await postActivity(stack.bot.messagesUrl, activity)).body);
    await post(installation(stack.connector.serviceUrl, CONV));
    await stack.bot.services.poller.poll();
    const incidentId = (await stack.bot.services.store.openIncidents()).find((i) => i.open && i.status === 'active')!.id;
    for (const text of ['help', 'incidents', `incident ${incidentId}`, 'hunt uploads', 'user adele.vance@contoso.com', 'status', 'summary', 'nonsense']) {
      await post(message(stack.connector.serviceUrl, CONV, text));
    }
    await post(cardAction(stack.connector.serviceUrl, CONV, 'startInvestigation', { incidentId }));
    await post(cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId, classification: 'falsePositive' }));
    await post(cardAction(stack.connector.serviceUrl, CONV, 'bogus', {}));
    await stack.admin('POST', '/_admin/faults', { rate: 1, kinds: ['500'] });
    await stack.bot.services.poller.poll().catch((err: unknown) => createLogger('test').error('poll failed', { err }));
    await stack.admin('DELETE', '/_admin/faults');
    // A configuration error mentions every variable but never a secret's value.
    try {
      loadConfig({ AZURE_CLIENT_SECRET: CLIENT_SECRET, MicrosoftAppId: '12345678-1234-1234-1234-123456789012', MicrosoftAppPassword: APP_PASSWORD, PORT: 'x' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      written.push((err as Error).message);
    }
    createLogger('test').info('a log line that mentions both', { detail: `${CLIENT_SECRET} ${APP_PASSWORD}` });

    // The store as written to disk, every file of it (everything it holds in memory, flushed first).
    await stack.bot.services.store.flush();
    const folder = dirname(stack.dbFile);
    const storeFiles = readdirSync(folder).filter((f) => f.startsWith(basename(stack.dbFile)));
    expect(storeFiles.length).toBeGreaterThan(1);
    const stored = storeFiles.map((f) => readFileSync(join(folder, f), 'utf8')).join('\n');
    const everything = [...written, JSON.stringify(answers), JSON.stringify(stack.connector.calls), stored].join('\n');
    expect(written.length).toBeGreaterThan(10);
    expect(stack.connector.calls.length).toBeGreaterThan(5);
    // The scenarios really ran (an operator with roles): a hunt answered with a table, a decision written.
    expect(JSON.stringify(stack.connector.calls)).toContain('"type":"Table"');
    expect((await stack.bot.services.store.recentAudit()).some((a) => a.action === 'resolve' && a.outcome === 'ok')).toBe(true);
    expect(everything.split(CLIENT_SECRET).length - 1).toBe(0);
    expect(everything.split(APP_PASSWORD).length - 1).toBe(0);
    expect(everything).toContain('***'); // the line that mentioned them was redacted, not dropped
  });
});
