/** The catalogue's API: names, help data, defaults, timespans and the messages for wrong input. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadInputError } from '../../src/errors.js';
import { HUNTING_QUERIES, findQuery, type CannedQuery } from '../../src/hunting/index.js';
import { defineQuery } from '../../src/hunting/canned-query.js';
import { daysParam, userParam } from '../../src/hunting/params.js';

function query(name: string): CannedQuery {
  const found = findQuery(name);
  if (!found) throw new Error(`no query ${name}`);
  return found;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BadInputError);
    return err instanceof Error ? err.message : '';
  }
  throw new Error('expected a refusal');
}

describe('the catalogue', () => {
  it('has the queries the issue asks for, each with a description, tables and help data', () => {
    expect(HUNTING_QUERIES.map((q) => q.name)).toEqual(['uploads', 'user-activity', 'user-behaviors', 'user-alerts', 'alert-evidence', 'top-risky-users', 'removable-media', 'label-downgrades']);
    for (const q of HUNTING_QUERIES) {
      expect(q.description.length).toBeGreaterThan(10);
      expect(q.description).not.toContain('\n');
      expect(q.tables.length).toBeGreaterThan(0);
      expect(q.example).toMatch(new RegExp(`^hunt ${q.name}`));
      for (const p of q.params) {
        expect(p.description.length).toBeGreaterThan(5);
        expect(p.required || p.default !== undefined || p.name === 'user' || p.name === 'action').toBe(true);
        // The example and the default are valid values.
        expect(() => q.prepare({ ...requiredOf(q), [p.name]: p.example })).not.toThrow();
        if (p.default !== undefined) expect(p.schema.safeParse(p.default).success).toBe(true);
      }
      // One operator per line (optional lines are dropped whole): a pipe only ever starts a line.
      for (const line of q.template.split('\n')) {
        const pipe = line.indexOf('|');
        if (pipe < 0) continue;
        expect(pipe, line).toBe(line.search(/\S/));
        expect(line.slice(pipe + 1), line).not.toContain('|');
      }
    }
  });

  it('finds queries by name, in any case', () => {
    expect(findQuery('uploads')?.name).toBe('uploads');
    expect(findQuery('User-Alerts')?.name).toBe('user-alerts');
    expect(findQuery('nope')).toBeUndefined();
  });

  it('uploads: Microsoft example by default, with .zip, 7 days, no user', () => {
    const prepared = query('uploads').prepare({});
    expect(prepared.values).toEqual({ ext: '.zip', days: 7 });
    expect(prepared.timespan).toBe('P7D');
    expect(prepared.kql).toContain('| where ObjectName endswith ".zip"');
    expect(prepared.kql).toContain('| where ActionType in ("FileUploaded", "FileUploadedToCloud")');
    expect(prepared.kql).not.toContain('AccountUpn =~');
  });

  it('accepts an extension without a dot or in capitals, and means the same', () => {
    for (const ext of ['zip', 'ZIP', '.Zip', ' .zip ']) expect(query('uploads').prepare({ ext }).values['ext']).toBe('.zip');
  });

  it('timespan follows days', () => {
    expect(query('user-activity').prepare({ user: 'adele.vance@contoso.com', days: '14' }).timespan).toBe('P14D');
    expect(query('user-activity').prepare({ user: 'adele.vance@contoso.com' }).timespan).toBe('P30D');
    expect(query('user-activity').prepare({ user: 'adele.vance@contoso.com', days: '3' }).kql).toContain('ago(3d)');
  });

  it("takes o'brien@contoso.com as the user it is, inside a plain literal", () => {
    const prepared = query('user-alerts').prepare({ user: "o'brien@contoso.com" });
    expect(prepared.values['user']).toBe("o'brien@contoso.com");
    expect(prepared.kql).toContain(`| where AccountUpn =~ "o'brien@contoso.com"`);
  });

  it('takes guest and punctuated UPNs Entra allows', () => {
    for (const user of ['jane_fabrikam.com#EXT#@contoso.onmicrosoft.com', 'a.b-c_d!e^f~g@sub.contoso.co.uk', 'x@contoso.com']) {
      expect(query('user-behaviors').prepare({ user }).values['user']).toBe(user);
    }
  });

  it('refuses what is not a UPN, saying what was expected', () => {
    for (const user of ['adele', 'adele@', '@contoso.com', 'adele..vance@contoso.com', '.adele@contoso.com', 'adele.@contoso.com', 'adele@contoso', 'adele vance@contoso.com', 'adele@contoso..com', 'ad"ele@contoso.com']) {
      expect(refusal(() => query('user-behaviors').prepare({ user }))).toMatch(/^user must be a user principal name such as adele\.vance@contoso\.com/);
    }
  });

  it('action is one of the ActionTypes, in any case', () => {
    expect(query('user-activity').prepare({ user: 'adele.vance@contoso.com', action: 'fileprinted' }).values['action']).toBe('FilePrinted');
    expect(refusal(() => query('user-activity').prepare({ user: 'adele.vance@contoso.com', action: 'FileDeleted' }))).toMatch(/^action must be one of FileArchived, .*SensitivityLabelRemoved$/);
  });

  it('days is 1 to 30; top is 1 to 50', () => {
    for (const days of ['0', '31', '-1', '1.5', 'seven', '1e1', '0x10', '']) {
      expect(refusal(() => query('top-risky-users').prepare({ days }))).toBe('days must be a whole number of days from 1 to 30');
    }
    expect(query('top-risky-users').prepare({ days: '30', top: '50' }).kql).toContain('| top 50 by AnomalousBehaviors desc');
    expect(refusal(() => query('top-risky-users').prepare({ top: '51' }))).toBe('top must be a whole number of users from 1 to 50');
  });

  it('alert ids in Defender shapes are accepted, anything else refused', () => {
    for (const alert of ['da638512345678901234_-1234567', 'ir3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d', 'aad0123456789abcdef0123456789abcdef', 'dl0123456789abcdef0123456789abcdef']) {
      expect(query('alert-evidence').prepare({ alert }).kql).toContain(`| where AlertId == "${alert}"`);
    }
    expect(refusal(() => query('alert-evidence').prepare({ alert: 'da1 or 1==1' }))).toMatch(/^alert must be a Defender alert id such as /);
    expect(refusal(() => query('alert-evidence').prepare({ alert: 'a'.repeat(101) }))).toMatch(/^alert must be /);
  });

  it('says which parameters exist, with a close match, for an unknown one', () => {
    expect(refusal(() => query('uploads').prepare({ usr: 'adele.vance@contoso.com' }))).toBe('uploads has no parameter "usr". Did you mean user? Its parameters: ext, user, days.');
    expect(refusal(() => query('uploads').prepare({ extension: '.zip' }))).toBe('uploads has no parameter "extension". Its parameters: ext, user, days.');
  });

  it('says what a missing required parameter is, with an example', () => {
    expect(refusal(() => query('user-alerts').prepare({}))).toBe('user-alerts needs user: whose alerts (user principal name). For example: hunt user-alerts user=adele.vance@contoso.com');
    expect(refusal(() => query('alert-evidence').prepare({ days: '7' }))).toMatch(/^alert-evidence needs alert: /);
  });

  it('treats parameter names without regard to case, once each', () => {
    expect(query('uploads').prepare({ EXT: '7z' }).values['ext']).toBe('.7z');
    expect(refusal(() => query('uploads').prepare({ ext: 'zip', EXT: '7z' }))).toBe('ext is given twice; give it once.');
  });

  it('drops the lines of optional parameters left out, inside joins too', () => {
    const without = query('label-downgrades').prepare({}).kql;
    const withUser = query('label-downgrades').prepare({ user: 'adele.vance@contoso.com' }).kql;
    expect(without).not.toContain('AccountUpn =~');
    expect(withUser.match(/AccountUpn =~ "adele\.vance@contoso\.com"/g)).toHaveLength(2);
  });
});

const CARD = [{ header: 'Time', from: 'Timestamp', kind: 'time' }] as const;

describe('defineQuery', () => {
  it('refuses a template that names a parameter it does not have, or a parameter it never uses', () => {
    expect(() => defineQuery({ name: 'x', description: 'x', tables: ['AlertInfo'], card: CARD, params: [daysParam(7)], template: 'AlertInfo\n| where Timestamp > ago({days})\n| where AlertId == {alert}' })).toThrow(/\{alert\}/);
    expect(() => defineQuery({ name: 'x', description: 'x', tables: ['AlertInfo'], card: CARD, params: [daysParam(7), userParam({ required: false, description: 'u' })], template: 'AlertInfo\n| where Timestamp > ago({days})' })).toThrow(/user/);
  });

  it('fills placeholders in one pass: a value that looks like a placeholder stays text', () => {
    // No validated value can hold braces today; the rendering must not depend on that.
    const q = defineQuery({
      name: 'x',
      description: 'x',
      tables: ['DataSecurityEvents'],
      card: CARD,
      params: [{ ...userParam({ required: true, description: 'u' }), schema: userParam({ required: true, description: 'u' }).schema.or(z.literal('{days}')) }, daysParam(7)],
      template: 'DataSecurityEvents\n| where Timestamp > ago({days})\n| where AccountUpn =~ {user}',
    });
    expect(q.prepare({ user: '{days}' }).kql).toContain('| where AccountUpn =~ "{days}"');
  });
});

function requiredOf(q: CannedQuery): Record<string, string> {
  return Object.fromEntries(q.params.filter((p) => p.required).map((p) => [p.name, p.example]));
}
