/**
 * The tenant's own reading of the Microsoft Graph security API (v1.0): enum members, which of
 * them are evolvable, and the PATCH and POST bodies each method accepts. Written from
 * Microsoft's pages and shared with no client, so a client's mistake about Graph is not also
 * the stand-in's. Where two pages disagree the stricter reading is taken, and the comment says
 * which pages.
 *
 * Enums are camelCase on the wire. In requests the first letter's case is free
 * (`TruePositive`, `Active`), because Microsoft's own *Update incident* example sends PascalCase.
 */
import { z } from 'zod';

const page = (path: string) => `https://learn.microsoft.com/en-us/graph/${path}`;

/** The pages each rule comes from. */
export const DOCS = {
  alert: page('api/resources/security-alert?view=graph-rest-1.0'),
  incident: page('api/resources/security-incident?view=graph-rest-1.0'),
  detectionSource: page('api/resources/security-detectionsource?view=graph-rest-1.0'),
  listAlerts: page('api/security-list-alerts_v2?view=graph-rest-1.0'),
  getAlert: page('api/security-alert-get?view=graph-rest-1.0'),
  updateAlert: page('api/security-alert-update?view=graph-rest-1.0'),
  alertComment: page('api/security-alert-post-comments?view=graph-rest-1.0'),
  listIncidents: page('api/security-list-incidents?view=graph-rest-1.0'),
  getIncident: page('api/security-incident-get?view=graph-rest-1.0'),
  updateIncident: page('api/security-incident-update?view=graph-rest-1.0'),
  incidentComment: page('api/security-incident-post-comments?view=graph-rest-1.0'),
  runHuntingQuery: page('api/security-security-runhuntingquery?view=graph-rest-1.0'),
  evolvableEnums: page('best-practices-concept#handling-future-members-in-evolvable-enumerations'),
  throttling: page('throttling-limits#security-detections-and-incidents-service-limits'),
  huntingLimits: 'https://learn.microsoft.com/en-us/defender-xdr/api-advanced-hunting',
} as const;

export const SENTINEL = 'unknownFutureValue';
export const PREFER_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';

/**
 * A Graph enum: its members in the documented order, and the value each stands for (what `gt`,
 * `lt` and friends compare in `$filter`). Members after `unknownFutureValue` are evolvable: "By
 * default, unknown members are not returned by Microsoft Graph" unless the request sends
 * `Prefer: include-unknown-enum-members` (DOCS.evolvableEnums); the tenant answers them as
 * `unknownFutureValue` then.
 */
export interface GraphEnum<M extends string = string> {
  /** e.g. `microsoft.graph.security.alertSeverity`, for messages. */
  type: string;
  members: readonly M[];
  values: ReadonlyMap<string, number>;
  evolvable: ReadonlySet<string>;
}

function graphEnum<const M extends string>(type: string, members: readonly M[], values?: readonly number[]): GraphEnum<M> {
  const sentinel = members.indexOf(SENTINEL as M);
  return {
    type: `microsoft.graph.security.${type}`,
    members,
    values: new Map(members.map((m, i) => [m, values?.[i] ?? i])),
    evolvable: new Set(sentinel < 0 ? [] : members.slice(sentinel + 1)),
  };
}

// The underlying values are not on Microsoft's pages, nor are `gt`/`lt` on enums: these are the
// tenant's ordering (severity by impact; statuses as flags in lifecycle order).

