/** The open IRM incidents, newest first: for the `incidents` command and the list card. */
import { renderCard, type AdaptiveCardJson } from '../cards/render.js';
import { md, plain } from '../cards/markdown.js';
import { NOT_IN_DEFENDER, byName, whenText, type Namer } from '../cards/common.js';
import type { DefenderClient } from '../defender/graph-client.js';
import { ALERT_STATUS_WORDS, SEVERITY_COLOURS, SEVERITY_WORDS } from '../defender/irm-mapping.js';
import { userAtRisk, type Alert } from '../defender/model.js';

export const LIST_LIMIT = 15;
/** How many open IRM alerts to read to find the newest incidents. */
const ALERT_SCAN = 500;

export async function openIncidentListCard(client: DefenderClient, namer: Namer = byName): Promise<AdaptiveCardJson> {
  const alerts = await client.listOpenIrmAlerts(ALERT_SCAN);
  const byIncident = new Map<string, Alert>();
  for (const alert of alerts) {
    if (alert.incidentId && !byIncident.has(alert.incidentId)) byIncident.set(alert.incidentId, alert);
  }
  const newest = [...byIncident.entries()].sort(([, a], [, b]) => b.createdDateTime.localeCompare(a.createdDateTime));
  const shown = newest.slice(0, LIST_LIMIT);
  return renderCard('incident-list', {
    heading: md`Open insider risk incidents: ${newest.length}${alerts.length >= ALERT_SCAN ? md`+` : md``}`,
    count: newest.length,
    emptyText: md`No open Insider Risk Management incidents in Microsoft Defender. ${NOT_IN_DEFENDER}`,
    items: shown.map(([incidentId, alert]) => {
      const user = userAtRisk([alert]);
      return {
        incidentId,
        title: plain(alert.title),
        severityWord: plain(SEVERITY_WORDS[alert.severity]),
        severityColour: SEVERITY_COLOURS[alert.severity],
        userText: user ? plain(namer(user)) : md`Unknown user`,
        status: plain(ALERT_STATUS_WORDS[alert.status]),
        started: whenText(alert.createdDateTime),
      };
    }),
    hasMore: newest.length > shown.length,
    moreText: md`Showing the newest ${shown.length}. Open the Defender portal for the rest.`,
  });
}
