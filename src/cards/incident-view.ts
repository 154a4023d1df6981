/**
 * The incident card's view model (`cards/incident.json`) and how it is built from a Graph
 * incident, its alerts and the decision made in Teams. Everything an analyst reads is put into
 * words here; the template only lays it out.
 */
import {
  ALERT_STATUS_WORDS,
  CLASSIFICATION_WORDS,
  DETERMINATIONS_BY_CLASSIFICATION,
  DETERMINATION_WORDS,
  INCIDENT_STATUS_WORDS,
  RESOLVE_CLASSIFICATIONS,
  SEVERITY_COLOURS,
  SEVERITY_WORDS,
  irmStatusFor,
  sourceWords,
} from '../defender/irm-mapping.js';
import { agreedIrmStatus, firstActivityOf, incidentTitle, irmStatusesOf } from '../defender/incidents.js';
import { IRM_SOURCE, type Alert, type Incident, type Severity } from '../defender/model.js';
import type { DecisionRecord } from '../store/store.js';
import { userText, whenText, type Namer } from './common.js';
import { linkTarget, md, plain, trustedMarkdown, type Markdown } from './markdown.js';

export interface Choice {
  title: string;
  value: string;
}

/** Text fields are Markdown (see markdown.ts); ids, URLs and colours are strings. */
export interface IncidentCardData {
  incidentId: string;
  /** The incident's lastUpdateDateTime when the card was drawn: actions carry it back. */
  version: string;
  title: Markdown;
  /** The header's label: the severity, or "Resolved · {severity}" once it is resolved. */
  severityLabel: Markdown;
  severityColour: string;
  /** The header's style: the severity's while open; neutral once resolved, so a closed card does not look like an open one. */
  severityStyle: 'attention' | 'warning' | 'accent' | 'default' | 'emphasis';
  userText: Markdown;
  started: Markdown;
  sourceSummary: Markdown;
  defenderStatus: Markdown;
  irmStatus: Markdown;
  assignee: Markdown;
  isResolved: boolean;
  classification: Markdown;
  determination: Markdown;
  hasDecision: boolean;
  decision: Markdown;
  /** The newest comment on the incident once resolved (the resolving one, from Teams or a portal). */
  hasComment: boolean;
  comment: Markdown;
  /** `url` is a markdown link's target (see linkTarget). */
  alerts: { title: Markdown; url: string; source: Markdown; severity: Markdown; status: Markdown }[];
  hasNotice: boolean;
  notice: Markdown;
  canStart: boolean;
  canResolve: boolean;
  /** The person is a pseudonym here: offer Reveal (checked server-side). */
  canReveal: boolean;
  incidentUrl: string;
  classificationChoices: Choice[];
  determinationChoices: Choice[];
}

const SEVERITY_STYLE: Record<Severity, IncidentCardData['severityStyle']> = {
  high: 'attention',
  medium: 'warning',
  low: 'accent',
  informational: 'default',
  unknown: 'default',
  unknownFutureValue: 'default',
};

/** Where Purview stands on a decision, as the card tells it (sync/irm-sync.ts tracks it). */
export interface IrmSyncView {
  pending: boolean;
  overdue: boolean;
  /** Minutes the bound allows, for the card's words. */
  boundMinutes: number;
  /** Whether the IRM side can be read at all. */
  observable: boolean;
}

/** The IRM status of an incident as a card says it: one status if its IRM alerts agree, else each with a count. */
export function incidentIrmStatus(incident: Incident): string {
  const agreed = agreedIrmStatus(incident);
  if (agreed) return agreed;
  return [...irmStatusesOf(incident).entries()].map(([s, n]) => `${s} (${n})`).join(', ');
}

