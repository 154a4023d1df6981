import { describe, expect, it } from 'vitest';
import { DETERMINATIONS_BY_CLASSIFICATION, RESOLVE_CLASSIFICATIONS, alertUpdateDetermination, determinationFits, irmStatusFor } from '../../src/defender/irm-mapping.js';
import { INCIDENT_UPDATE_DETERMINATIONS, type AlertStatus, type Classification } from '../../src/defender/model.js';

describe('Defender → Insider Risk Management status mapping (fixed by the product)', () => {
  const table: [AlertStatus, Classification | null, string][] = [
    ['new', null, 'Needs review'],
    ['inProgress', null, 'Needs review'],
    ['inProgress', 'truePositive', 'Needs review'],
    ['resolved', 'truePositive', 'Confirmed'],
    ['resolved', 'falsePositive', 'Dismissed'],
    ['resolved', 'informationalExpectedActivity', 'Dismissed'],
    // Resolved without a classification is dismissed in IRM: the reason the form requires one.
    ['resolved', null, 'Dismissed'],
    ['resolved', 'unknown', 'Dismissed'],
  ];
  it.each(table)('%s + %s → %s', (status, classification, irm) => {
    expect(irmStatusFor(status, classification)).toBe(irm);
  });

  it('offers determinations that fit each classification, and refuses ones that do not', () => {
    expect(determinationFits('truePositive', 'maliciousUserActivity')).toBe(true);
    expect(determinationFits('falsePositive', 'maliciousUserActivity')).toBe(false);
    expect(determinationFits('informationalExpectedActivity', 'notMalicious')).toBe(false);
    for (const c of RESOLVE_CLASSIFICATIONS) expect(DETERMINATIONS_BY_CLASSIFICATION[c].length).toBeGreaterThan(0);
  });

  it('offers only determinations Update incident documents, and puts in an alert update only those Update alert documents', () => {
    for (const c of RESOLVE_CLASSIFICATIONS) for (const d of DETERMINATIONS_BY_CLASSIFICATION[c]) expect(INCIDENT_UPDATE_DETERMINATIONS.has(d), d).toBe(true);
    expect(alertUpdateDetermination('maliciousUserActivity')).toEqual({ determination: 'maliciousUserActivity' });
    expect(alertUpdateDetermination('notMalicious')).toEqual({});
    expect(alertUpdateDetermination('notEnoughDataToValidate')).toEqual({});
  });
});
