/**
 * The `incidents` command's list card: the same queue as the tab (src/triage/queue.ts: the same
 * Graph list, the same open-IRM rule, the same order), drawn as a card.
 */
import { byName, type Namer } from '../cards/common.js';
import { incidentListCardData, type ListedSeverity } from '../cards/incident-list-view.js';
import { renderCard, type AdaptiveCardJson } from '../cards/render.js';
import type { DefenderClient } from '../defender/graph-client.js';
import { openQueue, type QueueOrder } from './queue.js';

export async function openIncidentListCard(client: DefenderClient, namer: Namer = byName, options: { severity?: ListedSeverity; order?: QueueOrder; now?: number } = {}): Promise<AdaptiveCardJson> {
  const order = options.order ?? 'oldest';
  const queue = await openQueue(client, { severity: options.severity ? new Set([options.severity]) : undefined, status: undefined, sort: order }, namer);
  return renderCard('incident-list', incidentListCardData(queue, { severity: options.severity, order, now: options.now }));
}