/** alertSeverity values (DOCS.alert). */
export const SEVERITY = graphEnum('alertSeverity', ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue']);
/** alertStatus values: the members table lists `unknown`, the property text does not (DOCS.alert). */
export const ALERT_STATUS = graphEnum('alertStatus', ['unknown', 'new', 'inProgress', 'resolved', 'unknownFutureValue'], [0, 2, 4, 8, 16]);
/**
 * incidentStatus (DOCS.incident): "You must use the `Prefer: include-unknown-enum-members` request
 * header to get the following values in this evolvable enum: `awaitingAction`."
 */
export const INCIDENT_STATUS = graphEnum('incidentStatus', ['active', 'resolved', 'inProgress', 'redirected', 'unknownFutureValue', 'awaitingAction'], [1, 2, 4, 64, 128, 256]);
/** alertClassification values (DOCS.alert). */
export const CLASSIFICATION = graphEnum('alertClassification', ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue']);
/**
 * alertDetermination: the names of the members table of DOCS.alert (which Graph's v1.0 metadata
 * uses too), in the order of the property's text. That text, and *Update alert*, name four of
 * them differently (`compromisedUser`, `clean`, `insufficientData`, `confirmedUserActivity`);
 * those names are no member of the type and are refused.
 */
export const DETERMINATION = graphEnum('alertDetermination', [
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
]);
/**
 * serviceSource: DOCS.alert lists the members up to `microsoftDefenderForCloud` (evolvable). Graph's
 * v1.0 metadata (and Microsoft's SDKs generated from it) go on with `microsoftSentinel`,
 * `microsoftInsiderRiskManagement` and `microsoftThreatIntelligence`, all after the sentinel, so
 * evolvable too: IRM alerts read `unknownFutureValue` without the Prefer header.
 */
export const SERVICE_SOURCE = graphEnum('serviceSource', [
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
  'microsoftThreatIntelligence',
]);
/** detectionSource: the enum's own page (DOCS.detectionSource), every member after the sentinel evolvable. */
export const DETECTION_SOURCE = graphEnum('detectionSource', [
  'unknown',
  'microsoftDefenderForEndpoint',
  'antivirus',
  'smartScreen',
  'customTi',
  'microsoftDefenderForOffice365',
  'automatedInvestigation',
  'microsoftThreatExperts',
  'customDetection',
  'microsoftDefenderForIdentity',
  'cloudAppSecurity',
  'microsoft365Defender',
  'azureAdIdentityProtection',
  'manual',
  'microsoftDataLossPrevention',
  'appGovernancePolicy',
  'appGovernanceDetection',
  'unknownFutureValue',
  'microsoftDefenderForCloud',
  'microsoftDefenderForIoT',
  'microsoftDefenderForServers',
  'microsoftDefenderForStorage',
  'microsoftDefenderForDNS',
  'microsoftDefenderForDatabases',
  'microsoftDefenderForContainers',
  'microsoftDefenderForNetwork',
  'microsoftDefenderForAppService',
  'microsoftDefenderForKeyVault',
  'microsoftDefenderForResourceManager',
  'microsoftDefenderForApiManagement',
  'nrtAlerts',
  'scheduledAlerts',
  'microsoftDefenderThreatIntelligenceAnalytics',
  'builtInMl',
  'microsoftInsiderRiskManagement',
  'microsoftThreatIntelligence',
  'microsoftDefenderForAIServices',
  'securityCopilot',
  'microsoftSentinel',
]);

export const SEVERITIES = SEVERITY.members;
export const ALERT_STATUSES = ALERT_STATUS.members;
export const INCIDENT_STATUSES = INCIDENT_STATUS.members;
export const CLASSIFICATIONS = CLASSIFICATION.members;
export const DETERMINATIONS = DETERMINATION.members;
export const SERVICE_SOURCES = SERVICE_SOURCE.members;
export const DETECTION_SOURCES = DETECTION_SOURCE.members;

export type Severity = (typeof SEVERITIES)[number];
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export type Classification = (typeof CLASSIFICATIONS)[number];
export type Determination = (typeof DETERMINATIONS)[number];
export type ServiceSource = (typeof SERVICE_SOURCES)[number];
export type DetectionSource = (typeof DETECTION_SOURCES)[number];

/** How a stored member reads on the wire: an evolvable one is `unknownFutureValue` unless the client opted in. */
export function visibleMember(graph: GraphEnum, value: string, preferUnknownMembers: boolean): string {
  return !preferUnknownMembers && graph.evolvable.has(value) ? SENTINEL : value;
}

/** camelCase a wire value so `TruePositive` and `truePositive` are the same member. */
export function camel(value: string): string {
  return value.length === 0 ? value : value[0]!.toLowerCase() + value.slice(1);
}

/** An enum in a request body: the first letter's case is free, anything not listed is refused naming what is allowed. */
export function inputEnum<const T extends readonly [string, ...string[]]>(members: T, where: string) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? camel(v) : v),
    z.enum(members, { error: (issue) => `${JSON.stringify(issue.input)} is not a value ${where} accepts (it accepts ${members.join(', ')})` }),
  );
}

