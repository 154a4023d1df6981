import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionsByVerb } from '../../src/bot/actions/index.js';
import { CARDS_DIR, CARD_NAMES, renderCard } from '../../src/cards/render.js';
import { incidentCardData } from '../../src/cards/incident-view.js';
import { adaptiveCardProblems, verbsIn } from '../support/adaptive-cards.js';
import { incidentFixture } from '../fixtures/incidents.js';
import { huntResultFixture } from '../fixtures/hunt-results.js';
import { huntHelpCardData } from '../../src/cards/hunt-help-view.js';
import { huntResultCardData } from '../../src/cards/hunt-result-view.js';
import { userSummaryCardData } from '../../src/cards/user-summary-view.js';
import { HUNTING_QUERIES } from '../../src/hunting/queries.js';
import { digestCardData } from '../../src/cards/digest-view.js';
import { incidentListCardData } from '../../src/cards/incident-list-view.js';
import { buildQueue } from '../../src/triage/queue.js';
import { byName } from '../../src/cards/common.js';
import type { Incident } from '../../src/defender/model.js';
import { describeChange } from '../../src/sync/changes.js';
import { incidentRecord } from '../../src/store/known-incidents.js';
import { welcomeCardData } from '../../src/cards/welcome-view.js';

const texts = (card: unknown): string => JSON.stringify(card);
const HOSTILE = '[click me](https://evil.example/phish) **bold** <at>Eve</at>';
const actionTitles = (card: { actions?: unknown[] }) => (card.actions ?? []).map((a) => (a as { title: string }).title);
const primaryTitles = (card: { actions?: unknown[] }) => (card.actions ?? []).filter((a) => (a as { mode?: string }).mode !== 'secondary').map((a) => (a as { title: string }).title);

