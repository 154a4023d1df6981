/**
 * The tenant's own copy of the Microsoft Graph security API (v1.0) it serves: enum members, the
 * evolvable members hidden without `Prefer: include-unknown-enum-members`, and the PATCH bodies
 * it accepts. Written from Microsoft's pages, not shared with any client, so a client's
 * mistake about Graph is not also the stand-in's:
 *   alert:    https://learn.microsoft.com/en-us/graph/api/resources/security-alert?view=graph-rest-1.0
 *   incident: https://learn.microsoft.com/en-us/graph/api/resources/security-incident?view=graph-rest-1.0
 */
import { z } from 'zod';

export const SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue'] as const;
export const ALERT_STATUSES = ['new', 'inProgress', 'resolved', 'unknown', 'unknownFutureValue'] as const;
export const INCIDENT_STATUSES = ['active', 'inProgress', 'resolved', 'redirected', 'awaitingAction', 'unknownFutureValue'] as const;
export const CLASSIFICATIONS = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue'] as const;
export const DETERMINATIONS = [
  'unknown',
  'apt',
  'malware',
  'securityPersonnel',
  'securityTesting',
  'unwantedSoftware',
  'other',
  'multiStagedAttack',
  'compromisedAccount',
  'phishing',
  'maliciousUserActivity',
  'notMalicious',
  'notEnoughDataToValidate',
  'confirmedActivity',
  'lineOfBusinessApplication',
  'unknownFutureValue',
] as const;
export const SERVICE_SOURCES = [
  'unknown',
  'microsoftDefenderForEndpoint',
  'microsoftDefenderForIdentity',
  'microsoftDefenderForCloudApps',
  'microsoftDefenderForOffice365',
  'microsoft365Defender',
  'azureAdIdentityProtection',
  'microsoftAppGovernance',
  'dataLossPrevention',
  'unknownFutureValue',
  'microsoftDefenderForCloud',
  'microsoftSentinel',
  'microsoftInsiderRiskManagement',
] as const;
export const DETECTION_SOURCES = [
  'unknown',
  'microsoftDefenderForEndpoint',
  'antivirus',
  'customDetection',
  'microsoft365Defender',
  'azureAdIdentityProtection',
  'microsoftDataLossPrevention',
  'unknownFutureValue',
  'microsoftInsiderRiskManagement',
] as const;

export type Severity = (typeof SEVERITIES)[number];
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export type Classification = (typeof CLASSIFICATIONS)[number];
export type Determination = (typeof DETERMINATIONS)[number];
export type ServiceSource = (typeof SERVICE_SOURCES)[number];
export type DetectionSource = (typeof DETECTION_SOURCES)[number];

/** Evolvable members: answered as `unknownFutureValue` unless the request opts in. */
export const EVOLVABLE_MEMBERS: ReadonlySet<string> = new Set(['microsoftInsiderRiskManagement']);
export const PREFER_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';

/** camelCase a wire value so `TruePositive` (as Microsoft's own examples send it) and `truePositive` are the same member. */
export function camel(value: string): string {
  return value.length === 0 ? value : value[0]!.toLowerCase() + value.slice(1);
}

/** An enum in a request: PascalCase tolerated, anything else not a member refused. */
export function inputEnum<const T extends readonly [string, ...string[]]>(members: T) {
  return z.preprocess((v) => (typeof v === 'string' ? camel(v) : v), z.enum(members));
}

export const alertUpdateSchema = z
  .object({
    status: inputEnum(ALERT_STATUSES),
    classification: inputEnum(CLASSIFICATIONS),
    determination: inputEnum(DETERMINATIONS),
    assignedTo: z.string().max(256),
  })
  .partial()
  .strict();
export type AlertUpdate = z.infer<typeof alertUpdateSchema>;

export const INCIDENT_UPDATE_STATUSES = ['active', 'resolved', 'redirected', 'unknownFutureValue'] as const;
export const incidentUpdateSchema = z
  .object({
    status: inputEnum(INCIDENT_UPDATE_STATUSES),
    classification: inputEnum(CLASSIFICATIONS),
    determination: inputEnum(DETERMINATIONS),
    assignedTo: z.string().max(256),
    customTags: z.array(z.string().max(256)).max(50),
  })
  .partial()
  .strict();
export type IncidentUpdate = z.infer<typeof incidentUpdateSchema>;
