/** The open IRM incidents, newest first: for the `incidents` command and the list card. */
import { byName, type Namer } from '../cards/common.js';
import { incidentListCardData, type ListedSeverity } from '../cards/incident-list-view.js';
import { renderCard, type AdaptiveCardJson } from '../cards/render.js';
import type { DefenderClient } from '../defender/graph-client.js';

/** How many open IRM alerts to read to find the newest incidents. */
const ALERT_SCAN = 500;

export async function openIncidentListCard(client: DefenderClient, namer: Namer = byName, options: { severity?: ListedSeverity } = {}): Promise<AdaptiveCardJson> {
  const alerts = await client.listOpenIrmAlerts(ALERT_SCAN);
  return renderCard('incident-list', incidentListCardData(alerts, { namer, capped: alerts.length >= ALERT_SCAN, severity: options.severity }));
}
