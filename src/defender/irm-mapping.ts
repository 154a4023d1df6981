/**
 * How a Defender decision shows up in Purview Insider Risk Management. Fixed by the product:
 * New / In progress = Needs review; Resolved + True positive = Confirmed; Resolved + False
 * positive or Informational, expected activity = Dismissed; Resolved with no classification is
 * also Dismissed, which is why the card never lets an analyst resolve without one.
 */
import { ALERT_UPDATE_DETERMINATIONS, type AlertStatus, type Classification, type Determination, type IncidentStatus, type ServiceSource, type Severity } from './model.js';

export const IRM_STATUSES = ['Needs review', 'Confirmed', 'Dismissed'] as const;
export type IrmStatus = (typeof IRM_STATUSES)[number];

export function irmStatusFor(status: AlertStatus, classification: Classification | null): IrmStatus {
  if (status !== 'resolved') return 'Needs review';
  return classification === 'truePositive' ? 'Confirmed' : 'Dismissed';
}

/** The classifications an analyst may pick when resolving, in the order the form shows them. */
export const RESOLVE_CLASSIFICATIONS = ['truePositive', 'falsePositive', 'informationalExpectedActivity'] as const;
export type ResolveClassification = (typeof RESOLVE_CLASSIFICATIONS)[number];

/**
 * Determinations that make sense for each classification (Defender's own grouping), first is the
 * default. Only ones *Update incident* documents (INCIDENT_UPDATE_DETERMINATIONS): not
 * `compromisedAccount` or `confirmedActivity`, which its page names otherwise.
 */
export const DETERMINATIONS_BY_CLASSIFICATION: Record<ResolveClassification, readonly Determination[]> = {
  truePositive: ['maliciousUserActivity', 'multiStagedAttack', 'other'],
  falsePositive: ['notMalicious', 'notEnoughDataToValidate', 'other'],
  informationalExpectedActivity: ['lineOfBusinessApplication', 'securityTesting', 'securityPersonnel', 'other'],
};

/**
 * The determination for an *Update alert* body: only one that page documents. `notMalicious` and
 * `notEnoughDataToValidate` are not on it, so the alert update leaves them out and the incident
 * update (whose page documents them) carries them.
 */
export function alertUpdateDetermination(determination: Determination): { determination?: Determination } {
  return ALERT_UPDATE_DETERMINATIONS.has(determination) ? { determination } : {};
}

export function determinationFits(classification: ResolveClassification, determination: Determination): boolean {
  return DETERMINATIONS_BY_CLASSIFICATION[classification].includes(determination);
}

export const SEVERITY_WORDS: Record<Severity, string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  informational: 'Informational',
  unknown: 'Unknown',
  unknownFutureValue: 'Unknown',
};

/** Adaptive Card text colours for a severity. */
/**
 * Text colours by severity. Never `Warning`: yellow text on a light card measures about 1.2:1
 * against its background, under the 4.5:1 that text needs (WCAG 2.1, 1.4.3); Medium is said in
 * words, in the default colour (the incident card's header still takes the warning style).
 */
export const SEVERITY_COLOURS: Record<Severity, 'Attention' | 'Accent' | 'Default'> = {
  high: 'Attention',
  medium: 'Default',
  low: 'Accent',
  informational: 'Default',
  unknown: 'Default',
  unknownFutureValue: 'Default',
};

export const SEVERITY_RANK: Record<Severity, number> = { unknown: 0, unknownFutureValue: 0, informational: 1, low: 2, medium: 3, high: 4 };

export const ALERT_STATUS_WORDS: Record<AlertStatus, string> = {
  new: 'New',
  inProgress: 'In progress',
  resolved: 'Resolved',
  unknown: 'Unknown',
  unknownFutureValue: 'Unknown',
};

export const INCIDENT_STATUS_WORDS: Record<IncidentStatus, string> = {
  active: 'New',
  inProgress: 'In progress',
  resolved: 'Resolved',
  redirected: 'Redirected (merged into another incident)',
  awaitingAction: 'Awaiting action',
  unknownFutureValue: 'Unknown',
};

export const CLASSIFICATION_WORDS: Record<Classification, string> = {
  truePositive: 'True positive',
  falsePositive: 'False positive',
  informationalExpectedActivity: 'Informational, expected activity',
  unknown: 'Not classified',
  unknownFutureValue: 'Unknown',
};

export const DETERMINATION_WORDS: Record<Determination, string> = {
  unknown: 'Unknown',
  apt: 'Advanced persistent threat',
  malware: 'Malware',
  securityPersonnel: 'Security personnel',
  securityTesting: 'Security testing',
  unwantedSoftware: 'Unwanted software',
  other: 'Other',
  multiStagedAttack: 'Multi-staged attack',
  compromisedAccount: 'Compromised account',
  phishing: 'Phishing',
  maliciousUserActivity: 'Malicious user activity',
  notMalicious: 'Not malicious',
  notEnoughDataToValidate: 'Not enough data to validate',
  confirmedActivity: 'Confirmed activity',
  lineOfBusinessApplication: 'Line-of-business application',
  unknownFutureValue: 'Unknown',
};

/** The tools whose alerts can be grouped with an IRM alert, named as analysts know them. */
export const SOURCE_WORDS: Partial<Record<ServiceSource, string>> & Record<string, string | undefined> = {
  microsoftInsiderRiskManagement: 'Insider Risk Management',
  microsoftDefenderForEndpoint: 'Defender for Endpoint',
  azureAdIdentityProtection: 'Entra ID Protection',
  dataLossPrevention: 'Data Loss Prevention',
  microsoftDefenderForIdentity: 'Defender for Identity',
  microsoftDefenderForCloudApps: 'Defender for Cloud Apps',
  microsoftDefenderForOffice365: 'Defender for Office 365',
  microsoft365Defender: 'Microsoft Defender XDR',
  microsoftDefenderForCloud: 'Defender for Cloud',
  microsoftSentinel: 'Microsoft Sentinel',
  microsoftAppGovernance: 'App governance',
};

export function sourceWords(source: string): string {
  return SOURCE_WORDS[source] ?? 'Other source';
}
