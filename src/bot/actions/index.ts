/** Every Action.Execute verb the cards use, in one place. */
import type { CardAction } from './action.js';
import { addNote } from './add-note.js';
import { assign } from './assign.js';
import { escalate } from './escalate.js';
import { huntMore } from './hunt-more.js';
import { incidentActivity } from './incident-activity.js';
import { reopen } from './reopen.js';
import { openIncident } from './open-incident.js';
import { resolve } from './resolve.js';
import { startInvestigation } from './start-investigation.js';
import { userSummaryAction } from './user-summary.js';
import { refreshIncident, reveal } from './reveal.js';

export const CARD_ACTIONS: readonly CardAction[] = [startInvestigation, resolve, assign, addNote, escalate, reopen, openIncident, huntMore, userSummaryAction, incidentActivity, reveal, refreshIncident];
export const actionsByVerb: ReadonlyMap<string, CardAction> = new Map(CARD_ACTIONS.map((a) => [a.verb, a]));
