/**
 * The canned queries analysts run from chat (`hunt <name> name=value …`).
 *
 * Written for Microsoft's advanced hunting schema and for the embedded tenant's KQL subset
 * alike: only where/project/extend/summarize/order/top/distinct/join(inner, leftouter) and a few
 * scalar functions. File names come from `ObjectName`, the documented column (Microsoft's IRM
 * page queries `FileName`, which the table reference does not list).
 */
import { defineQuery, type CannedQuery } from './canned-query.js';
import { kqlInt, kqlStringList } from './literals.js';
import { actionParam, alertParam, daysParam, extensionParam, topParam, userParam } from './params.js';

const LABEL_CHANGES = kqlStringList(['SensitivityLabelDowngraded', 'SensitivityLabelRemoved']);
const UPLOADS = kqlStringList(['FileUploaded', 'FileUploadedToCloud']);
/** DeviceDestinationLocationType for removable media. */
const REMOVABLE = kqlInt(3);
/** Where a file went, from the most telling column the action fills. */
const DESTINATION =
  'iff(isnotempty(PrinterName), PrinterName, iff(isnotempty(TargetUrlDomain), TargetUrlDomain, iff(isnotempty(TargetFilePath), TargetFilePath, SiteUrl)))';

const user = (description: string) => userParam({ required: true, description });
const optionalUser = userParam({ required: false, description: 'only this user (user principal name)' });

export const uploads = defineQuery({
  name: 'uploads',
  description: 'Files with an extension uploaded to OneDrive, SharePoint or a cloud service',
  tables: ['DataSecurityEvents'],
  card: [
    { header: 'Time', from: 'Timestamp', kind: 'time' },
    { header: 'User', from: 'AccountUpn', kind: 'text' },
    { header: 'File', from: 'FileName', kind: 'text' },
    { header: 'To', from: 'Destination', kind: 'text' },
  ],
  params: [extensionParam('.zip'), optionalUser, daysParam(7)],
  template: `DataSecurityEvents
| where Timestamp > ago({days})
| where ActionType in ${UPLOADS}
| where ObjectName endswith {ext}
| where AccountUpn =~ {user}
| extend Destination = iff(isnotempty(TargetUrlDomain), TargetUrlDomain, SiteUrl)
| project Timestamp, AccountUpn, FileName = ObjectName, ActionType, Destination, ObjectSize, DeviceName, Workload
| order by Timestamp desc`,
});

/** One user's file events, newest first: read by `user-activity` in chat and by an incident card's *Activity and policy*. */
const USER_FILE_EVENTS = {
  tables: ['DataSecurityEvents'] as const,
  params: [user('whose activity (user principal name)'), daysParam(30), actionParam()],
  template: `DataSecurityEvents
| where Timestamp > ago({days})
| where AccountUpn =~ {user}
| where ActionType == {action}
| extend Destination = ${DESTINATION}
| project Timestamp, ActionType, FileName = ObjectName, ObjectSize, Destination, DeviceName, Workload, SensitivityLabelId, IrmPolicyMatchInfo
| order by Timestamp desc`,
};

export const userActivity = defineQuery({
  ...USER_FILE_EVENTS,
  name: 'user-activity',
  description: "One user's file activity (DataSecurityEvents), newest first",
  card: [
    { header: 'Time', from: 'Timestamp', kind: 'time' },
    { header: 'Activity', from: 'ActionType', kind: 'activity' },
    { header: 'File', from: 'FileName', kind: 'text' },
    { header: 'To', from: 'Destination', kind: 'text' },
  ],
});

export const userBehaviors = defineQuery({
  name: 'user-behaviors',
  description: 'Behaviours Insider Risk Management saw for a user, anomalous ones first',
  tables: ['DataSecurityBehaviors'],
  card: [
    { header: 'Time', from: 'Timestamp', kind: 'time' },
    { header: 'Behavior', from: 'Description', kind: 'text' },
    { header: 'Anomalous', from: 'IsAnomalous', kind: 'flag' },
  ],
  params: [user('whose behaviours (user principal name)'), daysParam(30)],
  template: `DataSecurityBehaviors
| where Timestamp > ago({days})
| where AccountUpn =~ {user}
| project Timestamp, IsAnomalous, ActionType, Description, Categories, ActivityCount, Application, StartTime, EndTime, DetectionSource
| order by IsAnomalous desc, Timestamp desc`,
});

