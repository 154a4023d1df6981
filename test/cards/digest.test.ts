/** The digest card: what it counts, whom it names, which incidents it offers, and that Teams' parser takes it. */
import { readFileSync } from 'node:fs';
import { Template } from 'adaptivecards-templating';
import { describe, expect, it } from 'vitest';
import { CARDS_DIR } from '../../src/cards/render.js';
import { DIGEST_THRESHOLD, digestCardData, shouldDigest, type DigestCardData } from '../../src/cards/digest-view.js';
import { incidentSchema, type Incident } from '../../src/defender/model.js';
import { adaptiveCardProblems, verbsIn } from '../support/adaptive-cards.js';

const people = {
  adele: { upn: 'adele.vance@contoso.com', name: 'Adele Vance' },
  lee: { upn: 'Lee.Gu@contoso.com', name: 'Lee Gu' },
  megan: { upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' },
  nestor: { upn: 'nestor.wilke@contoso.com', name: 'Nestor Wilke' },
} as const;

function incident(id: string, severity: string, who: keyof typeof people | null, minute: number, title = `Incident ${id} title`): Incident {
  const person = who ? people[who] : null;
  const at = new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();
  return incidentSchema.parse({
    id,
    displayName: title,
    severity,
    status: 'active',
    createdDateTime: at,
    lastUpdateDateTime: at,
    alerts: [
      {
        id: `a${id}`,
        incidentId: id,
        title: 'Data leak by departing user',
        severity,
        status: 'new',
        serviceSource: 'microsoftInsiderRiskManagement',
        detectionSource: 'microsoftInsiderRiskManagement',
        createdDateTime: at,
        lastUpdateDateTime: at,
        evidence: person ? [{ '@odata.type': '#microsoft.graph.security.userEvidence', userAccount: { userPrincipalName: person.upn, displayName: person.name } }] : [],
      },
    ],
  });
}

/** Twelve new incidents: Adele 4 (one with her UPN in another case), Lee 3, Megan 2, Nestor 1, two without a user. */
const twelve = [
  incident('3001', 'high', 'adele', 1),
  incident('3002', 'medium', 'lee', 2),
  incident('3003', 'low', 'megan', 3),
  incident('3004', 'high', 'adele', 4),
  incident('3005', 'informational', null, 5),
  incident('3006', 'medium', 'lee', 6),
  incident('3007', 'high', 'nestor', 7),
  incident('3008', 'unknownFutureValue', 'megan', 8),
  incident('3009', 'medium', 'adele', 9, 'Copied [secret](x) *files*'),
  incident('3010', 'high', 'lee', 10),
  incident('3011', 'low', null, 11),
  incident('3012', 'medium', 'adele', 12),
];
twelve[3]!.alerts![0]!.evidence[0]!.userAccount!.userPrincipalName = 'ADELE.VANCE@contoso.com';

const template = new Template(JSON.parse(readFileSync(`${CARDS_DIR}digest.json`, 'utf8')) as object);
const render = (data: DigestCardData): Record<string, unknown> => {
  const card = template.expand({ $root: data }) as Record<string, unknown>;
  delete card.$schema;
  return card;
};

/** Every Action.Execute in a card, wherever it sits. */
function executes(node: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) for (const item of node) executes(item, found);
  else if (node && typeof node === 'object') {
    const r = node as Record<string, unknown>;
    if (r.type === 'Action.Execute') found.push(r);
    for (const value of Object.values(r)) executes(value, found);
  }
  return found;
}

describe('digest threshold', () => {
  it('digests more than 5 new incidents for one conversation, not 5', () => {
    expect(DIGEST_THRESHOLD).toBe(5);
    expect(shouldDigest(5)).toBe(false);
    expect(shouldDigest(6)).toBe(true);
    expect(shouldDigest(3, 2)).toBe(true);
  });
});

