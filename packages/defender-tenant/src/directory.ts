/** The Contoso users the embedded tenant knows: at-risk users for seed incidents, plus anyone an admin request names. */
import { createRandom } from './prng.js';

export interface DirectoryUser {
  upn: string;
  displayName: string;
  objectId: string;
  department: string;
  jobTitle: string;
  deviceName: string;
  /** Defender for Endpoint device id (40 hex digits). */
  deviceId: string;
  ipAddress: string;
  /** The UPN of the person they report to, or null (the top of the organisation, or a user an admin request made up). */
  managerUpn: string | null;
}

export const TENANT_DOMAIN = 'contoso.com';

type Person = readonly [displayName: string, department: string, jobTitle: string, manager: string | null];

const PEOPLE: readonly Person[] = [
  ['Adele Vance', 'Retail', 'Product Manager', 'Miriam Graham'],
  ['Lee Gu', 'Manufacturing', 'Director', 'Patti Fernandez'],
  ['Nestor Wilke', 'Operations', 'Director', 'Patti Fernandez'],
  ['Isaiah Langer', 'Sales', 'Sales Representative', 'Miriam Graham'],
  ['Pradeep Gupta', 'Finance', 'Accountant', 'Lynne Robbins'],
  ['Lidia Holloway', 'Engineering', 'Product Manager', 'Henrietta Mueller'],
  ['Diego Siciliani', 'Human Resources', 'HR Manager', 'Patti Fernandez'],
  ['Johanna Lorenz', 'Engineering', 'Senior Engineer', 'Henrietta Mueller'],
];
/** Not at risk in the seed, but present in background activity. */
const BYSTANDERS: readonly Person[] = [
  ['Megan Bowen', 'Marketing', 'Marketing Manager', 'Miriam Graham'],
  ['Grady Archie', 'Research & Development', 'Designer', 'Henrietta Mueller'],
  ['Joni Sherman', 'Legal', 'Paralegal', 'Patti Fernandez'],
];
/** The people the others report to: in the directory (and its identity data), in no incident and no background activity. */
const MANAGERS: readonly Person[] = [
  ['Patti Fernandez', 'Executive Management', 'President', null],
  ['Miriam Graham', 'Sales & Marketing', 'Director', 'Patti Fernandez'],
  ['Lynne Robbins', 'Finance', 'Finance Director', 'Patti Fernandez'],
  ['Henrietta Mueller', 'Engineering', 'Engineering Director', 'Patti Fernandez'],
];

/** FNV-1a: a stable 32-bit hash of a string (names, conversation ids). */
export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** "lee.gu@contoso.com" → "Lee Gu". */
export function displayNameFromUpn(upn: string): string {
  const local = upn.split('@')[0] ?? upn;
  return local
    .split(/[._-]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}

/** A user built from a UPN alone: the same UPN always gives the same ids and device. */
export function makeUser(upn: string, displayName?: string, department = 'Contoso', jobTitle = 'Employee', managerUpn: string | null = null): DirectoryUser {
  const lower = upn.toLowerCase();
  const random = createRandom(hashString(lower));
  const name = displayName ?? displayNameFromUpn(lower);
  const firstName = (name.split(/\s+/)[0] ?? 'user').toUpperCase().replace(/[^A-Z]/g, '').slice(0, 10) || 'USER';
  const deviceName = `LT-${firstName}-${random.int(10, 99)}`;
  return {
    upn: lower,
    displayName: name,
    objectId: random.guid(),
    department,
    jobTitle,
    deviceName,
    deviceId: random.hex(40),
    ipAddress: `10.${random.int(0, 20)}.${random.int(0, 254)}.${random.int(2, 254)}`,
    managerUpn,
  };
}

const upnFor = (displayName: string) => `${displayName.toLowerCase().replace(/\s+/g, '.')}@${TENANT_DOMAIN}`;

/** The eight users seed incidents are about, in a fixed order. */
const userOf = ([name, department, title, manager]: Person) => makeUser(upnFor(name), name, department, title, manager === null ? null : upnFor(manager));
export const SEED_USERS: readonly DirectoryUser[] = PEOPLE.map(userOf);
export const BYSTANDER_USERS: readonly DirectoryUser[] = BYSTANDERS.map(userOf);
export const MANAGER_USERS: readonly DirectoryUser[] = MANAGERS.map(userOf);

/** Users by lowercased UPN. */
export class Directory {
  private readonly users = new Map<string, DirectoryUser>();
  constructor() {
    for (const user of [...SEED_USERS, ...BYSTANDER_USERS, ...MANAGER_USERS]) this.users.set(user.upn, user);
  }
  get(upn: string): DirectoryUser | undefined {
    return this.users.get(upn.toLowerCase());
  }
  /** The known user, or a new one made from the UPN (the display name given wins for a new user); `added` says which. */
  resolve(upn: string, displayName?: string): { user: DirectoryUser; added: boolean } {
    const known = this.get(upn);
    if (known) return { user: known, added: false };
    const user = makeUser(upn, displayName);
    this.users.set(user.upn, user);
    return { user, added: true };
  }
  all(): DirectoryUser[] {
    return [...this.users.values()];
  }
}
