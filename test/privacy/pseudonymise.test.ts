/** The rule that takes people and devices out of a hunting result for a shared conversation. */
import { describe, expect, it } from 'vitest';
import { keyKind, pseudonymiser } from '../../src/auth/pseudonymise.js';

/** Pseudonyms that show what they stand for, so a test can say which identity a value became. */
const person = (id: string) => `User<${id.toLowerCase()}>`;
const device = (id: string) => `Device<${id.toLowerCase()}>`;
const NAMES = { person, device };
const LEE = 'lee.gu@contoso.com';
const rewrite = (rows: Record<string, unknown>[], texts: string[] = []) => pseudonymiser({ rows, texts }, NAMES).rows(rows);

describe('what a key says', () => {
  it.each([
    ['AccountUpn', 'person'],
    ['AccountEmail', 'person'],
    ['AccountName', 'person'],
    ['AccountObjectId', 'person'],
    ['AccountSid', 'person'],
    ['InitiatingProcessAccountUpn', 'person'],
    ['RecipientEmailAddress', 'person'],
    ['SenderFromAddress', 'person'],
    ['DisplayName', 'person'],
    ['userPrincipalName', 'person'],
    ['user_name', 'person'],
    ['username', 'person'],
    ['ManagerId', 'person'],
    ['LastModifiedBy', 'person'],
    ['ObjectId', 'person'],
    ['samaccountname', 'person'],
    ['LoggedOnUsers', 'person'],
    ['DeviceObjectId', 'person'],
    ['DeviceName', 'device'],
    ['RemoteDeviceName', 'device'],
    ['DeviceId', 'device'],
    ['HostName', 'device'],
    ['ComputerDnsName', 'device'],
    ['MachineName', 'device'],
    ['AccountDomain', 'text'],
    ['DeviceDestinationLocationType', 'text'],
    ['MachineGroup', 'text'],
    ['EmailSubject', 'text'],
    ['UserAgent', 'text'],
    ['EmailDirection', 'text'],
    ['RiskFactor', undefined],
    ['FileName', undefined],
    ['ObjectName', undefined],
    ['FolderPath', undefined],
    ['PrinterName', undefined],
    ['Description', undefined],
    ['Bytes', undefined],
    ['Timestamp', undefined],
  ])('%s: %s', (key, kind) => {
    expect(keyKind(key)).toBe(kind);
  });
});

