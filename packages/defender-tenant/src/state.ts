/**
 * The embedded tenant's in-memory Defender: incidents and alerts keyed by id, the IRM side of
 * IRM alerts, the hunting tables, and the rules Defender applies when either is changed
 * (an alert change recomputes its incident; an incident change flows down to its alerts).
 *
 * Everything is timed by the injected clock. Lookups are by Map; a list is one filter pass and
 * one sort, so 100k alerts stay fine.
 */
import {
  ALERT_STATUS,
  CLASSIFICATION,
  DETECTION_SOURCE,
  DETERMINATION,
  INCIDENT_STATUS,
  SERVICE_SOURCE,
  SEVERITY,
  visibleMember,
  type AlertStatus,
  type Classification,
  type Determination,
  type IncidentStatus,
  type Severity,
} from './graph-model.js';
import { irmStatusFor, type IrmStatus } from './irm.js';
import { CATEGORY_WORDS, PRODUCT_NAMES, irmTemplateForTitle, templatesFor, type AlertTemplate } from './catalog.js';
import { Directory, type DirectoryUser } from './directory.js';
import { notFound } from './graph-error.js';
import { addAlertRows, createHuntingTables, identityInfoRow, type HuntingTables } from './hunting-tables.js';
import { createRandom, type Random } from './prng.js';
import { DETECTION_SOURCE_OF, type AlertRecord, type AlertSource, type CommentRecord, type IncidentRecord, type Json, type OtherSource } from './records.js';

/** Graph PATCHes are app-only: Defender records the app's name as the author. */
export const APP_NAME = 'IRM Triage Bot';
export const DEFAULT_PORTAL_USER = 'portal.analyst@contoso.com';
export const DEFAULT_TENANT_ID = '6f1c3a52-8d4e-4b7a-9c21-3e5f7a9b0d14';
export const FIRST_INCIDENT_ID = 2101;

export interface TenantStateOptions {
  seed: number;
  now: () => Date;
  tenantId: string;
  irmSyncDelaySeconds: number;
}

export interface NewIncident {
  severity: Severity;
  /** Title of the IRM alerts; a policy template is chosen to match it. */
  title?: string;
  user: DirectoryUser;
  irmAlerts: number;
  otherSources: readonly OtherSource[];
  createdAtMs: number;
  /** Seed use: pick this IRM template rather than one from the title or at random. */
  template?: AlertTemplate;
}

export interface IrmView {
  alertId: string;
  irmStatus: IrmStatus;
  pendingIrmStatus?: IrmStatus;
  syncDueAt?: string;
}

/** A change to an alert: what *Update alert* may send, or a portal analyst may do. */
export interface AlertChange {
  status?: AlertStatus;
  classification?: Classification;
  determination?: Determination;
  assignedTo?: string | null;
}