describe('digestCardData', () => {
  const data = digestCardData(twelve);

  it('counts the incidents by severity, most severe first, unknowns together', () => {
    expect(data.heading).toBe('12 new insider-risk incidents');
    expect(data.headingColour).toBe('Attention');
    expect(data.severities).toEqual([
      { word: 'High', colour: 'Attention', count: '4' },
      { word: 'Medium', colour: 'Default', count: '4' },
      { word: 'Low', colour: 'Accent', count: '2' },
      { word: 'Informational', colour: 'Default', count: '1' },
      { word: 'Unknown', colour: 'Default', count: '1' },
    ]);
  });

  it('names the users with the most incidents, one person however the UPN is cased', () => {
    expect(data.topUsers).toEqual([
      { userText: 'Adele Vance (adele.vance@contoso.com)', count: '4 incidents' },
      { userText: 'Lee Gu (Lee.Gu@contoso.com)', count: '3 incidents' },
      { userText: 'Megan Bowen (megan.bowen@contoso.com)', count: '2 incidents' },
    ]);
    // Nestor and the incidents without a user.
    expect(data.hasMoreUsers).toBe(true);
    expect(data.moreUsersText).toBe('and 2 more users');
  });

  it('offers the newest five, newest first, with markdown-safe titles', () => {
    expect(data.newest.map((n) => n.incidentId)).toEqual(['3012', '3011', '3010', '3009', '3008']);
    expect(data.newest[0]).toEqual({
      incidentId: '3012',
      title: 'Incident 3012 title',
      severityWord: 'Medium',
      severityColour: 'Default',
      userText: 'Adele Vance (adele.vance@contoso.com)',
      created: '{{DATE(2026-11-20T09:12:00Z, SHORT)}} {{TIME(2026-11-20T09:12:00Z)}}',
    });
    expect(data.newest[1]!.userText).toBe('Unknown user');
    expect(data.newest[3]!.title).toBe('Copied \\[secret\\](x) \\*files\\*');
    expect(data.hasOlder).toBe(true);
    expect(data.olderText).toContain('The newest 5 of 12');
  });

  it('takes its sizes from options', () => {
    const small = digestCardData(twelve, { newest: 2, topUsers: 1, threshold: 10 });
    expect(small.newest.map((n) => n.incidentId)).toEqual(['3012', '3011']);
    expect(small.topUsers.map((u) => u.count)).toEqual(['4 incidents']);
    expect(small.moreUsersText).toBe('and 4 more users');
    expect(small.intro).toContain('More than 10');
  });

  it('a digest of six about one user has nothing more to say', () => {
    const six = twelve.filter((i) => ['3001', '3004', '3009', '3012'].includes(i.id)).concat([incident('3013', 'low', 'adele', 13), incident('3014', 'low', 'adele', 14)]);
    const d = digestCardData(six);
    expect(d.topUsers).toEqual([{ userText: 'Adele Vance (adele.vance@contoso.com)', count: '6 incidents' }]);
    expect(d.hasMoreUsers).toBe(false);
    expect(d.newest).toHaveLength(5);
    expect(d.hasOlder).toBe(true);
  });
});

describe('cards/digest.json', () => {
  for (const [name, data] of [
    ['twelve incidents', digestCardData(twelve)],
    ['six about one user', digestCardData(twelve.slice(0, 6), { topUsers: 10, newest: 10 })],
  ] as const) {
    it(`${name}: renders version 1.5 and parses with the Adaptive Cards parser without warnings`, () => {
      const card = render(data);
      expect(card.version).toBe('1.5');
      expect(JSON.stringify(card)).not.toMatch(/\$\{/);
      expect(adaptiveCardProblems(card)).toEqual([]);
    });
  }

  it('has an Open button per newest incident that the openIncident handler takes', () => {
    const card = render(digestCardData(twelve));
    expect(executes(card)).toEqual(
      ['3012', '3011', '3010', '3009', '3008'].map((id) => ({ type: 'Action.Execute', title: `Open ${id}`, verb: 'openIncident', data: { incidentId: id, from: 'digest' } })),
    );
    expect([...verbsIn(card)]).toEqual(['openIncident']);
    const text = JSON.stringify(card);
    expect(text).toContain('12 new insider-risk incidents');
    expect(text).toContain('**4** High');
    expect(text).toContain('Adele Vance (adele.vance@contoso.com): 4 incidents');
    expect(text).toContain('and 2 more users');
    expect(text).toContain('The newest 5 of 12');
  });

  it('leaves out what does not apply', () => {
    const text = JSON.stringify(render(digestCardData(twelve.slice(0, 6), { topUsers: 10, newest: 10 })));
    expect(text).not.toContain('more user');
    expect(text).not.toContain('The newest');
  });
});