/**
 * Values a method accepts: those both the method's page and the type's members table list. The
 * sentinel is left out: the resource pages say of `unknownFutureValue` "Don't use" although the
 * update pages list it among the possible values, and the stricter reading wins.
 */
function settable<const M extends string>(graph: GraphEnum<M>, listedByMethod: readonly string[]): [M, ...M[]] {
  const values = graph.members.filter((m) => m !== SENTINEL && listedByMethod.includes(m));
  if (values.length === 0) throw new Error(`no settable member of ${graph.type}`);
  return values as [M, ...M[]];
}

/** Every member but the sentinel: what Defender itself (the portal) may set. */
export function allButSentinel<const M extends string>(graph: GraphEnum<M>): [M, ...M[]] {
  return settable(graph, graph.members);
}

/** A body object whose unknown properties are refused, naming the method and what it documents. */
function documentedBody<T extends z.ZodRawShape>(shape: T, method: string) {
  const documented = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `${issue.keys.map((k) => `'${k}'`).join(', ')}: not a property ${method} documents (documented: ${documented})` : undefined),
  });
}

/** Owner of an alert or incident: "or null if no owner is assigned" (DOCS.updateAlert, DOCS.updateIncident). */
const assignedTo = z.string().nullable();

// *Update alert* (DOCS.updateAlert), request body, verbatim:
//   status: new, inProgress, resolved, unknownFutureValue
//   classification: unknown, falsePositive, truePositive, informationalExpectedActivity, unknownFutureValue
//   determination: unknown, apt, malware, securityPersonnel, securityTesting, unwantedSoftware, other,
//     multiStagedAttack, compromisedUser, phishing, maliciousUserActivity, clean, insufficientData,
//     confirmedUserActivity, lineOfBusinessApplication, unknownFutureValue
//   assignedTo: String
// The page lists no `customDetails` (the resource page shows it as a property, not as settable).
const UPDATE_ALERT_STATUSES = ['new', 'inProgress', 'resolved', 'unknownFutureValue'];
const UPDATE_ALERT_CLASSIFICATIONS = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue'];
const UPDATE_ALERT_DETERMINATIONS = [
  'unknown',
  'apt',
  'malware',
  'securityPersonnel',
  'securityTesting',
  'unwantedSoftware',
  'other',
  'multiStagedAttack',
  'compromisedUser',
  'phishing',
  'maliciousUserActivity',
  'clean',
  'insufficientData',
  'confirmedUserActivity',
  'lineOfBusinessApplication',
  'unknownFutureValue',
];

/**
 * Determinations *Update alert* accepts. *Update alert* and the alertDetermination members table
 * (DOCS.alert) disagree on four names; the stricter reading takes only what both list, so
 * `notMalicious`, `notEnoughDataToValidate`, `compromisedAccount` and `confirmedActivity` (members,
 * but not on *Update alert*) are refused here, as are `clean`, `insufficientData`, `compromisedUser`
 * and `confirmedUserActivity` (on *Update alert*, but no member of the type).
 */
export const ALERT_UPDATE_DETERMINATIONS = settable(DETERMINATION, UPDATE_ALERT_DETERMINATIONS);
export const ALERT_UPDATE_STATUSES = settable(ALERT_STATUS, UPDATE_ALERT_STATUSES);
export const ALERT_UPDATE_CLASSIFICATIONS = settable(CLASSIFICATION, UPDATE_ALERT_CLASSIFICATIONS);

