/**
 * The advanced-hunting tables the embedded tenant holds (AlertInfo, AlertEvidence,
 * DataSecurityBehaviors, DataSecurityEvents, IdentityInfo): their schemas as data, and rows
 * generated to match the incidents, alerts and directory, so a hunt about an alert's user finds
 * that user's activity and who they are.
 */
import type { Json } from './records.js';
import { hashString, TENANT_DOMAIN, type DirectoryUser } from './directory.js';
import { createRandom, type Random } from './prng.js';

export type HuntingColumnType = 'string' | 'datetime' | 'long' | 'int' | 'bool' | 'dynamic' | 'real';

const col = <const N extends string, const T extends HuntingColumnType>(name: N, type: T) => ({ name, type });

/** Column name → type for each table, in the documented order. */
export const HUNTING_SCHEMAS = {
  AlertInfo: [
    col('Timestamp', 'datetime'),
    col('AlertId', 'string'),
    col('Title', 'string'),
    col('Category', 'string'),
    col('Severity', 'string'),
    col('ServiceSource', 'string'),
    col('DetectionSource', 'string'),
    col('AttackTechniques', 'string'),
  ],
  AlertEvidence: [
    col('Timestamp', 'datetime'),
    col('AlertId', 'string'),
    col('Title', 'string'),
    col('Categories', 'string'),
    col('ServiceSource', 'string'),
    col('DetectionSource', 'string'),
    col('EntityType', 'string'),
    col('EvidenceRole', 'string'),
    col('FileName', 'string'),
    col('FolderPath', 'string'),
    col('SHA256', 'string'),
    col('RemoteUrl', 'string'),
    col('AccountName', 'string'),
    col('AccountDomain', 'string'),
    col('AccountObjectId', 'string'),
    col('AccountUpn', 'string'),
    col('DeviceId', 'string'),
    col('DeviceName', 'string'),
    col('Application', 'string'),
    col('AdditionalFields', 'string'),
    col('Severity', 'string'),
  ],
  DataSecurityBehaviors: [
    col('Timestamp', 'datetime'),
    col('StartTime', 'datetime'),
    col('EndTime', 'datetime'),
    col('BehaviorId', 'string'),
    col('ActionType', 'string'),
    col('Categories', 'string'),
    col('Description', 'string'),
    col('ServiceSource', 'string'),
    col('DetectionSource', 'string'),
    col('AccountUpn', 'string'),
    col('AccountEmail', 'string'),
    col('Application', 'string'),
    col('ActivityCount', 'int'),
    col('IsAnomalous', 'bool'),
    col('DeviceInfo', 'dynamic'),
    col('SensitivityLabelInfo', 'dynamic'),
    col('RemovableMediaInfo', 'dynamic'),
  ],
  DataSecurityEvents: [
    col('Timestamp', 'datetime'),
    col('ActionType', 'string'),
    col('AccountUpn', 'string'),
    col('AccountObjectId', 'string'),
    col('Department', 'string'),
    col('DeviceName', 'string'),
    col('DeviceId', 'string'),
    col('ObjectName', 'string'),
    // Not in the table reference, but Microsoft's own IRM example queries it: kept equal to ObjectName.
    col('FileName', 'string'),
    col('ObjectType', 'string'),
    col('ObjectSize', 'long'),
    col('Operation', 'string'),
    col('Workload', 'string'),
    col('SourceRelativeUrl', 'string'),
    col('TargetFilePath', 'string'),
    col('TargetUrlDomain', 'string'),
    col('SiteUrl', 'string'),
    col('RemovableMediaManufacturer', 'string'),
    col('RemovableMediaSerialNumber', 'string'),
    col('PrinterName', 'string'),
    col('SensitivityLabelId', 'string'),
    col('PreviousSensitivityLabelId', 'string'),
    col('SensitiveInfoTypeInfo', 'dynamic'),
    col('IrmPolicyMatchInfo', 'dynamic'),
    col('DlpPolicyMatchInfo', 'dynamic'),
    col('IsManagedDevice', 'bool'),
    col('IPAddress', 'string'),
    col('EmailSubject', 'string'),
    col('RecipientEmailAddress', 'string'),
    col('DeviceSourceLocationType', 'int'),
    col('DeviceDestinationLocationType', 'int'),
  ],
  /**
   * *IdentityInfo* (https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-identityinfo-table),
   * every column it lists in its order, except the eight it names as UEBA-specific (BlastRadius,
   * CompanyName, DeletedDateTime, EmployeeId, OtherMailAddresses, Tags, State, GroupMembership):
   * those exist only where a Microsoft Sentinel workspace with UEBA is onboarded, and this tenant
   * plays Defender XDR alone, so a query that needs them fails here as it would in most tenants.
   * The columns marked for Defender for Identity / Cloud Apps / Endpoint P2 licensing (Manager,
   * Timestamp, …) are kept: this tenant has Defender for Endpoint.
   */
  IdentityInfo: [
    col('Timestamp', 'datetime'),
    col('ReportId', 'string'),
    col('AccountObjectId', 'string'),
    col('AccountUpn', 'string'),
    col('OnPremSid', 'string'),
    col('AccountDisplayName', 'string'),
    col('AccountName', 'string'),
    col('AccountDomain', 'string'),
    col('CriticalityLevel', 'int'),
    col('Type', 'string'),
    col('DistinguishedName', 'string'),
    col('CloudSid', 'string'),
    col('GivenName', 'string'),
    col('Surname', 'string'),
    col('Department', 'string'),
    col('JobTitle', 'string'),
    col('EmailAddress', 'string'),
    col('SipProxyAddress', 'string'),
    col('Address', 'string'),
    col('City', 'string'),
    col('Country', 'string'),
    col('IsAccountEnabled', 'bool'),
    col('Manager', 'string'),
    col('Phone', 'string'),
    col('CreatedDateTime', 'datetime'),
    col('ChangeSource', 'string'),
    col('RiskLevel', 'string'),
    col('RiskLevelDetails', 'string'),
    col('AssignedRoles', 'dynamic'),
    col('PrivilegedEntraPimRoles', 'dynamic'),
    col('TenantId', 'string'),
    col('SourceSystem', 'string'),
    col('OnPremObjectId', 'string'),
    col('TenantMembershipType', 'string'),
    col('RiskStatus', 'string'),
    col('UserAccountControl', 'string'),
    col('IdentityEnvironment', 'string'),
    col('SourceProviders', 'dynamic'),
  ],
} as const;

