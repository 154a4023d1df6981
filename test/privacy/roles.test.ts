import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_ROLES, RoleDirectory, loadRolesFile } from '../../src/auth/roles.js';
import { ConfigError, ForbiddenError } from '../../src/errors.js';

const OPERATOR = '11111111-1111-1111-1111-111111111111';
const GROUP = '22222222-2222-2222-2222-222222222222';
const MEMBER = '33333333-3333-3333-3333-333333333333';
const file = (content: unknown, name = 'roles.json') => {
  const path = join(mkdtempSync(join(tmpdir(), 'roles-')), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('roles', () => {
  const directory = new RoleDirectory(
    loadRolesFile(
      file({
        principals: [
          { id: OPERATOR, defender: 'SecurityOperator', purview: ['InsiderRiskManagement'] },
          { id: GROUP, defender: 'SecurityReader', purview: ['Analyst'] },
        ],
        groups: { [GROUP]: [MEMBER] },
      }),
    ),
  );
  const may = (aadObjectId: string | undefined, capability: 'read' | 'act' | 'hunt') => {
    try {
      directory.authorize({ name: 'X', aadObjectId }, capability, 'do it');
      return true;
    } catch (err) {
      expect(err).toBeInstanceOf(ForbiddenError);
      return false;
    }
  };

  it('needs both a Defender and a Purview role; Operator acts, Reader reads; hunting needs Analyst or Investigator', () => {
    expect([may(OPERATOR, 'read'), may(OPERATOR, 'act'), may(OPERATOR, 'hunt')]).toEqual([true, true, false]);
    expect([may(MEMBER, 'read'), may(MEMBER, 'act'), may(MEMBER, 'hunt')]).toEqual([true, false, true]);
    expect([may(undefined, 'read'), may('44444444-4444-4444-4444-444444444444', 'read')]).toEqual([false, false]);
  });

  it('the demo roles: Alex Wilber acts and hunts, Megan Bowen reads', () => {
    const demo = new RoleDirectory(DEMO_ROLES);
    expect(() => demo.authorize({ name: 'Alex', aadObjectId: '00000000-0000-0000-0000-0000000000020' }, 'act', 'x')).not.toThrow();
    expect(() => demo.authorize({ name: 'Megan', aadObjectId: '00000000-0000-0000-0000-0000000000021' }, 'act', 'x')).toThrow(/Security Operator/);
  });

  it('reads YAML too', () => {
    const yaml = new RoleDirectory(loadRolesFile(file(`principals:\n  - id: ${OPERATOR}\n    defender: SecurityOperator\n    purview: [Investigator]\n`, 'roles.yaml')));
    expect(yaml.may({ name: 'X', aadObjectId: OPERATOR }, 'act')).toBe(true);
    expect(yaml.may({ name: 'X', aadObjectId: OPERATOR }, 'hunt')).toBe(true);
    expect(() => loadRolesFile(file('principals: [ {', 'roles.yml'))).toThrow(/could not be read as YAML/);
  });

  it('refuses a roles file that is not JSON or not the expected shape, naming it', () => {
    expect(() => loadRolesFile(file('{nope'))).toThrow(ConfigError);
    expect(() => loadRolesFile(file({ principals: [{ id: 'alex', defender: 'Admin' }] }))).toThrow(/ROLES_FILE: .*principals\.0\.id: expected an Entra object id/);
  });
});
