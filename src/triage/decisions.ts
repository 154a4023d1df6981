/**
 * Telling a decision made from Teams from a change made in the portal. Triage records a decision
 * as pending before its first write to Defender, and as done once Defender has it; the poller asks
 * here before it announces a change as made elsewhere. So whatever the timing of a poll against a
 * decision (a poll may read the incident between the decision's Graph writes and its record), the
 * card says who decided from Teams.
 */
import type { Incident } from '../defender/model.js';
import type { DecisionRecord, IncidentRecord } from '../store/store.js';

/** A pending decision older than this was cut short (a crash, a lost connection): it explains nothing. */
export const PENDING_DECISION_MS = 5 * 60_000;

/** Who a decision assigns the incident to (what triage writes to Defender's assignedTo). */
export function assigneeOf(decision: Pick<DecisionRecord, 'by' | 'assignee'>): string {
  return decision.assignee ?? decision.by.upn ?? decision.by.name;
}

/** Whether the incident is in the state the decision puts it in. */
function shows(decision: DecisionRecord, state: { status?: string; classification?: string | null; assignedTo?: string | null }): boolean {
  if (decision.action === 'resolve') return state.status === 'resolved' && state.classification === decision.classification;
  if (decision.action === 'reopen') return state.status !== 'resolved' && state.status !== 'redirected';
  return state.status !== 'resolved' && state.status !== 'redirected' && state.assignedTo === assigneeOf(decision);
}

/**
 * Whether the change from `known` to `incident` is this decision: it is still being written, or
 * Defender now shows it and the bot's last sight of the incident did not.
 */
export function isTeamsDecision(decision: DecisionRecord | undefined, known: IncidentRecord, incident: Incident, now: Date): boolean {
  if (!decision) return false;
  if (decision.pending && now.getTime() - Date.parse(decision.at) < PENDING_DECISION_MS) return true;
  return shows(decision, incident) && !shows(decision, known);
}