export type HuntingTableName = keyof typeof HUNTING_SCHEMAS;
export const HUNTING_TABLE_NAMES: readonly HuntingTableName[] = ['AlertInfo', 'AlertEvidence', 'DataSecurityBehaviors', 'DataSecurityEvents', 'IdentityInfo'];
export type ColumnName<T extends HuntingTableName> = (typeof HUNTING_SCHEMAS)[T][number]['name'];
export type HuntingRow = Record<string, Json>;
export type HuntingTables = Record<HuntingTableName, HuntingRow[]>;

/** DeviceSourceLocationType / DeviceDestinationLocationType values. */
export const LOCATION_TYPE = { unknown: 0, local: 1, remote: 2, removable: 3, cloud: 4, fileShare: 5 } as const;

export function createHuntingTables(): HuntingTables {
  return { AlertInfo: [], AlertEvidence: [], DataSecurityBehaviors: [], DataSecurityEvents: [], IdentityInfo: [] };
}

/** A complete row: every column present, strings default to '', everything else to null. */
export function huntingRow<T extends HuntingTableName>(table: T, values: Partial<Record<ColumnName<T>, Json>>): HuntingRow {
  const row: HuntingRow = {};
  const given: Partial<Record<string, Json>> = values;
  for (const column of HUNTING_SCHEMAS[table]) {
    const value = given[column.name];
    row[column.name] = value === undefined ? (column.type === 'string' ? '' : null) : value;
  }
  return row;
}

