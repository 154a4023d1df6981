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
import { firstActivityOf, incidentIrmStatus, incidentTitle, personAtRisk, storyOf, upnOf } from '../defender/incidents.js';
import { IRM_SOURCE, type Alert, type Incident, type Severity, type UserAccount } from '../defender/model.js';
import type { DecisionRecord } from '../store/store.js';
import { byName, userText, whenText, type Namer } from './common.js';
import { joinMarkdown, linkTarget, md, plain, trustedMarkdown, type Markdown } from './markdown.js';

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
  /** What happened, as the alerts tell it (the person named as the card names them). */
  hasStory: boolean;
  story: Markdown;
  /** Activity (categories, MITRE techniques), files, recommended next step: only those the alerts carry. */
  storyFacts: { title: string; value: Markdown }[];
  /** "New since …", "In progress, open since …" or "Resolved …": how long it has waited, in the reader's time zone. */
  ageTitle: string;
  age: Markdown;
  hasReminder: boolean;
  reminder: Markdown;
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
  /**
   * The newest comment on the incident, from Teams or a portal: once resolved the one that closed
   * it ("Comment"), while open the latest note ("Latest note"), so a note stays on everyone's card.
   */
  hasComment: boolean;
  commentTitle: string;
  comment: Markdown;
  /** `url` is a markdown link's target (see linkTarget); alerts alike in title, tool, severity and status are one line with their count. */
  alerts: { title: Markdown; url: string; source: Markdown; severity: Markdown; status: Markdown; count: Markdown }[];
  hasNotice: boolean;
  notice: Markdown;
  canStart: boolean;
  canResolve: boolean;
  /** Open and already started: taking it over is "Assign to me" (Start investigation does it for a New one). */
  canAssign: boolean;
  canEscalate: boolean;
  canReopen: boolean;
  /** Notes can be added to any incident that is not merged away. */
  canNote: boolean;
  /** What resolving does to the incident's alerts, in the Resolve form. */
  resolveEffect: Markdown;
  /** What the analyst typed before a refusal, put back into the Resolve form. */
  draftClassification: string;
  draftDetermination: string;
  draftComment: string;
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
  const what = {
    resolve: () => md`Resolved as ${plain(CLASSIFICATION_WORDS[decision.classification as keyof typeof CLASSIFICATION_WORDS] ?? decision.classification ?? '')}`,
    startInvestigation: () => md`Investigation started`,
    assign: () => md`Assigned to ${plain(decision.assignee ?? '')}`,
    reopen: () => md`Reopened`,
  }[decision.action]();
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

/** What an analyst typed into the Resolve form, kept when the decision is refused. */
export interface ResolveDraft {
  classification?: string;
  determination?: string;
  comment?: string;
}

export interface IncidentCardOptions {
  decision?: DecisionRecord;
  notice?: string;
  irmSync?: IrmSyncView;
  namer?: Namer;
  revealable?: boolean;
  draft?: ResolveDraft;
  /** When the on-call analyst is reminded if the incident stays New. */
  reminderAt?: string;
}

/**
 * An alert's description names the person at risk: where the card names them by a pseudonym, so
 * does the description (every form of their name Graph gave is replaced).
 */
function inCardWords(text: string, person: UserAccount | null, namer: Namer): string {
  if (!person || namer === byName) return text;
  const shown = namer(person);
  const forms = [person.displayName, upnOf(person), person.accountName].filter((f): f is string => Boolean(f && f.length > 2));
  return forms.sort((a, b) => b.length - a.length).reduce((out, form) => out.split(form).join(shown), text);
}

/** "2 Insider Risk Management alerts" … in words, for the Resolve form's warning. */
function otherToolsText(alerts: readonly Alert[]): string {
  const others = alerts.filter((a) => a.serviceSource !== IRM_SOURCE && a.status !== 'resolved');
  return others.length === 0 ? '' : sourceSummary(others);
}

/**
 * When the incident was resolved: its alerts' latest resolvedDateTime (the incident resource has
 * none), else its last update. Stable across later comments, so a resolved card is not redrawn
 * for them.
 */
function resolvedAt(incident: Incident): string {
  const times = (incident.alerts ?? []).map((a) => a.resolvedDateTime).filter((t): t is string => Boolean(t));
  return times.length > 0 ? times.reduce((a, b) => (a > b ? a : b)) : incident.lastUpdateDateTime;
}

/** Alerts alike in title, tool, severity and status, as one line each with how many there are. */
function alertLines(alerts: readonly Alert[], incidentUrl: string | null): IncidentCardData['alerts'] {
  const lines = new Map<string, { alert: Alert; count: number }>();
  for (const alert of alerts) {
    const key = JSON.stringify([alert.title, alert.serviceSource, alert.severity, alert.status]);
    const line = lines.get(key);
    if (line) line.count++;
    else lines.set(key, { alert, count: 1 });
  }
  return [...lines.values()].map(({ alert: a, count }) => ({
    title: plain(a.title || a.id),
    url: linkTarget(a.alertWebUrl ?? incidentUrl, 'https://security.microsoft.com/alerts'),
    source: plain(sourceWords(a.serviceSource)),
    severity: plain(SEVERITY_WORDS[a.severity]),
    status: plain(ALERT_STATUS_WORDS[a.status]),
    count: count > 1 ? md` · ${count} alerts alike` : md``,
  }));
}

