/**
 * The Microsoft Graph security API (v1.0) as this project sees it: enums, the alert and
 * incident shapes, and the zod schemas that parse them at the boundary.
 *
 * Shared by the Graph client (which parses what Graph or the embedded tenant answers) and
 * the embedded tenant (which emits the same shapes). Parsing is tolerant the way Graph
 * clients must be: an enum member we do not know becomes `unknownFutureValue`, PascalCase
 * input is accepted, and unknown properties are ignored.
 */
import { z } from 'zod';

export const SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue'] as const;
export const ALERT_STATUSES = ['new', 'inProgress', 'resolved', 'unknown', 'unknownFutureValue'] as const;
export const INCIDENT_STATUSES = [
  'active',
  'inProgress',
  'resolved',
  'redirected',
  'awaitingAction',
  'unknownFutureValue',
] as const;
export const CLASSIFICATIONS = [
  'unknown',
  'falsePositive',
  'truePositive',
  'informationalExpectedActivity',
  'unknownFutureValue',
] as const;
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
/** `microsoftInsiderRiskManagement` is evolvable: Graph only sends it with `Prefer: include-unknown-enum-members`. */
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

export const PREFER_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';
export const IRM_SOURCE = 'microsoftInsiderRiskManagement' satisfies ServiceSource;

/** camelCase a wire value so `TruePositive` and `truePositive` are the same member. */
export function camel(value: string): string {
  return value.length === 0 ? value : value[0]!.toLowerCase() + value.slice(1);
}

/** A tolerant enum: known members (any case of the first letter) pass, anything else becomes `unknownFutureValue`. */
export function evolvableEnum<const T extends readonly [string, ...string[]]>(members: T) {
  const known = new Set<string>(members);
  return z.string().transform((raw): T[number] => {
    const value = camel(raw);
    return (known.has(value) ? value : 'unknownFutureValue') as T[number];
  });
}

const dateTime = z.string().datetime({ offset: true });
const optionalDateTime = dateTime.nullish().transform((v) => v ?? null);

export const userAccountSchema = z.object({
  userPrincipalName: z.string().nullish(),
  displayName: z.string().nullish(),
  azureAdUserId: z.string().nullish(),
  accountName: z.string().nullish(),
  domainName: z.string().nullish(),
});

export const evidenceSchema = z
  .object({
    '@odata.type': z.string(),
    userAccount: userAccountSchema.nullish(),
  })
  .passthrough();

export const alertCommentSchema = z.object({
  comment: z.string().nullish().transform((v) => v ?? ''),
  createdByDisplayName: z.string().nullish().transform((v) => v ?? ''),
  createdDateTime: dateTime,
});

export const alertSchema = z.object({
  id: z.string().min(1),
  incidentId: z.string().nullish().transform((v) => v ?? null),
  providerAlertId: z.string().nullish().transform((v) => v ?? null),
  title: z.string().nullish().transform((v) => v ?? ''),
  description: z.string().nullish().transform((v) => v ?? ''),
  /** What the detecting tool suggests doing next (*alert* resource, v1.0). */
  recommendedActions: z.string().nullish().transform((v) => v ?? ''),
  /** The attack-kill-chain category, e.g. Exfiltration (*alert* resource, v1.0). */
  category: z.string().nullish().transform((v) => v ?? ''),
  mitreTechniques: z.array(z.string()).nullish().transform((v) => v ?? []),
  severity: evolvableEnum(SEVERITIES),
  status: evolvableEnum(ALERT_STATUSES),
  classification: evolvableEnum(CLASSIFICATIONS).nullish().transform((v) => v ?? null),
  determination: evolvableEnum(DETERMINATIONS).nullish().transform((v) => v ?? null),
  serviceSource: evolvableEnum(SERVICE_SOURCES),
  detectionSource: evolvableEnum(DETECTION_SOURCES),
  assignedTo: z.string().nullish().transform((v) => v ?? null),
  createdDateTime: dateTime,
  lastUpdateDateTime: dateTime,
  firstActivityDateTime: optionalDateTime,
  lastActivityDateTime: optionalDateTime,
  resolvedDateTime: optionalDateTime,
  alertWebUrl: z.string().nullish().transform((v) => v ?? null),
  incidentWebUrl: z.string().nullish().transform((v) => v ?? null),
  comments: z.array(alertCommentSchema).nullish().transform((v) => v ?? []),
  evidence: z.array(evidenceSchema).nullish().transform((v) => v ?? []),
});

