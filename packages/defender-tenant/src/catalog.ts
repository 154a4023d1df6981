/** What alerts look like per source: titles, descriptions, categories and MITRE techniques, and the IRM policies behind IRM alerts. */
import type { DirectoryUser } from './directory.js';
import type { IrmPolicy } from './hunting-tables.js';
import type { AlertSource } from './records.js';

export interface AlertTemplate {
  title: string;
  category: string;
  mitreTechniques: readonly string[];
  describe(user: DirectoryUser): string;
  recommendedActions: string;
  irmPolicy?: IrmPolicy;
}

export const IRM_TEMPLATES: readonly AlertTemplate[] = [
  {
    title: 'Data exfiltration by departing user',
    category: 'Exfiltration',
    mitreTechniques: ['T1560', 'T1567', 'T1052'],
    describe: (u) => `${u.displayName} downloaded, archived and uploaded sensitive files to personal cloud storage after their resignation date was recorded in HR.`,
    recommendedActions: 'Review the user activity timeline in Insider Risk Management, confirm the HR departure date and contact the user\'s manager.',
    irmPolicy: {
      name: 'Data theft by departing users',
      actions: ['FileDownloaded', 'FileArchived', 'FileUploaded', 'FileUploadedToCloud', 'FileCopiedToRemovableMedia'],
      behaviors: [
        { actionType: 'SequenceDownloadArchiveExfiltrate', category: 'Exfiltration', description: 'Sequence of download, archive and exfiltration' },
        { actionType: 'CumulativeExfiltrationActivity', category: 'Exfiltration', description: 'Cumulative exfiltration well above peers' },
      ],
    },
  },
  {
    title: 'Sensitive files copied to USB',
    category: 'Exfiltration',
    mitreTechniques: ['T1052.001', 'T1560'],
    describe: (u) => `${u.displayName} removed sensitivity labels from files and copied them to a removable USB device.`,
    recommendedActions: 'Check whether the device is approved, and review the files copied in Activity explorer.',
    irmPolicy: {
      name: 'Data leaks - removable media',
      actions: ['SensitivityLabelRemoved', 'FileArchived', 'FileCopiedToRemovableMedia', 'FileCopiedToRemovableMedia'],
      behaviors: [{ actionType: 'UnusualVolumeCopiedToRemovableMedia', category: 'Exfiltration', description: 'Unusual volume of files copied to USB' }],
    },
  },
  {
    title: 'Risky browsing',
    category: 'SuspiciousActivity',
    mitreTechniques: ['T1567.002'],
    describe: (u) => `${u.displayName} browsed to file-sharing and hacking sites and uploaded files to an unsanctioned cloud service.`,
    recommendedActions: 'Review the browsed domains and uploaded files; consider blocking the domains with web content filtering.',
    irmPolicy: {
      name: 'Risky browsing usage',
      actions: ['FileDownloaded', 'FileUploadedToCloud'],
      behaviors: [{ actionType: 'BrowsedToRiskyWebsites', category: 'RiskyBrowsing', description: 'Browsing to potentially risky websites' }],
    },
  },
  {
    title: 'Data leak by priority user',
    category: 'Exfiltration',
    mitreTechniques: ['T1567', 'T1020'],
    describe: (u) => `${u.displayName}, a member of the Priority users group, downgraded a sensitivity label, printed and uploaded confidential documents.`,
    recommendedActions: 'Priority user: involve the IRM investigator before contacting the user.',
    irmPolicy: {
      name: 'Data leaks by priority users',
      actions: ['SensitivityLabelDowngraded', 'FilePrinted', 'FileUploaded', 'FileUploadedToCloud'],
      behaviors: [
        { actionType: 'SensitivityLabelDowngradeThenExfiltration', category: 'Exfiltration', description: 'Sensitivity label downgraded then exfiltrated' },
        { actionType: 'UnusualPrintingVolume', category: 'Exfiltration', description: 'Unusual volume of printing' },
      ],
    },
  },
  {
    title: 'Security policy violation',
    category: 'DefenseEvasion',
    mitreTechniques: ['T1562', 'T1560'],
    describe: (u) => `${u.displayName} removed sensitivity labels and moved archived files to a network share in violation of the security policy.`,
    recommendedActions: 'Confirm whether the files were needed for business, and remind the user of the security policy.',
    irmPolicy: {
      name: 'Security policy violations',
      actions: ['SensitivityLabelRemoved', 'FileArchived', 'FileCopiedToNetworkShare'],
      behaviors: [{ actionType: 'SecurityControlEvasion', category: 'DefenseEvasion', description: 'Security control evasion' }],
    },
  },
  {
    title: 'Data leak',
    category: 'Exfiltration',
    mitreTechniques: ['T1567'],
    describe: (u) => `${u.displayName} printed and shared documents containing sensitive information types outside the usual pattern.`,
    recommendedActions: 'Review the printed and shared documents in Activity explorer.',
    irmPolicy: {
      name: 'General data leaks',
      actions: ['FilePrinted', 'FilePrinted', 'FileUploaded'],
      behaviors: [{ actionType: 'UnusualPrintingVolume', category: 'Exfiltration', description: 'Unusual volume of printing' }],
    },
  },
];

