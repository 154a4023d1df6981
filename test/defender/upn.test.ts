/** One UPN rule wherever a person is named: hunting, subscriptions and the on-call rota agree. */
import { describe, expect, it } from 'vitest';
import { userParam } from '../../src/hunting/params.js';
import { parseUpn } from '../../src/oncall/schedule.js';
import { parseSubscription } from '../../src/sync/subscriptions.js';

const accepts = {
  hunting: (upn: string) => userParam({ required: true, description: '' }).schema.safeParse(upn).success,
  subscription: (upn: string) => {
    try {
      parseSubscription([`user=${upn}`]);
      return true;
    } catch {
      return false;
    }
  },
  onCall: (upn: string) => {
    try {
      parseUpn(upn);
      return true;
    } catch {
      return false;
    }
  },
};

describe('user principal names', () => {
  it.each([
    ['adele.vance@contoso.com', true],
    ["o'brien@contoso.com", true],
    ['jane_fabrikam.com#EXT#@contoso.onmicrosoft.com', true],
    ['a+b@contoso.com', false],
    ['.adele@contoso.com', false],
    ['adele..vance@contoso.com', false],
    ['adele@localhost', false],
    [`${'a'.repeat(65)}@contoso.com`, false],
  ])('%s: %s everywhere', (upn, valid) => {
    expect([accepts.hunting(upn), accepts.subscription(upn), accepts.onCall(upn)]).toEqual([valid, valid, valid]);
  });
});