/** A change to an incident: what *Update incident* may send, and what the portal (the seed) may also set. */
export interface IncidentChange {
  status?: IncidentStatus;
  classification?: Classification;
  determination?: Determination;
  assignedTo?: string | null;
  customTags?: readonly string[];
  displayName?: string;
  severity?: Severity;
  resolvingComment?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export class TenantState {
  readonly tenantId: string;
  readonly now: () => Date;
  readonly irmSyncDelayMs: number;
  private readonly seed: number;
  alerts = new Map<string, AlertRecord>();
  incidents = new Map<string, IncidentRecord>();
  hunting: HuntingTables = createHuntingTables();
  directory = new Directory();
  random: Random;
  private seq = 0;
  private nextIncidentNumber = FIRST_INCIDENT_ID;

  constructor(options: TenantStateOptions) {
    this.tenantId = options.tenantId;
    this.now = options.now;
    this.seed = options.seed;
    this.irmSyncDelayMs = Math.max(0, options.irmSyncDelaySeconds) * 1000;
    this.random = createRandom(options.seed);
    this.recordIdentities(this.directory.all());
  }

  /** Forget everything; the PRNG restarts so a reseed repeats exactly. */
  clear(): void {
    this.alerts = new Map();
    this.incidents = new Map();
    this.hunting = createHuntingTables();
    this.directory = new Directory();
    this.random = createRandom(this.seed);
    this.seq = 0;
    this.nextIncidentNumber = FIRST_INCIDENT_ID;
    this.recordIdentities(this.directory.all());
  }

  /**
   * The directory's user with that UPN; one Defender has not met yet joins the directory, and
   * its identity data (IdentityInfo) with it, as an Entra account would.
   */
  user(upn: string, displayName?: string): DirectoryUser {
    const { user, added } = this.directory.resolve(upn, displayName);
    if (added) this.recordIdentities([user]);
    return user;
  }

  /** IdentityInfo rows for users the directory holds (with their managers by display name). */
  private recordIdentities(users: readonly DirectoryUser[]): void {
    const at = this.nowMs();
    for (const user of users) {
      const manager = user.managerUpn === null ? undefined : this.directory.get(user.managerUpn);
      this.hunting.IdentityInfo.push(identityInfoRow(user, manager, at, this.tenantId));
    }
  }

  nowMs(): number {
    return this.now().getTime();
  }

  getAlert(id: string): AlertRecord {
    const alert = this.alerts.get(id);
    if (!alert) throw notFound(`Alert with id '${id}' was not found.`);
    return alert;
  }

  getIncident(id: string): IncidentRecord {
    const incident = this.incidents.get(id);
    if (!incident) throw notFound(`Incident with id '${id}' was not found.`);
    return incident;
  }

  alertsOf(incident: IncidentRecord): AlertRecord[] {
    return incident.alertIds.map((id) => this.getAlert(id));
  }

  /** An incident as Defender creates it: IRM alerts for the user, the other sources' alerts correlated into it, and the hunting rows behind them. */
  createIncident(input: NewIncident): { incident: IncidentRecord; alerts: AlertRecord[] } {
    const random = this.random;
    const incidentId = String(this.nextIncidentNumber++);
    const created = iso(input.createdAtMs);
    const irmTemplate = input.template ?? (input.title ? irmTemplateForTitle(input.title) : null) ?? random.pick(templatesFor('microsoftInsiderRiskManagement'));
    const irmTitle = input.title ?? irmTemplate.title;
    const alerts: AlertRecord[] = [];
    for (let i = 0; i < input.irmAlerts; i++) {
      alerts.push(this.newAlert('microsoftInsiderRiskManagement', { ...irmTemplate, title: irmTitle }, incidentId, input.severity, input.user, input.createdAtMs));
    }
    for (const source of input.otherSources) {
      // Correlated alerts are no more severe than the incident they were grouped into.
      const rank = SEVERITY.values.get(input.severity) ?? 1;
      const severity = random.chance(0.5) || rank <= 1 ? input.severity : ((['informational', 'low', 'medium', 'high'] as const)[rank - 2] ?? input.severity);
      alerts.push(this.newAlert(source, random.pick(templatesFor(source)), incidentId, severity, input.user, input.createdAtMs));
    }
    const categories = [...new Set(alerts.map((a) => CATEGORY_WORDS[a.category] ?? a.category))];
    const multiSource = new Set(alerts.map((a) => a.serviceSource)).size > 1;
    const incident: IncidentRecord = {
      seq: this.seq++,
      id: incidentId,
      displayName: multiSource ? `Multi-stage incident involving ${categories.join(' & ')} involving one user` : `${irmTitle} involving one user`,
      description: alerts[0]?.description ?? '',
      severity: input.severity,
      status: 'active',
      classification: 'unknown',
      determination: 'unknown',
      assignedTo: null,
      customTags: [],
      systemTags: input.irmAlerts > 0 ? ['Insider risk'] : [],
      comments: [],
      resolvingComment: null,
      lastModifiedBy: null,
      createdDateTime: created,
      lastUpdateDateTime: created,
      alertIds: alerts.map((a) => a.id),
    };
    this.incidents.set(incident.id, incident);
    for (const alert of alerts) {
      this.alerts.set(alert.id, alert);
      const file = addAlertRows(
        this.hunting,
        {
          id: alert.id,
          title: alert.title,
          category: alert.category,
          severity: alert.severity,
          source: sourceOf(alert),
          createdDateTime: alert.createdDateTime,
          firstActivityDateTime: alert.firstActivityDateTime,
          lastActivityDateTime: alert.lastActivityDateTime,
          mitreTechniques: alert.mitreTechniques,
          ...(alert.serviceSource === 'microsoftInsiderRiskManagement' && irmTemplate.irmPolicy ? { irmPolicy: irmTemplate.irmPolicy } : {}),
        },
        input.user,
        random,
      );
      // The file the hunting tables name is the alert's evidence on Graph too (*fileEvidence*, v1.0).
      if (file) alert.evidence.push({ ...evidenceBase('fileEvidence', alert.createdDateTime), roles: ['related'], detectionStatus: 'detected', mdeDeviceId: null, fileDetails: { fileName: file.fileName, filePath: file.filePath, sha256: file.sha256, sha1: null, fileSize: null, filePublisher: null, signer: null, issuer: null } });
    }
    return { incident, alerts };
  }

  private newAlert(source: AlertSource, template: AlertTemplate, incidentId: string, severity: Severity, user: DirectoryUser, createdAtMs: number): AlertRecord {
    const random = this.random;
    const isIrm = source === 'microsoftInsiderRiskManagement';
    const id = this.newAlertId(source);
    const created = iso(createdAtMs);
    const first = createdAtMs - (isIrm ? random.int(2 * HOUR, 30 * HOUR) : random.int(10 * MINUTE, 2 * HOUR));
    const last = Math.max(first, createdAtMs - random.int(2 * MINUTE, 45 * MINUTE));
    const [accountName, domainName] = user.upn.split('@');
    const evidence: { [key: string]: Json }[] = [
      {
        ...evidenceBase('userEvidence', created),
        userAccount: {
          accountName: accountName ?? user.upn,
          domainName: domainName ?? '',
          userSid: null,
          azureAdUserId: user.objectId,
          userPrincipalName: user.upn,
          displayName: user.displayName,
        },
      },
    ];
    if (source === 'microsoftDefenderForEndpoint') {
      evidence.push({
        ...evidenceBase('deviceEvidence', created),
        deviceDnsName: `${user.deviceName.toLowerCase()}.contoso.com`,
        mdeDeviceId: user.deviceId,
        osPlatform: 'Windows11',
        osBuild: 22631,
        healthStatus: 'active',
        riskScore: 'medium',
        onboardingStatus: 'onboarded',
        loggedOnUsers: [{ accountName: accountName ?? user.upn, domainName: 'CONTOSO' }],
      });
    }
    return {
      seq: this.seq++,
      id,
      providerAlertId: isIrm ? random.guid() : id.replace(/^(da|aad|dl)/, ''),
      incidentId,
      title: template.title,
      description: template.describe(user),
      category: template.category,
      recommendedActions: template.recommendedActions,
      severity,
      status: 'new',
      classification: 'unknown',
      determination: 'unknown',
      serviceSource: source,
      detectionSource: DETECTION_SOURCE_OF[source],
      productName: PRODUCT_NAMES[source],
      detectorId: random.guid(),
      alertPolicyId: isIrm ? random.guid() : null,
      assignedTo: null,
      createdDateTime: created,
      lastUpdateDateTime: created,
      firstActivityDateTime: iso(first),
      lastActivityDateTime: iso(last),
      resolvedDateTime: null,
      mitreTechniques: [...template.mitreTechniques],
      comments: [],
      evidence,
      irm: isIrm ? { synced: 'Needs review', pending: null } : null,
    };
  }

  private newAlertId(source: AlertSource): string {
    for (;;) {
      const r = this.random;
      const id =
        source === 'microsoftInsiderRiskManagement'
          ? `ir${r.hex(32)}`
          : source === 'microsoftDefenderForEndpoint'
            ? `da${r.int(100_000_000, 999_999_999)}${r.int(100_000_000, 999_999_999)}_${r.int(100_000_000, 2_000_000_000)}`
            : source === 'azureAdIdentityProtection'
              ? `aad${r.hex(32)}`
              : `dl${r.hex(32)}`;
      if (!this.alerts.has(id)) return id;
    }
  }

  /** A change to one alert (Graph PATCH or the portal), then its incident follows. */
  patchAlert(id: string, patch: AlertChange, actor: string, atMs = this.nowMs()): AlertRecord {
    const alert = this.getAlert(id);
    this.applyToAlert(alert, patch, atMs);
    const incident = this.getIncident(alert.incidentId);
    this.recomputeIncident(incident, actor, atMs);
    return alert;
  }

  private applyToAlert(alert: AlertRecord, patch: AlertChange, atMs: number): void {
    if (patch.status !== undefined) this.setAlertStatus(alert, patch.status, atMs);
    if (patch.classification !== undefined) alert.classification = patch.classification;
    if (patch.determination !== undefined) alert.determination = patch.determination;
    if (patch.assignedTo !== undefined) alert.assignedTo = patch.assignedTo === '' ? null : patch.assignedTo;
    alert.lastUpdateDateTime = iso(atMs);
    this.noteDefenderChange(alert, atMs);
  }

  private setAlertStatus(alert: AlertRecord, status: AlertStatus, atMs: number): void {
    if (status === 'resolved') {
      if (alert.status !== 'resolved') alert.resolvedDateTime = iso(atMs);
    } else {
      alert.resolvedDateTime = null;
    }
    alert.status = status;
  }

  /** Defender's rule: all alerts resolved → resolved; any in progress → in progress; otherwise active. */
  private recomputeIncident(incident: IncidentRecord, actor: string, atMs: number): void {
    const alerts = this.alertsOf(incident);
    const allResolved = alerts.length > 0 && alerts.every((a) => a.status === 'resolved');
    incident.status = allResolved ? 'resolved' : alerts.some((a) => a.status === 'inProgress') ? 'inProgress' : 'active';
    if (allResolved) {
      const classifications = new Set(alerts.map((a) => a.classification));
      const [only] = classifications;
      if (classifications.size === 1 && only !== undefined) {
        incident.classification = only;
        const determinations = new Set(alerts.map((a) => a.determination));
        const [determination] = determinations;
        incident.determination = determinations.size === 1 && determination !== undefined ? determination : 'other';
      }
    }
    incident.lastUpdateDateTime = iso(atMs);
    incident.lastModifiedBy = actor;
  }

  /**
   * A change to an incident, which Defender carries down to its alerts. Graph's PATCH accepts only
   * the documented properties (checked by the route); the portal (the seed, admin paths) may also
   * set the title, severity and resolving comment.
   */
  patchIncident(id: string, patch: IncidentChange, actor: string, atMs = this.nowMs()): IncidentRecord {
    const incident = this.getIncident(id);
    if (patch.displayName !== undefined) incident.displayName = patch.displayName;
    if (patch.severity !== undefined) incident.severity = patch.severity;
    if (patch.customTags !== undefined) incident.customTags = [...patch.customTags];
    if (patch.resolvingComment !== undefined) incident.resolvingComment = patch.resolvingComment;
    if (patch.classification !== undefined) incident.classification = patch.classification;
    if (patch.determination !== undefined) incident.determination = patch.determination;
    if (patch.assignedTo !== undefined) incident.assignedTo = patch.assignedTo === '' ? null : patch.assignedTo;
    const previous = incident.status;
    if (patch.status !== undefined) incident.status = patch.status;

    const alerts = this.alertsOf(incident);
    for (const alert of alerts) {
      const change: AlertChange = {};
      if (patch.assignedTo !== undefined) change.assignedTo = patch.assignedTo;
      const nextStatus = alertStatusFollowing(incident.status, previous, alert.status, patch.status);
      if (nextStatus !== alert.status) change.status = nextStatus;
      if (incident.status === 'resolved' && (patch.status !== undefined || patch.classification !== undefined || patch.determination !== undefined)) {
        change.classification = incident.classification;
        change.determination = incident.determination;
      }
      if (Object.keys(change).length > 0) this.applyToAlert(alert, change, atMs);
    }
    incident.lastUpdateDateTime = iso(atMs);
    incident.lastModifiedBy = actor;
    return incident;
  }

  addAlertComment(id: string, comment: string, by: string, atMs = this.nowMs()): CommentRecord[] {
    return addComment(this.getAlert(id), comment, by, atMs);
  }

  /** *Create comment for incident*: answers the incident's whole comment list, as Graph does. */
  addIncidentComment(id: string, comment: string, by: string, atMs = this.nowMs()): CommentRecord[] {
    return addComment(this.getIncident(id), comment, by, atMs);
  }

  // --- The IRM side -------------------------------------------------------------------------

  /** Defender's status or classification changed: IRM will show the mapped value once the sync runs. */
  private noteDefenderChange(alert: AlertRecord, atMs: number): void {
    const irm = alert.irm;
    if (!irm) return;
    settle(irm, atMs);
    const target = irmStatusFor(alert.status, alert.classification);
    if (this.irmSyncDelayMs === 0) {
      irm.synced = target;
      irm.pending = null;
    } else if (target === irm.synced) {
      irm.pending = null;
    } else if (irm.pending?.status !== target) {
      irm.pending = { status: target, dueMs: atMs + this.irmSyncDelayMs };
    }
  }

  irmView(id: string): IrmView {
    const alert = this.getAlert(id);
    if (!alert.irm) throw notFound(`Alert '${id}' is not an Insider Risk Management alert (its source is ${alert.serviceSource}).`);
    settle(alert.irm, this.nowMs());
    const view: IrmView = { alertId: alert.id, irmStatus: alert.irm.synced };
    if (alert.irm.pending) {
      view.pendingIrmStatus = alert.irm.pending.status;
      view.syncDueAt = iso(alert.irm.pending.dueMs);
    }
    return view;
  }

  // --- Graph shapes ---------------------------------------------------------------------------

  alertView(alert: AlertRecord, preferUnknownMembers: boolean): { [key: string]: Json } {
    return {
      '@odata.type': '#microsoft.graph.security.alert',
      id: alert.id,
      providerAlertId: alert.providerAlertId,
      incidentId: alert.incidentId,
      status: visibleMember(ALERT_STATUS, alert.status, preferUnknownMembers),
      severity: visibleMember(SEVERITY, alert.severity, preferUnknownMembers),
      classification: visibleMember(CLASSIFICATION, alert.classification, preferUnknownMembers),
      determination: visibleMember(DETERMINATION, alert.determination, preferUnknownMembers),
      serviceSource: visibleMember(SERVICE_SOURCE, alert.serviceSource, preferUnknownMembers),
      detectionSource: visibleMember(DETECTION_SOURCE, alert.detectionSource, preferUnknownMembers),
      productName: alert.productName,
      detectorId: alert.detectorId,
      tenantId: this.tenantId,
      title: alert.title,
      description: alert.description,
      recommendedActions: alert.recommendedActions,
      category: alert.category,
      assignedTo: alert.assignedTo,
      alertWebUrl: `https://security.microsoft.com/alerts/${encodeURIComponent(alert.id)}?tid=${this.tenantId}`,
      incidentWebUrl: `https://security.microsoft.com/incidents/${alert.incidentId}?tid=${this.tenantId}`,
      actorDisplayName: null,
      threatDisplayName: null,
      threatFamilyName: null,
      mitreTechniques: [...alert.mitreTechniques],
      createdDateTime: alert.createdDateTime,
      lastUpdateDateTime: alert.lastUpdateDateTime,
      resolvedDateTime: alert.resolvedDateTime,
      firstActivityDateTime: alert.firstActivityDateTime,
      lastActivityDateTime: alert.lastActivityDateTime,
      alertPolicyId: alert.alertPolicyId,
      additionalData: {},
      systemTags: [],
      comments: alert.comments.map((c) => ({ ...c })),
      evidence: alert.evidence,
    };
  }

  incidentView(incident: IncidentRecord, preferUnknownMembers: boolean, expandAlerts: boolean): { [key: string]: Json } {
    const view: { [key: string]: Json } = {
      '@odata.type': '#microsoft.graph.security.incident',
      id: incident.id,
      tenantId: this.tenantId,
      status: visibleMember(INCIDENT_STATUS, incident.status, preferUnknownMembers),
      incidentWebUrl: `https://security.microsoft.com/incidents/${incident.id}?tid=${this.tenantId}`,
      redirectIncidentId: null,
      displayName: incident.displayName,
      description: incident.description,
      createdDateTime: incident.createdDateTime,
      lastUpdateDateTime: incident.lastUpdateDateTime,
      assignedTo: incident.assignedTo,
      classification: visibleMember(CLASSIFICATION, incident.classification, preferUnknownMembers),
      determination: visibleMember(DETERMINATION, incident.determination, preferUnknownMembers),
      severity: visibleMember(SEVERITY, incident.severity, preferUnknownMembers),
      customTags: [...incident.customTags],
      systemTags: [...incident.systemTags],
      summary: null,
      lastModifiedBy: incident.lastModifiedBy,
      resolvingComment: incident.resolvingComment,
      comments: incident.comments.map((c) => ({ ...c })),
    };
    if (expandAlerts) view.alerts = this.alertsOf(incident).map((a) => this.alertView(a, preferUnknownMembers));
    return view;
  }
}

/** Apply a pending IRM status whose time has come. */
function settle(irm: NonNullable<AlertRecord['irm']>, atMs: number): void {
  if (irm.pending && irm.pending.dueMs <= atMs) {
    irm.synced = irm.pending.status;
    irm.pending = null;
  }
}

/** How an incident's status change reaches one of its alerts. */
function alertStatusFollowing(incidentStatus: IncidentStatus, previous: IncidentStatus, alertStatus: AlertStatus, requested: IncidentStatus | undefined): AlertStatus {
  if (requested === undefined) return alertStatus;
  if (incidentStatus === 'resolved') return 'resolved';
  if (incidentStatus === 'inProgress') return alertStatus === 'new' ? 'inProgress' : alertStatus === 'resolved' && previous === 'resolved' ? 'inProgress' : alertStatus;
  if (incidentStatus === 'active' && alertStatus === 'resolved') return 'new';
  return alertStatus;
}

function sourceOf(alert: AlertRecord): AlertSource {
  switch (alert.serviceSource) {
    case 'microsoftDefenderForEndpoint':
    case 'azureAdIdentityProtection':
    case 'dataLossPrevention':
    case 'microsoftInsiderRiskManagement':
      return alert.serviceSource;
    default:
      return 'microsoftInsiderRiskManagement';
  }
}

/** A comment on an alert or an incident: it changes the thing commented on. */
function addComment(target: { comments: CommentRecord[]; lastUpdateDateTime: string }, comment: string, by: string, atMs: number): CommentRecord[] {
  target.comments.push({ comment, createdByDisplayName: by, createdDateTime: iso(atMs) });
  target.lastUpdateDateTime = iso(atMs);
  return target.comments;
}

/** What every piece of evidence on a seeded alert carries (Graph's alertEvidence base type). */
function evidenceBase(type: string, createdDateTime: string): { [key: string]: Json } {
  return { '@odata.type': `#microsoft.graph.security.${type}`, createdDateTime, verdict: 'suspicious', remediationStatus: 'none', remediationStatusDetails: null, roles: [], detailedRoles: [], tags: [] };
}