export const alertUpdateSchema = documentedBody(
  {
    status: inputEnum(ALERT_UPDATE_STATUSES, 'Update alert').optional(),
    classification: inputEnum(ALERT_UPDATE_CLASSIFICATIONS, 'Update alert').optional(),
    determination: inputEnum(ALERT_UPDATE_DETERMINATIONS, 'Update alert').optional(),
    assignedTo: assignedTo.optional(),
  },
  'Update alert',
);
export type AlertUpdate = z.infer<typeof alertUpdateSchema>;

// *Update incident* (DOCS.updateIncident), request body, verbatim:
//   assignedTo: String ("Free editable text")
//   classification: unknown, falsePositive, truePositive, informationalExpectedActivity, unknownFutureValue
//   determination: unknown, apt, malware, securityPersonnel, securityTesting, unwantedSoftware, other,
//     multiStagedAttack, compromisedUser, phishing, maliciousUserActivity, notMalicious,
//     notEnoughDataToValidate, confirmedUserActivity, lineOfBusinessApplication, unknownFutureValue
//   status: active, resolved, redirected, unknownFutureValue
//   customTags: String collection
// Not `inProgress` (which the incident resource reports), not `resolvingComment` or `summary`: a
// comment goes through *Create comment for incident*.
const UPDATE_INCIDENT_STATUSES = ['active', 'resolved', 'redirected', 'unknownFutureValue'];
const UPDATE_INCIDENT_DETERMINATIONS = [
  'unknown',
  'apt',
  'malware',
  'securityPersonnel',
  'securityTesting',
  'unwantedSoftware',
  'other',
  'multiStagedAttack',
  'compromisedUser',
  'phishing',
  'maliciousUserActivity',
  'notMalicious',
  'notEnoughDataToValidate',
  'confirmedUserActivity',
  'lineOfBusinessApplication',
  'unknownFutureValue',
];

/**
 * Determinations *Update incident* accepts: as for alerts, only what both the page and the members
 * table list, so `compromisedAccount` and `confirmedActivity` are refused here (the page names them
 * `compromisedUser` and `confirmedUserActivity`, which are no members of the type).
 */
export const INCIDENT_UPDATE_DETERMINATIONS = settable(DETERMINATION, UPDATE_INCIDENT_DETERMINATIONS);
export const INCIDENT_UPDATE_STATUSES = settable(INCIDENT_STATUS, UPDATE_INCIDENT_STATUSES);
export const INCIDENT_UPDATE_CLASSIFICATIONS = settable(CLASSIFICATION, UPDATE_ALERT_CLASSIFICATIONS);

export const incidentUpdateSchema = documentedBody(
  {
    assignedTo: assignedTo.optional(),
    classification: inputEnum(INCIDENT_UPDATE_CLASSIFICATIONS, 'Update incident').optional(),
    determination: inputEnum(INCIDENT_UPDATE_DETERMINATIONS, 'Update incident').optional(),
    status: inputEnum(INCIDENT_UPDATE_STATUSES, 'Update incident').optional(),
    customTags: z.array(z.string()).optional(),
  },
  'Update incident',
);
export type IncidentUpdate = z.infer<typeof incidentUpdateSchema>;

/**
 * *Create comment for alert* / *for incident* (DOCS.alertComment, DOCS.incidentComment): "use
 * `@odata.type` to specify the parameter type of alertComment, and provide a JSON object for the
 * parameter, `comment`". Both are required here; no other property is documented.
 */
export const commentBodySchema = (method: string) =>
  documentedBody(
    {
      '@odata.type': z
        .string({ error: "required: 'microsoft.graph.security.alertComment'" })
        .regex(/^#?microsoft\.graph\.security\.alertComment$/, "expected 'microsoft.graph.security.alertComment'"),
      comment: z.string().min(1, 'the comment is empty'),
    },
    method,
  );

/** *runHuntingQuery* (DOCS.runHuntingQuery): `Query` (required) and `Timespan` (optional). */
export const huntingQueryBodySchema = documentedBody(
  {
    Query: z.string().min(1, 'the query is empty'),
    Timespan: z.string().optional(),
  },
  'runHuntingQuery',
);