export const userAlerts = defineQuery({
  name: 'user-alerts',
  // No filter on ServiceSource: Microsoft documents the column but not its values (only "Microsoft
  // Defender for Endpoint" appears verbatim in the AlertInfo reference), so naming sources in the
  // query could drop one silently. Every tool's alerts on the user come back, by source as Defender spells it.
  description: "A user's alerts from every tool (Insider Risk Management, Defender for Endpoint, Entra ID Protection, DLP, …), by source",
  tables: ['AlertEvidence', 'AlertInfo'],
  card: [
    { header: 'Source', from: 'ServiceSource', kind: 'text' },
    { header: 'Alerts', from: 'Alerts', kind: 'count' },
    { header: 'Titles', from: 'Titles', kind: 'list' },
  ],
  params: [user('whose alerts (user principal name)'), daysParam(30)],
  template: `AlertEvidence
| where Timestamp > ago({days})
| where AccountUpn =~ {user}
| distinct AlertId
| join kind=inner (
    AlertInfo
    | where Timestamp > ago({days})
  ) on AlertId
| summarize Alerts = count(), HighSeverity = countif(Severity == "High"), FirstAlert = min(Timestamp), LastAlert = max(Timestamp), Titles = make_set(Title), AlertIds = make_set(AlertId) by ServiceSource
| order by Alerts desc`,
});

export const alertEvidence = defineQuery({
  name: 'alert-evidence',
  description: 'The evidence on one alert: user, device, files, addresses',
  tables: ['AlertEvidence'],
  // One evidence row is one entity, each type in its own columns: the card shows the most telling
  // one the row has (a file row also names its user and device; a user row only the user).
  card: [
    { header: 'Type', from: 'EntityType', kind: 'text' },
    { header: 'Role', from: 'EvidenceRole', kind: 'text' },
    { header: 'Evidence', from: ['FileName', 'RemoteUrl', 'DeviceName', 'AccountUpn', 'AdditionalFields'], kind: 'list' },
  ],
  params: [alertParam(), daysParam(30)],
  template: `AlertEvidence
| where Timestamp > ago({days})
| where AlertId == {alert}
| project Timestamp, EntityType, EvidenceRole, AccountUpn, DeviceName, FileName, FolderPath, SHA256, RemoteUrl, AdditionalFields, ServiceSource, Title, Severity
| order by EntityType asc`,
});

export const topRiskyUsers = defineQuery({
  name: 'top-risky-users',
  description: 'Users ranked by how many anomalous behaviours Insider Risk Management saw',
  tables: ['DataSecurityBehaviors'],
  card: [
    { header: 'User', from: 'AccountUpn', kind: 'text' },
    { header: 'Anomalies', from: 'AnomalousBehaviors', kind: 'count' },
    { header: 'Behaviors', from: 'Behaviors', kind: 'activity' },
  ],
  params: [daysParam(7), topParam(10, 50)],
  template: `DataSecurityBehaviors
| where Timestamp > ago({days})
| where IsAnomalous == true
| summarize AnomalousBehaviors = count(), Activities = sum(ActivityCount), Behaviors = make_set(ActionType), LastSeen = max(Timestamp) by AccountUpn
| top {top} by AnomalousBehaviors desc`,
});

export const removableMedia = defineQuery({
  name: 'removable-media',
  description: 'Files copied to USB drives, per user and device',
  tables: ['DataSecurityEvents'],
  card: [
    { header: 'User', from: 'AccountUpn', kind: 'text' },
    { header: 'Device', from: 'DeviceName', kind: 'text' },
    { header: 'Copies', from: 'Copies', kind: 'count' },
    { header: 'Size', from: 'Bytes', kind: 'size' },
  ],
  params: [optionalUser, daysParam(7)],
  template: `DataSecurityEvents
| where Timestamp > ago({days})
| where ActionType == "FileCopiedToRemovableMedia" or DeviceDestinationLocationType == ${REMOVABLE}
| where AccountUpn =~ {user}
| summarize Copies = count(), Files = dcount(ObjectName), Bytes = sum(ObjectSize), FileNames = make_set(ObjectName), Manufacturers = make_set(RemovableMediaManufacturer), FirstCopy = min(Timestamp), LastCopy = max(Timestamp) by AccountUpn, DeviceName
| order by Copies desc`,
});

