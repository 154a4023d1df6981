/**
 * The Purview side of an Insider Risk Management alert: how a Defender decision shows up in IRM
 * once the two-way sync has run (Microsoft: "Investigate insider risk management alerts in
 * Microsoft Defender XDR", https://learn.microsoft.com/en-us/defender-xdr/irm-investigate-alerts-defender).
 *
 *   Defender New or In progress                               → Needs review
 *   Resolved, classified True positive                        → Confirmed
 *   Resolved, False positive or Informational, expected activity → Dismissed
 *   Resolved without a classification                         → Dismissed
 */
import type { AlertStatus, Classification } from './graph-model.js';

export const IRM_STATUSES = ['Needs review', 'Confirmed', 'Dismissed'] as const;
export type IrmStatus = (typeof IRM_STATUSES)[number];

export function irmStatusFor(status: AlertStatus, classification: Classification): IrmStatus {
  if (status !== 'resolved') return 'Needs review';
  return classification === 'truePositive' ? 'Confirmed' : 'Dismissed';
}