/**
 * How advanced hunting names the services and detection sources: in words, not Graph's enum.
 * The table pages document the columns ("Product or service that provided the alert
 * information", https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-alertinfo-table
 * and …-alertevidence-table) but not their values. The one value Microsoft shows verbatim is
 * `ServiceSource == "Microsoft Defender for Endpoint"` (*Migrate advanced hunting queries from
 * Microsoft Defender for Endpoint*, https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-migrate-from-mde),
 * kept as written. Every other word here is NOT documented: the ServiceSource words for Insider
 * Risk Management, Entra ID Protection and Data Loss Prevention, and all the DetectionSource
 * words (`EDR` included). They are plausible display names, so a hunt should not depend on them
 * matching what a real tenant holds.
 */
export const HUNTING_SOURCE_WORDS = {
  microsoftInsiderRiskManagement: { service: 'Microsoft Insider Risk Management', detection: 'Microsoft Insider Risk Management' },
  microsoftDefenderForEndpoint: { service: 'Microsoft Defender for Endpoint', detection: 'EDR' },
  azureAdIdentityProtection: { service: 'Microsoft Entra ID Protection', detection: 'Microsoft Entra ID Protection' },
  dataLossPrevention: { service: 'Microsoft Data Loss Prevention', detection: 'Microsoft Data Loss Prevention' },
} as const;
export type HuntingSource = keyof typeof HUNTING_SOURCE_WORDS;

const SEVERITY_WORDS: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low', informational: 'Informational' };

/** What the tables need to know about an alert. */
export interface AlertFacts {
  id: string;
  title: string;
  category: string;
  severity: string;
  source: HuntingSource;
  createdDateTime: string;
  firstActivityDateTime: string;
  lastActivityDateTime: string;
  mitreTechniques: readonly string[];
  /** For IRM alerts: the policy template the alert came from, which decides the activity. */
  irmPolicy?: IrmPolicy;
}

export interface IrmPolicy {
  name: string;
  /** DataSecurityEvents ActionTypes this policy's alerts are made of, in a plausible order. */
  actions: readonly DataSecurityAction[];
  behaviors: readonly { actionType: string; category: string; description: string }[];
}

export type DataSecurityAction =
  | 'FileArchived'
  | 'FileUploaded'
  | 'FileUploadedToCloud'
  | 'FileCopiedToRemovableMedia'
  | 'FilePrinted'
  | 'SensitivityLabelDowngraded'
  | 'SensitivityLabelRemoved'
  | 'FileDownloaded'
  | 'FileCopiedToNetworkShare';

const LABELS = {
  highlyConfidential: 'e3a1c4b2-7f6d-4f4b-9a51-0c2b6d8e9f10',
  confidential: '9fbde396-1a24-4c79-8edf-9254a0f35055',
  general: '1f6c2c8e-3b1a-4f0e-8a3d-5d2c7b9e4a61',
} as const;

const DOCUMENTS = [
  ['Project_Falcon_Roadmap', 'pptx'],
  ['Q3_Financial_Forecast', 'xlsx'],
  ['Customer_List_EMEA', 'xlsx'],
  ['Mark8_Product_Specs', 'docx'],
  ['Salary_Bands_2025', 'xlsx'],
  ['Merger_Due_Diligence', 'docx'],
  ['Source_Code_Backup', 'zip'],
  ['Pricing_Strategy', 'pptx'],
  ['Board_Minutes_Confidential', 'pdf'],
  ['Vendor_Contracts', 'pdf'],
] as const;
const CLOUD_DOMAINS = ['drive.google.com', 'www.dropbox.com', 'wetransfer.com', 'mega.nz'] as const;
const USB = [
  ['SanDisk', 'Ultra Fit'],
  ['Kingston', 'DataTraveler'],
  ['Samsung', 'BAR Plus'],
] as const;
const PRINTERS = ['HP LaserJet M607 (Floor 3)', 'Canon iR-ADV C5560 (Reception)', 'Xerox VersaLink C405 (Floor 5)'] as const;
const SENSITIVE_TYPES = [
  ['50842eb7-edc8-4019-85dd-5a5c1f2bb085', 'Credit Card Number'],
  ['a44669fe-0d48-453d-a9b1-2cc83f2cba77', 'U.S. Social Security Number (SSN)'],
  ['e591b5b9-1c5f-4b1e-9b3a-0b5c1d2e3f40', 'Contoso Project Codenames'],
] as const;

