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