/**
 * `notice` is markdown the bot wrote (a portal change told by describeChange, a stale card's
 * message): it arrives as a string from the publisher and is shown as it is.
 */
export function incidentCardData(incident: Incident, options: IncidentCardOptions = {}): IncidentCardData {
  const alerts = incident.alerts ?? [];
  const isResolved = incident.status === 'resolved';
  const isOpen = !isResolved && incident.status !== 'redirected';
  const newestComment = [...incident.comments].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime))[0];
  const resolvedWithClassification = incident.classification && incident.classification !== 'unknown' ? CLASSIFICATION_WORDS[incident.classification] : 'Not classified';
  const namer = options.namer ?? byName;
  const person = personAtRisk(incident);
  const story = storyOf(incident);
  const storyFacts: IncidentCardData['storyFacts'] = [];
  const activity = [...story.categories, ...(story.techniques.length > 0 ? [`MITRE ${story.techniques.join(', ')}`] : [])];
  if (activity.length > 0) storyFacts.push({ title: 'Activity', value: plain(activity.join(' · ')) });
  if (story.files.length > 0) storyFacts.push({ title: 'Files', value: plain(story.files.slice(0, 5).join(', ') + (story.files.length > 5 ? ` and ${story.files.length - 5} more` : '')) });
  if (story.recommendedAction) storyFacts.push({ title: 'Next step', value: plain(story.recommendedAction) });
  const isNew = incident.status === 'active' || incident.status === 'awaitingAction';
  const others = otherToolsText(alerts);
  const draft = options.draft ?? {};
  return {
    incidentId: incident.id,
    version: incident.lastUpdateDateTime,
    title: plain(incidentTitle(incident)),
    severityLabel: isResolved ? md`Resolved · ${plain(SEVERITY_WORDS[incident.severity])} severity` : md`${plain(SEVERITY_WORDS[incident.severity])} severity`,
    severityColour: isResolved ? 'Default' : SEVERITY_COLOURS[incident.severity],
    severityStyle: isResolved ? 'emphasis' : SEVERITY_STYLE[incident.severity],
    userText: userText(incident, options.namer),
    hasStory: story.description !== '',
    story: plain(inCardWords(story.description, person, namer)),
    storyFacts,
    ageTitle: isResolved ? 'Resolved' : isNew ? 'New since' : 'Open since',
    age: whenText(isResolved ? resolvedAt(incident) : incident.createdDateTime),
    hasReminder: isNew && options.reminderAt !== undefined,
    reminder: options.reminderAt ? whenText(options.reminderAt) : md``,
    started: whenText(firstActivityOf(incident)),
    sourceSummary: plain(sourceSummary(alerts)),
    defenderStatus: plain(INCIDENT_STATUS_WORDS[incident.status]),
    irmStatus: irmStatusText(incident, options.irmSync),
    assignee: incident.assignedTo ? plain(incident.assignedTo) : md`Unassigned`,
    isResolved,
    classification: plain(resolvedWithClassification),
    determination: incident.determination && incident.determination !== 'unknown' ? plain(DETERMINATION_WORDS[incident.determination]) : md`Not set`,
    hasDecision: Boolean(options.decision),
    decision: options.decision ? decisionText(options.decision) : md``,
    hasComment: newestComment !== undefined,
    commentTitle: isResolved ? 'Comment' : 'Latest note',
    comment: newestComment ? md`${plain(shortened(newestComment.comment, COMMENT_SHOWN))} (${plain(newestComment.createdByDisplayName || 'Defender')}, ${whenText(newestComment.createdDateTime)})` : md``,
    alerts: alertLines(alerts, incident.incidentWebUrl),
    hasNotice: Boolean(options.notice),
    notice: trustedMarkdown(options.notice ?? ''),
    canStart: isNew,
    canResolve: isOpen,
    canAssign: isOpen && !isNew,
    canEscalate: isOpen,
    canReopen: isResolved,
    canNote: incident.status !== 'redirected',
    canReveal: options.revealable ?? false,
    incidentUrl: linkTarget(incident.incidentWebUrl, 'https://security.microsoft.com/incidents'),
    // The titles are the contract's; what each does to Insider Risk Management is said beside them (resolveEffect).
    classificationChoices: RESOLVE_CLASSIFICATIONS.map((c) => ({ title: CLASSIFICATION_WORDS[c], value: c })),
    determinationChoices: RESOLVE_CLASSIFICATIONS.flatMap((c) =>
      DETERMINATIONS_BY_CLASSIFICATION[c].map((d) => ({ title: `${CLASSIFICATION_WORDS[c]}: ${DETERMINATION_WORDS[d]}`, value: `${c}/${d}` })),
    ),
    resolveEffect: joinMarkdown(
      [
        md`**In Insider Risk Management:** True positive shows ${plain(irmStatusFor('resolved', 'truePositive'))}; False positive and Informational, expected activity show ${plain(irmStatusFor('resolved', 'falsePositive'))}.`,
        others ? md`**Also closes** this incident's alerts from other tools (${plain(others)}).` : md`Closes the incident and its ${alerts.length} alert${alerts.length === 1 ? md`` : md`s`} in Defender.`,
        md`A true positive needs a comment.`,
      ],
      '\n\n',
    ),
    draftClassification: draft.classification ?? '',
    draftDetermination: draft.determination ?? '',
    draftComment: draft.comment ?? '',
  };
}