export const incidentSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish().transform((v) => v ?? ''),
  severity: evolvableEnum(SEVERITIES),
  status: evolvableEnum(INCIDENT_STATUSES),
  classification: evolvableEnum(CLASSIFICATIONS).nullish().transform((v) => v ?? null),
  determination: evolvableEnum(DETERMINATIONS).nullish().transform((v) => v ?? null),
  assignedTo: z.string().nullish().transform((v) => v ?? null),
  customTags: z.array(z.string()).nullish().transform((v) => v ?? []),
  comments: z.array(alertCommentSchema).nullish().transform((v) => v ?? []),
  resolvingComment: z.string().nullish().transform((v) => v ?? null),
  lastModifiedBy: z.string().nullish().transform((v) => v ?? null),
  createdDateTime: dateTime,
  lastUpdateDateTime: dateTime,
  incidentWebUrl: z.string().nullish().transform((v) => v ?? null),
  alerts: z.array(alertSchema).optional(),
});

export type UserAccount = z.infer<typeof userAccountSchema>;
export type AlertComment = z.infer<typeof alertCommentSchema>;
export type Alert = z.infer<typeof alertSchema>;
export type Incident = z.infer<typeof incidentSchema>;

/** A page of a Graph collection. */
export function collectionSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    value: z.array(item),
    '@odata.nextLink': z.string().url().optional(),
    '@odata.count': z.number().int().optional(),
  });
}

export const graphErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }).passthrough(),
});

/**
 * Determinations each update method documents that are also members of alertDetermination. The
 * pages disagree on four names: *Update alert* lists `compromisedUser`, `clean`, `insufficientData`
 * and `confirmedUserActivity`; *Update incident* lists `compromisedUser`, `notMalicious`,
 * `notEnoughDataToValidate` and `confirmedUserActivity`; the type's members table has
 * `compromisedAccount`, `notMalicious`, `notEnoughDataToValidate` and `confirmedActivity`. The bot
 * sends only what both the method's page and the type list:
 * https://learn.microsoft.com/en-us/graph/api/security-alert-update?view=graph-rest-1.0
 * https://learn.microsoft.com/en-us/graph/api/security-incident-update?view=graph-rest-1.0
 * https://learn.microsoft.com/en-us/graph/api/resources/security-alert?view=graph-rest-1.0
 */
const DOCUMENTED_BY_BOTH_UPDATES = ['unknown', 'apt', 'malware', 'securityPersonnel', 'securityTesting', 'unwantedSoftware', 'other', 'multiStagedAttack', 'phishing', 'maliciousUserActivity', 'lineOfBusinessApplication'] as const;
export const ALERT_UPDATE_DETERMINATIONS: ReadonlySet<Determination> = new Set(DOCUMENTED_BY_BOTH_UPDATES);
export const INCIDENT_UPDATE_DETERMINATIONS: ReadonlySet<Determination> = new Set([...DOCUMENTED_BY_BOTH_UPDATES, 'notMalicious', 'notEnoughDataToValidate']);

/**
 * What the bot writes back to an alert: *Update alert* documents status, classification,
 * determination and assignedTo (https://learn.microsoft.com/en-us/graph/api/security-alert-update?view=graph-rest-1.0).
 */
export interface AlertPatch {
  status?: AlertStatus;
  classification?: Classification;
  determination?: Determination;
  assignedTo?: string;
}

/**
 * *Update incident* (v1.0) documents exactly these properties, and for status only `active`,
 * `resolved`, `redirected` and `unknownFutureValue` (not `inProgress`, which Graph reports but
 * the page does not let a client set):
 * https://learn.microsoft.com/en-us/graph/api/security-incident-update?view=graph-rest-1.0
 * A comment goes to *Create comment for incident* instead (`addIncidentComment`).
 */
export interface IncidentPatch {
  status?: 'active' | 'resolved' | 'redirected';
  classification?: Classification;
  determination?: Determination;
  assignedTo?: string;
  customTags?: string[];
}

/** The user at risk: the first user evidence on the incident's IRM alerts. */
export function userAtRisk(alerts: readonly Alert[]): UserAccount | null {
  for (const alert of alerts) {
    for (const evidence of alert.evidence) {
      if (evidence['@odata.type'].endsWith('userEvidence') && evidence.userAccount) return evidence.userAccount;
    }
  }
  return null;
}
