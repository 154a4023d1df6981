/** The embedded tenant's stored records: what Defender keeps, before it is shaped for Graph. */
import type { AlertStatus, Classification, DetectionSource, Determination, IncidentStatus, ServiceSource, Severity } from './graph-model.js';
import type { IrmStatus } from './irm.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Sources an admin may group with IRM alerts in an incident. */
export const OTHER_SOURCES = ['microsoftDefenderForEndpoint', 'azureAdIdentityProtection', 'dataLossPrevention'] as const;
export type OtherSource = (typeof OTHER_SOURCES)[number];
export type AlertSource = OtherSource | 'microsoftInsiderRiskManagement';

export const DETECTION_SOURCE_OF: Record<AlertSource, DetectionSource> = {
  microsoftInsiderRiskManagement: 'microsoftInsiderRiskManagement',
  microsoftDefenderForEndpoint: 'microsoftDefenderForEndpoint',
  azureAdIdentityProtection: 'azureAdIdentityProtection',
  dataLossPrevention: 'microsoftDataLossPrevention',
};

export interface CommentRecord {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
}

/** The IRM side of an IRM alert: the value Purview shows now, and the one it will show once the sync has run. */
export interface IrmSync {
  synced: IrmStatus;
  pending: { status: IrmStatus; dueMs: number } | null;
}

export interface AlertRecord {
  /** Insertion order: the tie-breaker that keeps paging stable. */
  seq: number;
  id: string;
  providerAlertId: string;
  incidentId: string;
  title: string;
  description: string;
  category: string;
  recommendedActions: string;
  severity: Severity;
  status: AlertStatus;
  classification: Classification;
  determination: Determination;
  serviceSource: ServiceSource;
  detectionSource: DetectionSource;
  productName: string;
  detectorId: string;
  alertPolicyId: string | null;
  assignedTo: string | null;
  createdDateTime: string;
  lastUpdateDateTime: string;
  firstActivityDateTime: string;
  lastActivityDateTime: string;
  resolvedDateTime: string | null;
  mitreTechniques: string[];
  comments: CommentRecord[];
  evidence: { [key: string]: Json }[];
  irm: IrmSync | null;
}

export interface IncidentRecord {
  seq: number;
  id: string;
  displayName: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  classification: Classification;
  determination: Determination;
  assignedTo: string | null;
  customTags: string[];
  systemTags: string[];
  comments: CommentRecord[];
  resolvingComment: string | null;
  lastModifiedBy: string | null;
  createdDateTime: string;
  lastUpdateDateTime: string;
  alertIds: string[];
}