function sha256(random: Random): string {
  return random.hex(64);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One AlertInfo row per alert and AlertEvidence for its user (and device for endpoint alerts); IRM alerts also bring the activity behind them. */
/** The file an IRM alert's activity was about, as its evidence names it (none for other tools' alerts). */
export interface EvidenceFile {
  fileName: string;
  filePath: string;
  sha256: string;
}

export function addAlertRows(tables: HuntingTables, alert: AlertFacts, user: DirectoryUser, random: Random): EvidenceFile | undefined {
  const words = HUNTING_SOURCE_WORDS[alert.source];
  const severity = SEVERITY_WORDS[alert.severity] ?? 'Unknown';
  const attackTechniques = alert.mitreTechniques.length > 0 ? JSON.stringify(alert.mitreTechniques) : '';
  tables.AlertInfo.push(
    huntingRow('AlertInfo', {
      Timestamp: alert.createdDateTime,
      AlertId: alert.id,
      Title: alert.title,
      Category: alert.category,
      Severity: severity,
      ServiceSource: words.service,
      DetectionSource: words.detection,
      AttackTechniques: attackTechniques,
    }),
  );
  const evidenceBase = {
    Timestamp: alert.createdDateTime,
    AlertId: alert.id,
    Title: alert.title,
    Categories: JSON.stringify([alert.category]),
    ServiceSource: words.service,
    DetectionSource: words.detection,
    Severity: severity,
  };
  const [accountName, accountDomain] = user.upn.split('@');
  tables.AlertEvidence.push(
    huntingRow('AlertEvidence', {
      ...evidenceBase,
      EntityType: 'User',
      EvidenceRole: 'Impacted',
      AccountName: accountName ?? user.upn,
      AccountDomain: accountDomain ?? '',
      AccountObjectId: user.objectId,
      AccountUpn: user.upn,
      AdditionalFields: JSON.stringify({ DisplayName: user.displayName, Department: user.department }),
    }),
  );
  if (alert.source === 'microsoftDefenderForEndpoint') {
    tables.AlertEvidence.push(
      huntingRow('AlertEvidence', {
        ...evidenceBase,
        EntityType: 'Machine',
        EvidenceRole: 'Impacted',
        DeviceId: user.deviceId,
        DeviceName: `${user.deviceName.toLowerCase()}.contoso.com`,
        AdditionalFields: JSON.stringify({ OSPlatform: 'Windows11', MachineGroup: 'Contoso Laptops' }),
      }),
    );
  }
  if (alert.source === 'azureAdIdentityProtection') {
    tables.AlertEvidence.push(
      huntingRow('AlertEvidence', {
        ...evidenceBase,
        EntityType: 'Ip',
        EvidenceRole: 'Related',
        RemoteUrl: '',
        AdditionalFields: JSON.stringify({ Address: `185.220.${random.int(100, 101)}.${random.int(1, 254)}`, CountryCode: random.pick(['NL', 'RO', 'BR', 'SG']) }),
      }),
    );
  }
  return alert.irmPolicy ? addIrmActivity(tables, alert, alert.irmPolicy, user, random, evidenceBase) : undefined;
}

/** The activity an IRM alert was raised on: events between its first and last activity, and the behaviours IRM saw in them. */
function addIrmActivity(tables: HuntingTables, alert: AlertFacts, policy: IrmPolicy, user: DirectoryUser, random: Random, evidenceBase: Partial<Record<ColumnName<'AlertEvidence'>, Json>>): EvidenceFile {
  const start = Date.parse(alert.firstActivityDateTime);
  const end = Date.parse(alert.lastActivityDateTime);
  const policyMatch = { PolicyName: policy.name, PolicyId: random.guid(), AlertId: alert.id, RiskScore: random.int(60, 99) };
  const [base, extension] = random.pick(DOCUMENTS);
  const archive = `${base}.zip`;
  const actions = policy.actions;
  const step = actions.length > 1 ? (end - start) / (actions.length - 1) : 0;
  actions.forEach((action, i) => {
    const at = iso(Math.round(start + step * i));
    const fileName = action === 'FileArchived' || action === 'FileUploaded' || action === 'FileUploadedToCloud' ? archive : `${base}.${extension}`;
    tables.DataSecurityEvents.push(dataSecurityEvent(action, at, fileName, user, random, policyMatch));
  });
  // The file the activity was about is evidence on the alert too.
  const evidenceFile = actions.some((a) => a === 'FileArchived' || a === 'FileUploaded' || a === 'FileUploadedToCloud') ? archive : `${base}.${extension}`;
  const file: EvidenceFile = { fileName: evidenceFile, filePath: `C:\\Users\\${user.upn.split('@')[0] ?? 'user'}\\Documents`, sha256: sha256(random) };
  tables.AlertEvidence.push(
    huntingRow('AlertEvidence', {
      ...evidenceBase,
      EntityType: 'File',
      EvidenceRole: 'Related',
      FileName: file.fileName,
      FolderPath: file.filePath,
      SHA256: file.sha256,
      AccountUpn: user.upn,
      DeviceId: user.deviceId,
      DeviceName: user.deviceName,
    }),
  );
  policy.behaviors.forEach((behavior, i) => {
    tables.DataSecurityBehaviors.push(
      huntingRow('DataSecurityBehaviors', {
        Timestamp: alert.lastActivityDateTime,
        StartTime: alert.firstActivityDateTime,
        EndTime: alert.lastActivityDateTime,
        BehaviorId: random.guid(),
        ActionType: behavior.actionType,
        Categories: JSON.stringify([behavior.category]),
        Description: `${behavior.description} by ${user.displayName}`,
        ServiceSource: HUNTING_SOURCE_WORDS.microsoftInsiderRiskManagement.service,
        DetectionSource: 'Insider Risk Management',
        AccountUpn: user.upn,
        AccountEmail: user.upn,
        Application: i === 0 ? 'Microsoft Defender for Endpoint' : 'SharePoint Online',
        ActivityCount: random.int(8, 240),
        // The first behaviour is what made IRM raise the alert; the rest are context.
        IsAnomalous: i === 0 || random.chance(0.5),
        DeviceInfo: { DeviceName: user.deviceName, DeviceId: user.deviceId, IsManaged: true },
        SensitivityLabelInfo: { LabelId: LABELS.highlyConfidential, LabelName: 'Highly Confidential' },
        RemovableMediaInfo: actions.includes('FileCopiedToRemovableMedia') ? { Manufacturer: 'SanDisk', SerialNumber: random.hex(12).toUpperCase() } : null,
      }),
    );
  });
  return file;
}

function dataSecurityEvent(
  action: DataSecurityAction,
  at: string,
  fileName: string,
  user: DirectoryUser,
  random: Random,
  policyMatch: Record<string, Json> | null,
): HuntingRow {
  const local = `C:\\Users\\${user.upn.split('@')[0] ?? 'user'}\\Documents\\${fileName}`;
  const sensitive = random.pick(SENSITIVE_TYPES);
  const common = {
    Timestamp: at,
    ActionType: action,
    AccountUpn: user.upn,
    AccountObjectId: user.objectId,
    Department: user.department,
    DeviceName: user.deviceName,
    DeviceId: user.deviceId,
    ObjectName: fileName,
    FileName: fileName,
    ObjectType: 'File',
    ObjectSize: random.int(40_000, 250_000_000),
    Operation: action,
    SensitivityLabelId: LABELS.confidential,
    SensitiveInfoTypeInfo: policyMatch ? [{ SensitiveInfoTypeId: sensitive[0], SensitiveInfoTypeName: sensitive[1], Count: random.int(1, 400) }] : [],
    IrmPolicyMatchInfo: policyMatch,
    DlpPolicyMatchInfo: null,
    IsManagedDevice: true,
    IPAddress: user.ipAddress,
  };
  switch (action) {
    case 'FileArchived':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: local, DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.local });
    case 'FileUploaded': {
      const site = `https://contoso-my.sharepoint.com/personal/${user.upn.replace(/[@.]/g, '_')}`;
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'OneDrive', SiteUrl: site, SourceRelativeUrl: `Documents/${fileName}`, TargetUrlDomain: 'contoso-my.sharepoint.com', DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.cloud });
    }
    case 'FileUploadedToCloud':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: local, TargetUrlDomain: random.pick(CLOUD_DOMAINS), DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.cloud });
    case 'FileCopiedToRemovableMedia': {
      const [maker] = random.pick(USB);
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: `E:\\${fileName}`, RemovableMediaManufacturer: maker, RemovableMediaSerialNumber: random.hex(12).toUpperCase(), DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.removable });
    }
    case 'FilePrinted':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: local, PrinterName: random.pick(PRINTERS), DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.unknown });
    case 'SensitivityLabelDowngraded':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'SharePoint', SensitivityLabelId: LABELS.general, PreviousSensitivityLabelId: LABELS.highlyConfidential, SiteUrl: 'https://contoso.sharepoint.com/sites/Strategy' });
    case 'SensitivityLabelRemoved':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: local, SensitivityLabelId: '', PreviousSensitivityLabelId: LABELS.confidential, DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.local });
    case 'FileDownloaded':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'SharePoint', SiteUrl: 'https://contoso.sharepoint.com/sites/Finance', SourceRelativeUrl: `Shared Documents/${fileName}`, DeviceSourceLocationType: LOCATION_TYPE.cloud, DeviceDestinationLocationType: LOCATION_TYPE.local });
    case 'FileCopiedToNetworkShare':
      return huntingRow('DataSecurityEvents', { ...common, Workload: 'Endpoint', TargetFilePath: `\\\\fs01.contoso.com\\share\\${fileName}`, DeviceSourceLocationType: LOCATION_TYPE.local, DeviceDestinationLocationType: LOCATION_TYPE.fileShare });
  }
}