const OTHER_TEMPLATES: Record<Exclude<AlertSource, 'microsoftInsiderRiskManagement'>, readonly AlertTemplate[]> = {
  microsoftDefenderForEndpoint: [
    {
      title: 'Suspicious archive creation',
      category: 'Collection',
      mitreTechniques: ['T1560.001'],
      describe: (u) => `A compression utility created a large password-protected archive on ${u.deviceName}.`,
      recommendedActions: 'Inspect the archive contents and the process tree on the device.',
    },
    {
      title: 'Possible exfiltration of archived data',
      category: 'Exfiltration',
      mitreTechniques: ['T1048', 'T1567'],
      describe: (u) => `An archive created on ${u.deviceName} was uploaded to an external web service shortly after creation.`,
      recommendedActions: 'Block the destination if unsanctioned and review the uploaded files.',
    },
    {
      title: 'Suspicious PowerShell command line',
      category: 'Execution',
      mitreTechniques: ['T1059.001'],
      describe: (u) => `An encoded PowerShell command enumerated file shares on ${u.deviceName}.`,
      recommendedActions: 'Decode the command line and check for further execution on the device.',
    },
  ],
  azureAdIdentityProtection: [
    {
      title: 'Unfamiliar sign-in properties',
      category: 'InitialAccess',
      mitreTechniques: ['T1078'],
      describe: (u) => `A sign-in for ${u.upn} came from properties not seen recently for this user.`,
      recommendedActions: 'Confirm the sign-in with the user; require a password reset if it was not them.',
    },
    {
      title: 'Anonymous IP address',
      category: 'InitialAccess',
      mitreTechniques: ['T1090.003'],
      describe: (u) => `${u.upn} signed in from an anonymous proxy IP address.`,
      recommendedActions: 'Review the sign-in logs for the user and block anonymous IP ranges with Conditional Access.',
    },
    {
      title: 'Atypical travel',
      category: 'InitialAccess',
      mitreTechniques: ['T1078'],
      describe: (u) => `${u.upn} signed in from two distant locations within a time too short to travel between them.`,
      recommendedActions: 'Confirm the locations with the user.',
    },
  ],
  dataLossPrevention: [
    {
      title: "DLP policy (Contoso Confidential Data) matched for document in OneDrive",
      category: 'Exfiltration',
      mitreTechniques: [],
      describe: (u) => `A document shared externally from ${u.displayName}'s OneDrive matched the Contoso Confidential Data policy.`,
      recommendedActions: 'Review the match in the DLP alerts dashboard and revoke the external share if needed.',
    },
    {
      title: 'DLP policy (U.S. Financial Data) matched for email',
      category: 'Exfiltration',
      mitreTechniques: [],
      describe: (u) => `An email from ${u.upn} to an external recipient contained credit card numbers.`,
      recommendedActions: 'Review the message in the DLP alerts dashboard.',
    },
  ],
};

export function templatesFor(source: AlertSource): readonly AlertTemplate[] {
  return source === 'microsoftInsiderRiskManagement' ? IRM_TEMPLATES : OTHER_TEMPLATES[source];
}

/** The IRM template whose title matches, else one chosen by a keyword in it, else null. */
export function irmTemplateForTitle(title: string): AlertTemplate | null {
  const lower = title.toLowerCase();
  const exact = IRM_TEMPLATES.find((t) => t.title.toLowerCase() === lower);
  if (exact) return exact;
  const keyword: [RegExp, string][] = [
    [/usb|removable/, 'Sensitive files copied to USB'],
    [/depart|exfiltrat|resign/, 'Data exfiltration by departing user'],
    [/brows/, 'Risky browsing'],
    [/priority/, 'Data leak by priority user'],
    [/policy|violation/, 'Security policy violation'],
    [/leak/, 'Data leak'],
  ];
  const hit = keyword.find(([pattern]) => pattern.test(lower));
  return hit ? (IRM_TEMPLATES.find((t) => t.title === hit[1]) ?? null) : null;
}

export const PRODUCT_NAMES: Record<AlertSource, string> = {
  microsoftInsiderRiskManagement: 'Microsoft Purview Insider Risk Management',
  microsoftDefenderForEndpoint: 'Microsoft Defender for Endpoint',
  azureAdIdentityProtection: 'Microsoft Entra ID Protection',
  dataLossPrevention: 'Microsoft Data Loss Prevention',
};

/** Category names as the incident title words them. */
export const CATEGORY_WORDS: Record<string, string> = {
  Exfiltration: 'Exfiltration',
  InitialAccess: 'Initial access',
  Collection: 'Collection',
  Execution: 'Execution',
  SuspiciousActivity: 'Suspicious activity',
  DefenseEvasion: 'Defense evasion',
};
