/**
 * What an incident says, read the same way everywhere (cards, triage, the poller, the tab): its
 * Insider Risk Management alerts, the person at risk, and the status Purview IRM shows for it.
 */
import { z } from 'zod';
import { irmStatusFor, type IrmStatus } from './irm-mapping.js';
import { IRM_SOURCE, userAtRisk, type Alert, type Incident, type UserAccount } from './model.js';

/** The incident's alerts raised by Insider Risk Management (the others come from other tools). */
export function irmAlertsOf(incident: Incident): Alert[] {
  return (incident.alerts ?? []).filter((a) => a.serviceSource === IRM_SOURCE);
}

/** The person an incident is about: as its IRM alerts name them, else as any of its alerts does. */
export function personAtRisk(incident: Incident): UserAccount | null {
  return userAtRisk(irmAlertsOf(incident)) ?? userAtRisk(incident.alerts ?? []);
}

/** A user's UPN, given or made of account and domain names. */
export function upnOf(user: UserAccount): string | null {
  return user.userPrincipalName ?? (user.accountName && user.domainName ? `${user.accountName}@${user.domainName}` : null);
}

/** The person at risk's UPN, if the evidence gives one. */
export function upnAtRisk(incident: Incident): string | null {
  const person = personAtRisk(incident);
  return person ? upnOf(person) : null;
}

/**
 * What IRM shows for the incident's alerts, judged from Defender (each IRM alert follows its own
 * status and classification): each status with how many alerts have it. No IRM alert: Needs review.
 */
export function irmStatusesOf(incident: Incident): Map<IrmStatus, number> {
  const counts = new Map<IrmStatus, number>();
  for (const alert of irmAlertsOf(incident)) {
    const status = irmStatusFor(alert.status, alert.classification);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (counts.size === 0) counts.set('Needs review', 0);
  return counts;
}

/** The one IRM status of the incident when its IRM alerts agree; null when they do not. */
export function agreedIrmStatus(incident: Incident): IrmStatus | null {
  const statuses = irmStatusesOf(incident);
  return statuses.size === 1 ? [...statuses.keys()][0]! : null;
}

/** The IRM status of an incident in words: one status if its IRM alerts agree, else each with a count. */
export function incidentIrmStatus(incident: Incident): string {
  const agreed = agreedIrmStatus(incident);
  if (agreed) return agreed;
  return [...irmStatusesOf(incident).entries()].map(([s, n]) => `${s} (${n})`).join(', ');
}

/** What an incident's IRM alerts say happened: read from the alerts (*alert* resource, v1.0), IRM's own first. */
export interface IncidentStory {
  /** The earliest IRM alert's description (the other tools' when the incident has no IRM alert). */
  description: string;
  recommendedAction: string;
  /** Categories and MITRE techniques of the IRM alerts, each once. */
  categories: string[];
  techniques: string[];
  /** File names in the alerts' file evidence (*fileEvidence*), each once. */
  files: string[];
}

const fileEvidenceSchema = z.object({ fileDetails: z.object({ fileName: z.string().min(1) }) });

function firstActivity(alert: Alert): string {
  return alert.firstActivityDateTime ?? alert.createdDateTime;
}

export function storyOf(incident: Incident): IncidentStory {
  const irm = irmAlertsOf(incident);
  const alerts = [...(irm.length > 0 ? irm : (incident.alerts ?? []))].sort((a, b) => firstActivity(a).localeCompare(firstActivity(b)));
  const unique = (values: string[]) => [...new Set(values.filter((v) => v.trim() !== ''))];
  const files = alerts.flatMap((a) =>
    a.evidence.filter((e) => e['@odata.type'].endsWith('fileEvidence')).flatMap((e) => {
      const parsed = fileEvidenceSchema.safeParse(e);
      return parsed.success ? [parsed.data.fileDetails.fileName] : [];
    }),
  );
  return {
    description: alerts.find((a) => a.description.trim())?.description.trim() ?? '',
    recommendedAction: alerts.find((a) => a.recommendedActions.trim())?.recommendedActions.trim() ?? '',
    categories: unique(alerts.map((a) => a.category)),
    techniques: unique(alerts.flatMap((a) => a.mitreTechniques)),
    files: unique(files),
  };
}

/**
 * When the incident's activity began: the earliest firstActivityDateTime of its alerts, else when
 * Defender created it. The card's "Started", the chat list's and the tab's, and the order of both.
 */
export function firstActivityOf(incident: Incident): string {
  return (incident.alerts ?? []).reduce((min, a) => (a.firstActivityDateTime && a.firstActivityDateTime < min ? a.firstActivityDateTime : min), incident.createdDateTime);
}

/** The incident's title as every view gives it: Defender's displayName (an alert's title names that alert only). */
export function incidentTitle(incident: Incident): string {
  return incident.displayName || 'Untitled incident';
}