const BACKGROUND_ACTIONS: readonly DataSecurityAction[] = ['FileUploaded', 'FilePrinted', 'FileDownloaded', 'FileCopiedToNetworkShare', 'FileArchived'];

/** Ordinary work by everyone: events no alert points at, and behaviours IRM did not find anomalous. */
export function addBackgroundActivity(tables: HuntingTables, users: readonly DirectoryUser[], random: Random, fromMs: number, toMs: number): void {
  for (const user of users) {
    const count = random.int(3, 6);
    for (let i = 0; i < count; i++) {
      const at = iso(random.int(fromMs, toMs));
      const [base, extension] = random.pick(DOCUMENTS.filter(([, ext]) => ext !== 'zip'));
      const action = random.pick(BACKGROUND_ACTIONS);
      const fileName = action === 'FileArchived' ? `${base}.zip` : `${base}.${extension}`;
      tables.DataSecurityEvents.push(dataSecurityEvent(action, at, fileName, user, random, null));
    }
    const start = random.int(fromMs, toMs - 3_600_000);
    tables.DataSecurityBehaviors.push(
      huntingRow('DataSecurityBehaviors', {
        Timestamp: iso(start + 3_600_000),
        StartTime: iso(start),
        EndTime: iso(start + 3_600_000),
        BehaviorId: random.guid(),
        ActionType: 'FileActivity',
        Categories: JSON.stringify(['Collection']),
        Description: `Routine file activity by ${user.displayName}`,
        ServiceSource: HUNTING_SOURCE_WORDS.microsoftInsiderRiskManagement.service,
        DetectionSource: 'Insider Risk Management',
        AccountUpn: user.upn,
        AccountEmail: user.upn,
        Application: 'SharePoint Online',
        ActivityCount: random.int(1, 30),
        IsAnomalous: false,
        DeviceInfo: { DeviceName: user.deviceName, DeviceId: user.deviceId, IsManaged: true },
        SensitivityLabelInfo: null,
        RemovableMediaInfo: null,
      }),
    );
  }
}