describe('incident card', () => {
  it('shows what an analyst needs to decide on a new incident', () => {
    const card = renderCard('incident', incidentCardData(incidentFixture('new')));
    const text = texts(card);
    expect(text).toContain('High severity');
    expect(text).toContain('"color":"Attention"');
    expect(text).toContain('Data exfiltration by departing user');
    expect(text).toContain('Adele Vance (adele.vance@contoso.com)');
    expect(text).toContain('2 Insider Risk Management, 1 Defender for Endpoint, 1 Entra ID Protection, 1 Data Loss Prevention');
    expect(text).toMatch(/"title":"Defender status","value":"New"/);
    expect(text).toMatch(/"title":"IRM status","value":"Needs review"/);
    expect(text).toContain('https://security.microsoft.com/incidents/2101?tid=t');
    expect(text).toContain('https://security.microsoft.com/alerts/da1?tid=t');
    // One to three primary buttons; the rest in the overflow (mode secondary); at most six.
    expect(actionTitles(card)).toEqual(['Start investigation', 'Resolve', 'Add note', 'Escalate now', 'Open in Defender']);
    expect(primaryTitles(card)).toEqual(['Start investigation', 'Resolve', 'Add note']);
    expect(text).not.toContain('"title":"Classification","value"');
  });

  it('has a Resolve form that requires a classification and offers the three of them', () => {
    const card = renderCard('incident', incidentCardData(incidentFixture('new')));
    const resolve = (card.actions ?? []).find((a) => (a as { title: string }).title === 'Resolve') as { card: { body: Record<string, unknown>[]; actions: Record<string, unknown>[] } };
    const classification = resolve.card.body.find((b) => b.id === 'classification')!;
    expect(classification.isRequired).toBe(true);
    // The contract's titles; the form says what each does to Insider Risk Management, and which alerts it closes.
    expect((classification.choices as { title: string }[]).map((c) => c.title)).toEqual(['True positive', 'False positive', 'Informational, expected activity']);
    const effect = JSON.stringify(resolve.card.body[0]);
    expect(effect).toContain('True positive shows Confirmed');
    expect(effect).toContain('False positive and Informational, expected activity show Dismissed');
    expect(effect).toContain('1 Defender for Endpoint, 1 Entra ID Protection, 1 Data Loss Prevention');
    expect(effect).toContain('A true positive needs a comment');
    expect(resolve.card.body.find((b) => b.id === 'comment')?.isMultiline).toBe(true);
    expect(resolve.card.actions[0]).toMatchObject({ type: 'Action.Execute', title: 'Submit', verb: 'resolve', data: { incidentId: '2101', version: '2026-11-20T10:00:00Z' } });
  });

  it('after Start investigation: in progress, assigned, no Start button', () => {
    const card = renderCard('incident', incidentCardData(incidentFixture('inProgress')));
    expect(texts(card)).toMatch(/"title":"Defender status","value":"In progress"/);
    expect(texts(card)).toMatch(/"title":"Assigned to","value":"alex.wilber@contoso.com"/);
    expect(actionTitles(card)).toEqual(['Resolve', 'Add note', 'Assign to me', 'Escalate now', 'Open in Defender']);
  });

  it.each([
    ['resolvedTruePositive', 'True positive', 'Malicious user activity', 'Confirmed'],
    ['resolvedFalsePositive', 'False positive', 'Not malicious', 'Dismissed'],
  ] as const)('%s: shows classification, determination and IRM %s', (state, classification, determination, irm) => {
    const card = renderCard('incident', incidentCardData(incidentFixture(state), {
      decision: { incidentId: '2101', action: 'resolve', by: { id: 'u', name: 'Alex Wilber', upn: 'alex.wilber@contoso.com' }, at: '2026-11-20T10:00:00.000Z', classification: 'truePositive' },
    }));
    const text = texts(card);
    expect(text).toContain(`"title":"Classification","value":"${classification}"`);
    expect(text).toContain(`"title":"Determination","value":"${determination}"`);
    expect(text).toContain(`"title":"IRM status","value":"${irm}"`);
    expect(text).toContain('by Alex Wilber (alex.wilber@contoso.com) in Teams, {{DATE(2026-11-20T10:00:00Z, SHORT)}}');
    expect(actionTitles(card)).toEqual(['Reopen', 'Add note', 'Open in Defender']);
  });

  it("tells the story in the alert's words, naming the person as the card does (a pseudonym in shared conversations)", () => {
    const incident = incidentFixture('new');
    incident.alerts![0]!.description = 'Adele Vance copied files to USB; adele.vance@contoso.com then signed in as adele.vance.';
    incident.alerts![0]!.recommendedActions = 'Contact the manager.';
    const named = texts(renderCard('incident', incidentCardData(incident)));
    expect(named).toContain('Adele Vance copied files to USB; adele.vance@contoso.com then signed in as adele.vance.');
    expect(named).toContain('"title":"Next step","value":"Contact the manager."');
    const pseudonymous = texts(renderCard('incident', incidentCardData(incident, { namer: () => 'Person 7F3A' })));
    expect(pseudonymous).toContain('Person 7F3A copied files to USB; Person 7F3A then signed in as Person 7F3A.');
    expect(pseudonymous).not.toMatch(/adele/i);
  });

  it('keeps Graph text from breaking markdown', () => {
    const incident = incidentFixture('new');
    incident.alerts![0]!.title = 'Copied [secret](x) *files*';
    const text = texts(renderCard('incident', incidentCardData(incident)));
    expect(text).toContain('Copied \\\\[secret\\\\](x) \\\\*files\\\\*');
  });

  it("keeps an alert's link to its own target: a URL from Graph cannot end it and start another", () => {
    const incident = incidentFixture('new');
    incident.alerts![0]!.alertWebUrl = 'https://security.microsoft.com/alerts/x) [evil](https://evil.example';
    incident.alerts![1]!.alertWebUrl = 'javascript:alert(1)';
    const text = texts(renderCard('incident', incidentCardData(incident)));
    expect(text).toContain('](https://security.microsoft.com/alerts/x%29%20[evil]%28https://evil.example)');
    expect(text).not.toContain('](https://evil.example');
    expect(text).not.toContain('javascript:');
  });
});

/** The same incident, with every text Graph gives written by someone hostile. */
function hostileIncident(): Incident {
  const incident = incidentFixture('resolvedTruePositive');
  incident.displayName = HOSTILE;
  incident.assignedTo = HOSTILE;
  for (const alert of incident.alerts ?? []) {
    alert.title = HOSTILE;
    for (const evidence of alert.evidence) if (evidence.userAccount) evidence.userAccount.displayName = HOSTILE;
  }
  return incident;
}