/** "2 Insider Risk Management, 1 Defender for Endpoint": counts by tool, IRM first. */
export function sourceSummary(alerts: readonly Alert[]): string {
  const counts = new Map<string, number>();
  for (const alert of [...alerts].sort((a, b) => Number(b.serviceSource === IRM_SOURCE) - Number(a.serviceSource === IRM_SOURCE))) {
    const name = sourceWords(alert.serviceSource);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  if (counts.size === 0) return 'No alerts';
  return [...counts.entries()].map(([name, n]) => `${n} ${name}`).join(', ');
}

/** How much of a comment the card shows (Defender keeps it whole). */
const COMMENT_SHOWN = 400;

function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Who decided in Teams (their Teams name is theirs to choose), what, and when. */
export function decisionText(decision: DecisionRecord): Markdown {
  const who = decision.by.upn ? md`${plain(decision.by.name)} (${plain(decision.by.upn)})` : plain(decision.by.name);
  const what =
    decision.action === 'resolve'
      ? md`Resolved as ${plain(CLASSIFICATION_WORDS[decision.classification as keyof typeof CLASSIFICATION_WORDS] ?? decision.classification ?? '')}`
      : md`Investigation started`;
  return md`${what} by ${who} in Teams, ${whenText(decision.at)}`;
}

/** The IRM status line: what Purview shows, or what it will show while the sync is pending. */
export function irmStatusText(incident: Incident, sync?: IrmSyncView): Markdown {
  const status = plain(incidentIrmStatus(incident));
  if (!sync?.pending) return status;
  if (!sync.observable) return md`${status} (expected: Purview reflects Defender within about 30 minutes)`;
  if (sync.overdue) return md`${status} expected, but Purview has not reflected it after ${sync.boundMinutes} minutes: check the alert in the Purview portal`;
  return md`Pending in Purview (will be ${status})`;
}

/**
 * `notice` is markdown the bot wrote (a portal change told by describeChange, a stale card's
 * message): it arrives as a string from the publisher and is shown as it is.
 */
export function incidentCardData(incident: Incident, options: { decision?: DecisionRecord; notice?: string; irmSync?: IrmSyncView; namer?: Namer; revealable?: boolean } = {}): IncidentCardData {
  const alerts = incident.alerts ?? [];
  const isResolved = incident.status === 'resolved';
  const started = firstActivityOf(incident);
  const newestComment = [...incident.comments].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime))[0];
  const resolvedWithClassification = incident.classification && incident.classification !== 'unknown' ? CLASSIFICATION_WORDS[incident.classification] : 'Not classified';
  return {
    incidentId: incident.id,
    version: incident.lastUpdateDateTime,
    title: plain(incidentTitle(incident)),
    severityLabel: isResolved ? md`Resolved · ${plain(SEVERITY_WORDS[incident.severity])} severity` : md`${plain(SEVERITY_WORDS[incident.severity])} severity`,
    severityColour: isResolved ? 'Default' : SEVERITY_COLOURS[incident.severity],
    severityStyle: isResolved ? 'emphasis' : SEVERITY_STYLE[incident.severity],
    userText: userText(incident, options.namer),
    started: whenText(started),
    sourceSummary: plain(sourceSummary(alerts)),
    defenderStatus: plain(INCIDENT_STATUS_WORDS[incident.status]),
    irmStatus: irmStatusText(incident, options.irmSync),
    assignee: incident.assignedTo ? plain(incident.assignedTo) : md`Unassigned`,
    isResolved,
    classification: plain(resolvedWithClassification),
    determination: incident.determination && incident.determination !== 'unknown' ? plain(DETERMINATION_WORDS[incident.determination]) : md`Not set`,
    hasDecision: Boolean(options.decision),
    decision: options.decision ? decisionText(options.decision) : md``,
    hasComment: isResolved && newestComment !== undefined,
    comment: newestComment ? md`${plain(shortened(newestComment.comment, COMMENT_SHOWN))} (${plain(newestComment.createdByDisplayName || 'Defender')}, ${whenText(newestComment.createdDateTime)})` : md``,
    alerts: alerts.map((a) => ({
      title: plain(a.title || a.id),
      url: linkTarget(a.alertWebUrl ?? incident.incidentWebUrl, 'https://security.microsoft.com/alerts'),
      source: plain(sourceWords(a.serviceSource)),
      severity: plain(SEVERITY_WORDS[a.severity]),
      status: plain(ALERT_STATUS_WORDS[a.status]),
    })),
    hasNotice: Boolean(options.notice),
    notice: trustedMarkdown(options.notice ?? ''),
    canStart: incident.status === 'active' || incident.status === 'awaitingAction',
    canResolve: !isResolved && incident.status !== 'redirected',
    canReveal: options.revealable ?? false,
    incidentUrl: linkTarget(incident.incidentWebUrl, 'https://security.microsoft.com/incidents'),
    // Each choice says what Insider Risk Management will show (the mapping the product fixes).
    classificationChoices: RESOLVE_CLASSIFICATIONS.map((c) => ({ title: `${CLASSIFICATION_WORDS[c]}: IRM shows ${irmStatusFor('resolved', c)}`, value: c })),
    determinationChoices: RESOLVE_CLASSIFICATIONS.flatMap((c) =>
      DETERMINATIONS_BY_CLASSIFICATION[c].map((d) => ({ title: `${CLASSIFICATION_WORDS[c]}: ${DETERMINATION_WORDS[d]}`, value: `${c}/${d}` })),
    ),
  };
}