const OFFICES = [
  ['One Microsoft Way', 'Redmond', 'United States'],
  ['Kings Place, 90 York Way', 'London', 'United Kingdom'],
  ['Schiphol Boulevard 403', 'Amsterdam', 'Netherlands'],
] as const;

/**
 * A directory user's IdentityInfo row, as Defender writes one when it learns of the account
 * (Microsoft writes another on a change or after 24 hours; one row a user is enough here).
 * Drawn from the user's own UPN, not the tenant's PRNG, so adding the table changed no other
 * seeded row. The page documents no format for `Manager`: this tenant gives the manager's
 * display name, and an empty string for no manager. `RiskLevel` is Entra ID Protection's, not
 * Insider Risk Management's (whose user risk Defender does not carry).
 */
export function identityInfoRow(user: DirectoryUser, manager: DirectoryUser | undefined, atMs: number, tenantId: string): HuntingRow {
  const random = createRandom(hashString(`identity:${user.upn}`));
  const [accountName] = user.upn.split('@');
  const [givenName = '', ...rest] = user.displayName.split(/\s+/);
  const [address, city, country] = random.pick(OFFICES);
  const rid = random.int(1100, 9999);
  return huntingRow('IdentityInfo', {
    // Written some hours before it is first read, within the last day.
    Timestamp: iso(atMs - random.int(1, 20) * 3_600_000),
    ReportId: random.guid(),
    AccountObjectId: user.objectId,
    AccountUpn: user.upn,
    OnPremSid: `S-1-5-21-1004336348-1177238915-682003330-${rid}`,
    AccountDisplayName: user.displayName,
    AccountName: accountName ?? user.upn,
    AccountDomain: TENANT_DOMAIN,
    Type: 'User',
    DistinguishedName: `CN=${user.displayName},OU=${user.department.replace(/,/g, '\\,')},OU=Users,DC=contoso,DC=com`,
    CloudSid: `S-1-12-1-${random.int(1_000_000_000, 4_000_000_000)}-${random.int(1_000_000_000, 4_000_000_000)}-${random.int(1_000_000_000, 4_000_000_000)}-${random.int(1_000_000_000, 4_000_000_000)}`,
    GivenName: givenName,
    Surname: rest.join(' '),
    Department: user.department,
    JobTitle: user.jobTitle,
    EmailAddress: user.upn,
    SipProxyAddress: user.upn,
    Address: address,
    City: city,
    Country: country,
    IsAccountEnabled: true,
    Manager: manager?.displayName ?? '',
    Phone: `+1 425 555 ${String(random.int(100, 9999)).padStart(4, '0')}`,
    CreatedDateTime: iso(atMs - random.int(200, 2_000) * 86_400_000),
    ChangeSource: 'System-UserPersistence',
    RiskLevel: '',
    RiskLevelDetails: '',
    AssignedRoles: [],
    PrivilegedEntraPimRoles: [],
    TenantId: tenantId,
    SourceSystem: '',
    OnPremObjectId: random.guid(),
    TenantMembershipType: 'Member',
    RiskStatus: 'None',
    UserAccountControl: '',
    IdentityEnvironment: 'Hybrid',
    SourceProviders: ['ActiveDirectory', 'EntraID'],
  });
}