describe('every card', () => {
  const hostileDecision = { incidentId: '2101', action: 'resolve', by: { id: 'u', name: HOSTILE, upn: 'alex.wilber@contoso.com' }, at: '2026-11-20T10:00:00.000Z', classification: 'truePositive' } as const;
  const samples = {
    incident: [
      incidentCardData(incidentFixture('new')),
      incidentCardData(incidentFixture('inProgress')),
      incidentCardData(incidentFixture('resolvedTruePositive')),
      incidentCardData(hostileIncident(), { decision: hostileDecision, notice: describeChange({ ...incidentRecord(incidentFixture('new'), undefined), assignedTo: null }, { ...hostileIncident(), lastModifiedBy: HOSTILE }) ?? '' }),
    ],
    'incident-list': [
      { heading: 'Open insider risk incidents: 0', orderText: 'o', listSeverity: '' as const, listOrder: 'oldest' as const, count: 0, emptyText: 'None', items: [], hasMore: false, moreText: '' },
      { heading: 'Open insider risk incidents: 2', orderText: 'o', listSeverity: 'high' as const, listOrder: 'newest' as const, count: 2, emptyText: '', items: [{ incidentId: '2101', title: 'T', severityWord: 'High', severityColour: 'Attention', userText: 'Adele', status: 'New', started: 'x', age: '3 h 2 min' }], hasMore: true, moreText: 'more' },
    ],
    help: [{ commands: [{ usage: 'help', description: 'd' }], notInDefender: 'n' }],
    notice: [{ heading: 'h', text: 't', colour: 'Attention' as const }],
    'hunt-result': [huntResultCardData(huntResultFixture(57)), huntResultCardData(huntResultFixture(0)), huntResultCardData(huntResultFixture(57), 50)],
    'hunt-help': [huntHelpCardData(HUNTING_QUERIES), huntHelpCardData(HUNTING_QUERIES.slice(0, 1), true)],
    digest: [
      digestCardData(Array.from({ length: 6 }, (_, i) => ({ ...incidentFixture('new'), id: String(2101 + i) }))),
      digestCardData(Array.from({ length: 6 }, (_, i) => ({ ...hostileIncident(), id: String(2101 + i) }))),
    ],
    welcome: [
      welcomeCardData('personal', { subscription: 'New insider-risk incidents posted here: Informational severity and above.', backlog: 6, tabUrl: 'http://localhost:3978/tab/index.html' }),
      welcomeCardData('channel', { subscription: 'New insider-risk incidents posted here: Medium severity and above.', backlog: 0, tabUrl: null }),
    ],
    summary: [
      {
        heading: 'Insider risk shift summary',
        period: 'Since x',
        openCount: 3,
        header: ['Age', 'High', 'Medium', 'Low', 'Informational'],
        ageRows: [{ cells: ['Under 1 hour', '1', '0', '0', '0'] }, { cells: ['Over 7 days', '0', '1', '1', '0'] }],
        overdueText: '1 still New after 15 minutes: 2101.',
        overdueColour: 'Attention' as const,
        resolvedCount: 2,
        confirmed: '1',
        dismissedFalse: '1',
        dismissedInformational: '0',
        dismissedUnclassified: '0',
      },
    ],
    'user-summary': [
      userSummaryCardData({ upn: 'adele.vance@contoso.com', displayName: null, azureAdUserId: null, identity: null, earlierIncidents: { count: 0, watchingSince: null }, openIncidents: [], sources: [], behaviours: [] }),
      userSummaryCardData({
        upn: 'adele.vance@contoso.com',
        displayName: 'Adele Vance',
        azureAdUserId: 'aaaa-1',
        identity: { displayName: 'Adele Vance', department: 'Retail', jobTitle: 'Product Manager', manager: 'Miriam Graham' },
        earlierIncidents: { count: 3, watchingSince: '2026-11-01T08:00:00Z' },
        openIncidents: incidentFixture('new').alerts!.slice(0, 1),
        sources: [{ source: 'Microsoft Insider Risk Management', alerts: 2, high: 1, lastAlert: '2026-11-20T09:00:00Z' }],
        behaviours: [{ when: '2026-11-20T09:00:00Z', actionType: 'CumulativeExfiltrationAnomaly', description: 'More files than usual', activityCount: 40 }],
      }),
      userSummaryCardData({
        upn: 'adele.vance@contoso.com',
        displayName: HOSTILE,
        azureAdUserId: null,
        identity: { displayName: HOSTILE, department: HOSTILE, jobTitle: HOSTILE, manager: HOSTILE },
        earlierIncidents: { count: 1, watchingSince: '2026-11-01T08:00:00Z' },
        openIncidents: hostileIncident().alerts!.slice(0, 1),
        sources: [{ source: HOSTILE, alerts: 1, high: 1, lastAlert: null }],
        behaviours: [{ when: '2026-11-20T09:00:00Z', actionType: HOSTILE, description: HOSTILE, activityCount: 1 }],
      }),
    ],
  };
  const hostileCards = [renderCard('incident', samples.incident[3]!), renderCard('digest', samples.digest[1]!), renderCard('user-summary', samples['user-summary'][2]!)];

  it('has a sample for each template in cards/', () => {
    const files = readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...CARD_NAMES].sort());
    expect(Object.keys(samples).sort()).toEqual([...CARD_NAMES].sort());
  });

  for (const name of CARD_NAMES) {
    it(`${name}: renders version 1.5 and parses with the Adaptive Cards parser without warnings`, () => {
      for (const data of samples[name]) {
        const card = renderCard(name, data as never);
        expect(card.version).toBe('1.5');
        expect(JSON.stringify(card)).not.toMatch(/\$\{/);
        expect(adaptiveCardProblems(card)).toEqual([]);
      }
    });
  }

  it('hostile Graph text (titles, names, assignee, who decided, who changed it in the portal) makes no markup on any of them', () => {
    for (const card of hostileCards) {
      const text = texts(card);
      expect(text).toContain('\\\\[click me\\\\]');
      expect(text).not.toMatch(/(?<!\\\\)\[click me/);
      expect(text).not.toContain('**bold**');
      expect(text).not.toMatch(/(?<!\\\\)<at>/);
    }
  });

  it('every Action.Execute verb in cards/ has a handler', () => {
    const verbs = new Set<string>();
    for (const file of readdirSync(CARDS_DIR)) verbsIn(JSON.parse(readFileSync(`${CARDS_DIR}${file}`, 'utf8')), verbs);
    expect(verbs.size).toBeGreaterThan(0);
    for (const verb of verbs) expect(actionsByVerb.has(verb), `handler for ${verb}`).toBe(true);
  });
});