describe('pseudonymising a hunting result', () => {
  it('the tester’s rows: a device named after its user, a profile path, a display name in a JSON string, a name in free text', () => {
    const [media, evidence, behaviour] = rewrite(
      [
        { AccountUpn: LEE, DeviceName: 'LT-LEE-83', Copies: 3 },
        {
          AccountUpn: LEE,
          AccountName: 'lee.gu',
          AccountDomain: 'contoso.com',
          AccountObjectId: '3f1c2a9e-1111-4222-8333-444455556666',
          FolderPath: 'C:\\Users\\lee.gu\\Documents',
          AdditionalFields: JSON.stringify({ DisplayName: 'Lee Gu', Department: 'Manufacturing' }),
          DeviceName: 'lt-lee-83.contoso.com',
          DeviceId: 'a0'.repeat(20),
        },
        { Description: 'Unusual volume of file copies to USB by Lee Gu', DeviceInfo: { DeviceName: 'LT-LEE-83', DeviceId: 'b1'.repeat(20), IsManaged: true } },
      ],
      [`| where AccountUpn =~ "${LEE}"`],
    );
    expect(media).toEqual({ AccountUpn: person(LEE), DeviceName: device('lt-lee-83'), Copies: 3 });
    // One person, one pseudonym: the account name, object id and display name are the row's UPN.
    expect(evidence).toEqual({
      AccountUpn: person(LEE),
      AccountName: person(LEE),
      AccountDomain: 'contoso.com',
      AccountObjectId: person(LEE),
      FolderPath: `C:\\Users\\${person(LEE)}\\Documents`,
      AdditionalFields: JSON.stringify({ DisplayName: person(LEE), Department: 'Manufacturing' }),
      DeviceName: device('lt-lee-83'),
      DeviceId: device('lt-lee-83'),
    });
    // No user column: the query's parameter names Lee, and "Lee Gu" follows from lee.gu.
    expect(behaviour).toEqual({ Description: `Unusual volume of file copies to USB by ${person(LEE)}`, DeviceInfo: { DeviceName: device('lt-lee-83'), DeviceId: device('lt-lee-83'), IsManaged: true } });
  });

  it('a person who appears only inside a dynamic column: nested objects, arrays, JSON strings', () => {
    const [row] = rewrite([
      {
        Timestamp: '2026-11-20T08:00:00Z',
        ActionType: 'FileShared',
        Details: { Approval: { Approver: { DisplayName: 'Joni Sherman', UserPrincipalName: 'joni.sherman@contoso.com', Id: '77' } }, Note: 'approved by Joni Sherman' },
        Recipients: '["grady.archie@contoso.com","megan.bowen@contoso.com"]',
        Evidence: [{ EntityType: 'User', Host: { HostName: 'DESKTOP-JONI' } }],
      },
    ]);
    const joni = person('joni.sherman@contoso.com');
    expect(row).toEqual({
      Timestamp: '2026-11-20T08:00:00Z',
      ActionType: 'FileShared',
      Details: { Approval: { Approver: { DisplayName: joni, UserPrincipalName: joni, Id: '77' } }, Note: `approved by ${joni}` },
      Recipients: JSON.stringify([person('grady.archie@contoso.com'), person('megan.bowen@contoso.com')]),
      Evidence: [{ EntityType: 'User', Host: { HostName: device('desktop-joni') } }],
    });
  });

  it('free text: email addresses, profile paths, OneDrive sites and every known identity as a word, in any case and spelling', () => {
    const [row] = rewrite([
      {
        AccountUpn: LEE,
        DeviceName: 'LT-LEE-83',
        Mac: '/Users/lee.gu/Desktop/x.zip',
        Linux: '/home/lgu/.ssh/id_rsa',
        Windows: 'C:\\Users\\Lee Gu\\Documents\\plan.docx',
        Public: 'C:\\Users\\Public\\Documents\\readme.txt',
        SiteUrl: 'https://contoso-my.sharepoint.com/personal/lee_gu_contoso_com/Documents',
        Note: 'LEE GU sent it to pradeep.gupta@contoso.com from lt-lee-83; LeeGu, lee_gu and Lee agreed, then lgu left',
        Unrelated: 'Leeds office guide: Gus and Lees',
      },
    ]);
    const lee = person(LEE);
    expect(row).toMatchObject({
      Mac: `/Users/${lee}/Desktop/x.zip`,
      Linux: `/home/${person('lgu')}/.ssh/id_rsa`,
      Windows: `C:\\Users\\${lee}\\Documents\\plan.docx`,
      Public: 'C:\\Users\\Public\\Documents\\readme.txt',
      SiteUrl: `https://contoso-my.sharepoint.com/personal/${lee}/Documents`,
      Note: `${lee} sent it to ${person('pradeep.gupta@contoso.com')} from ${device('lt-lee-83')}; ${lee}, ${lee} and ${lee} agreed, then ${person('lgu')} left`,
      // Words that merely contain a name are not names.
      Unrelated: 'Leeds office guide: Gus and Lees',
    });
  });

  it('identities gathered from any row rewrite every row, and a display name without a UPN beside it is still that person', () => {
    const rows = rewrite([{ Description: 'Lee Gu printed 40 files' }, { DisplayName: 'Lee Gu' }, { AccountUpn: LEE }, { AccountDisplayName: 'Nestor Wilke', Comment: 'Nestor Wilke again' }]);
    expect(rows).toEqual([{ Description: `${person(LEE)} printed 40 files` }, { DisplayName: person(LEE) }, { AccountUpn: person(LEE) }, { AccountDisplayName: person('Nestor Wilke'), Comment: `${person('Nestor Wilke')} again` }]);
  });

  it('a row naming two people keeps them apart; a person field with several addresses names each', () => {
    const [row] = rewrite([{ AccountUpn: LEE, RecipientEmailAddress: 'Adele Vance <adele.vance@contoso.com>', AccountObjectId: 'oid-1', CcRecipients: 'a@fabrikam.com; b@fabrikam.com' }]);
    expect(row).toEqual({
      AccountUpn: person(LEE),
      RecipientEmailAddress: person('adele.vance@contoso.com'),
      AccountObjectId: person(LEE),
      CcRecipients: `${person('a@fabrikam.com')}; ${person('b@fabrikam.com')}`,
    });
  });

  it('lists of people (make_set(AccountUpn)) and of devices', () => {
    const [row] = rewrite([{ Users: [LEE, 'Adele Vance'], Devices: '["LT-LEE-83","lt-adele-12.contoso.com"]', Files: ['plan.docx'] }]);
    expect(row).toEqual({ Users: [person(LEE), person('Adele Vance')], Devices: JSON.stringify([device('lt-lee-83'), device('lt-adele-12')]), Files: ['plan.docx'] });
  });

  it('leaves what names no one as it was: numbers, booleans, nulls, timestamps, file names, domains, empty strings, the input rows', () => {
    const input = { Timestamp: '2026-11-20T08:00:00Z', ObjectSize: 1234, IsAnomalous: true, SensitivityLabelInfo: null, FileName: 'Q3_Financial_Forecast.xlsx', TargetUrlDomain: 'drive.google.com', AccountUpn: '', Categories: '["Exfiltration"]' };
    const copy = structuredClone(input);
    expect(rewrite([input])).toEqual([input]);
    expect(input).toEqual(copy);
  });

  it('rewrites the query and its parameters the same way', () => {
    const p = pseudonymiser({ rows: [], texts: [`| where AccountUpn =~ "${LEE}"`] }, NAMES);
    expect(p.text(`DataSecurityBehaviors\n| where AccountUpn =~ "${LEE}"\n| project Description`)).toBe(`DataSecurityBehaviors\n| where AccountUpn =~ "${person(LEE)}"\n| project Description`);
    expect(p.text(`user=${LEE} · days=30`)).toBe(`user=${person(LEE)} · days=30`);
    expect(p.text('ext=.zip · days=7')).toBe('ext=.zip · days=7');
  });

  it('a guest’s UPN gives the guest’s own name, not the host domain', () => {
    const guest = 'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com';
    const [row] = rewrite([{ AccountUpn: guest, Note: 'Jane Doe shared it on contoso.com' }]);
    expect(row).toEqual({ AccountUpn: person(guest), Note: `${person(guest)} shared it on contoso.com` });
  });
});
