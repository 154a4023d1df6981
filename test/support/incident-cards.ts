/** Helpers shared by the replica tests and the replica bench: new incidents in the tenant, and the cards Teams got for them. */
import type { FakeConnector } from './fake-connector.js';

/** Creates `count` High incidents (each for its own user) through the tenant's admin API; answers their ids. */
export async function createHighIncidents(tenantUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${tenantUrl}/_admin/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'high', user: { upn: `user${i}@contoso.com` } }) });
    ids.push(((await res.json()) as { incidentId: string }).incidentId);
  }
  return ids;
}

/** How many times each incident's card was sent into the conversation (by incident id). */
export function cardSendsById(connector: FakeConnector, conversationId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of connector.calls) {
    if (call.method !== 'send' || call.conversationId !== conversationId) continue;
    const id = /Insider risk incident (\d+)/.exec(JSON.stringify(call.activity))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Whether a card (or an activity carrying one) is the bot's welcome (cards/welcome.json). */
export function isWelcome(card: unknown): boolean {
  return JSON.stringify(card ?? null).includes("Hello, I'm IRM Triage");
}

/** The cards shown in a conversation, by activity id, less the bot's welcome: what it posted about incidents. */
export function withoutWelcome(connector: FakeConnector, conversationId: string): Map<string, Record<string, unknown>> {
  return new Map([...connector.messages(conversationId)].filter(([, card]) => !isWelcome(card)));
}

/** Whether a card is the digest of the install backlog (the open incidents from before the bot was added). */
export function isBacklogDigest(card: unknown): boolean {
  return JSON.stringify(card ?? null).includes('Already open when I was added here.');
}

/** The incidents a card offers: an incident card's own, or those a digest lists with an Open button. */
export function incidentIdsOn(card: unknown): string[] {
  const text = JSON.stringify(card ?? null);
  const own = /Insider risk incident (\d+)/.exec(text)?.[1];
  if (own) return [own];
  return [...text.matchAll(/"verb":"openIncident","data":\{"incidentId":"([^"]+)"/g)].map((m) => m[1]!);
}