/**
 * Each file whose sensitivity label was removed or lowered, then everything the same user did
 * to it from that moment on: the label change itself first, then (say) printing or copying it.
 * The join key pairs user and file (a UPN cannot contain "/").
 */
export const labelDowngrades = defineQuery({
  name: 'label-downgrades',
  description: 'Sensitivity labels removed or lowered, and what happened to each file next',
  tables: ['DataSecurityEvents'],
  card: [
    { header: 'Time', from: 'Timestamp', kind: 'time' },
    { header: 'User', from: 'AccountUpn', kind: 'text' },
    { header: 'File', from: 'FileName', kind: 'text' },
    { header: 'Activity', from: 'ActionType', kind: 'activity' },
  ],
  params: [optionalUser, daysParam(7)],
  template: `DataSecurityEvents
| where Timestamp > ago({days})
| where AccountUpn =~ {user}
| extend FileKey = strcat(AccountUpn, "/", ObjectName)
| join kind=inner (
    DataSecurityEvents
    | where Timestamp > ago({days})
    | where ActionType in ${LABEL_CHANGES}
    | where AccountUpn =~ {user}
    | extend FileKey = strcat(AccountUpn, "/", ObjectName)
    | summarize LabelChanged = min(Timestamp) by FileKey
  ) on FileKey
| where Timestamp >= LabelChanged
| extend Destination = ${DESTINATION}
| project LabelChanged, Timestamp, AccountUpn, FileName = ObjectName, ActionType, PreviousSensitivityLabelId, SensitivityLabelId, Destination, DeviceName
| order by LabelChanged desc, AccountUpn asc, FileName asc, Timestamp asc`,
});

/**
 * Who the person is in Defender's identity data (*IdentityInfo*,
 * https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-identityinfo-table): the newest
 * row, as Defender writes one on each change and every 24 hours. Behind the user summary only,
 * not offered by `hunt`: its Manager column names a second person, whom the channel rule for
 * hunting results would take for the row's own (see auth/pseudonymise.ts).
 */
export const userIdentity = defineQuery({
  name: 'user-identity',
  description: "Who a user is in Defender's identity data: department, job title, manager",
  tables: ['IdentityInfo'],
  // Read by the user summary, never drawn as a table; the columns say what it is for.
  card: [
    { header: 'Department', from: 'Department', kind: 'text' },
    { header: 'Title', from: 'JobTitle', kind: 'text' },
    { header: 'Manager', from: 'Manager', kind: 'text' },
  ],
  params: [user('whose identity (user principal name)')],
  template: `IdentityInfo
| where AccountUpn =~ {user}
| top 1 by Timestamp desc
| project Timestamp, AccountUpn, AccountDisplayName, Department, JobTitle, Manager`,
});

/**
 * The activity behind an incident, for its card's *Activity and policy*: the person's file events
 * since the incident began, each with the IRM policy it matched (Graph's alert names no policy).
 * The card already names the files, so its table shows when, what and which policy; the rest
 * (file, destination, device, label) is behind *Show all*.
 */
export const incidentActivity = defineQuery({
  ...USER_FILE_EVENTS,
  name: 'incident-activity',
  description: "A user's file activity since an incident began, with the IRM policy each event matched",
  card: [
    { header: 'Time', from: 'Timestamp', kind: 'time' },
    { header: 'Activity', from: 'ActionType', kind: 'activity' },
    { header: 'Policy', from: 'IrmPolicyMatchInfo', kind: 'list' },
  ],
});

/** Queries the bot runs for its own cards, never offered in chat. */
export const SUMMARY_QUERIES: readonly CannedQuery[] = [userIdentity, incidentActivity];

export const HUNTING_QUERIES: readonly CannedQuery[] = [
  uploads,
  userActivity,
  userBehaviors,
  userAlerts,
  alertEvidence,
  topRiskyUsers,
  removableMedia,
  labelDowngrades,
];

/** The chat query by name (any case), or undefined. */
export function findQuery(name: string): CannedQuery | undefined {
  const wanted = name.toLowerCase();
  return HUNTING_QUERIES.find((query) => query.name === wanted);
}

/** Any query the bot runs, chat's or its own, by name: what a kept result is looked up by. */
export function knownQuery(name: string): CannedQuery | undefined {
  return findQuery(name) ?? SUMMARY_QUERIES.find((query) => query.name === name.toLowerCase());
}