describe('readable colours', () => {
  /** Every text colour a card sets, anywhere in it. */
  const colours = (node: unknown): string[] =>
    Array.isArray(node) ? node.flatMap(colours) : node && typeof node === 'object' ? Object.entries(node).flatMap(([k, v]) => (k === 'color' && typeof v === 'string' ? [v] : colours(v))) : [];

  it('no card writes text in Warning yellow, whatever the severity (about 1.2:1 on a light card; text needs 4.5:1)', () => {
    for (const severity of ['high', 'medium', 'low', 'informational'] as const) {
      const incident: Incident = { ...incidentFixture(), severity, alerts: incidentFixture().alerts!.map((a) => ({ ...a, severity })) };
      const cards = [
        renderCard('incident', incidentCardData(incident)),
        renderCard('incident-list', incidentListCardData(buildQueue([incident], { severity: undefined, status: undefined, sort: 'oldest' }, byName))),
        renderCard('digest', digestCardData([incident, { ...incident, id: `${incident.id}-2` }], { threshold: 1 })),
      ];
      for (const card of cards) expect(colours(card), `${severity}: ${JSON.stringify(colours(card))}`).not.toContain('Warning');
      expect(texts(cards[0])).toContain(`"text":"${severity === 'informational' ? 'Informational' : severity[0]!.toUpperCase() + severity.slice(1)} severity"`);
    }
  });
});
