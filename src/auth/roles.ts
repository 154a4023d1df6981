/**
 * Who may do what. Microsoft requires both sides for insider-risk work: a Defender role
 * (Security Operator may act, Security Reader may read) and a Purview Insider Risk Management
 * role (Insider Risk Management, Analyst or Investigator). Hunting over this data needs an IRM
 * Analyst or Investigator role (configurable). Everyone else is refused, politely, before any
 * Graph request. One function decides, for card actions, commands and (later) the tab.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, ForbiddenError } from '../errors.js';

export const DEFENDER_ROLES = ['SecurityOperator', 'SecurityReader'] as const;
export const PURVIEW_ROLES = ['InsiderRiskManagement', 'Analyst', 'Investigator'] as const;
export type DefenderRole = (typeof DEFENDER_ROLES)[number];
export type PurviewRole = (typeof PURVIEW_ROLES)[number];

/** What a handler needs: to see incidents, to change them (or the bot's settings), to hunt. */
export type Capability = 'anyone' | 'read' | 'act' | 'hunt';

const guid = z.string().regex(/^[0-9a-fA-F-]{36,37}$/, 'expected an Entra object id (a GUID)');
const rolesFileSchema = z
  .object({
    principals: z
      .array(
        z
          .object({
            /** An Entra user or group object id. */
            id: guid,
            name: z.string().max(256).optional(),
            defender: z.enum(DEFENDER_ROLES).optional(),
            purview: z.array(z.enum(PURVIEW_ROLES)).default([]),
          })
          .strict(),
      )
      .max(10_000),
    /** Groups and their members' object ids, for group grants (the bot does not call Graph for membership). */
    groups: z.record(guid, z.array(guid)).default({}),
    /** Purview roles that may hunt (Microsoft requires Analyst or Investigator for this data). */
    huntingRoles: z.array(z.enum(PURVIEW_ROLES)).default(['Analyst', 'Investigator']),
  })
  .strict();
export type RolesFile = z.infer<typeof rolesFileSchema>;

/** The Playground's users: Alex Wilber acts and hunts, Megan Bowen reads. */
export const DEMO_ROLES: RolesFile = {
  principals: [
    { id: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber', defender: 'SecurityOperator', purview: ['Investigator'] },
    { id: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen', defender: 'SecurityReader', purview: ['Analyst'] },
  ],
  groups: {},
  huntingRoles: ['Analyst', 'Investigator'],
};

/** A roles file in JSON, or YAML when it is named `.yaml` / `.yml`. */
export function loadRolesFile(path: string): RolesFile {
  const yaml = /\.ya?ml$/i.test(path);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`ROLES_FILE: ${path} could not be read as ${yaml ? 'YAML' : 'JSON'} (${(err as Error).message.split('\n')[0]})`]);
  }
  const parsed = rolesFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `ROLES_FILE: ${path} ${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

export interface Grant {
  defender: DefenderRole | null;
  purview: PurviewRole[];
}

export class RoleDirectory {
  private readonly byId = new Map<string, Grant>();
  constructor(private readonly file: RolesFile) {
    const grant = (id: string, defender: DefenderRole | undefined, purview: readonly PurviewRole[]) => {
      const current = this.byId.get(id.toLowerCase()) ?? { defender: null, purview: [] };
      // Operator outranks Reader when someone holds both (directly and through a group).
      if (defender === 'SecurityOperator' || (defender === 'SecurityReader' && current.defender === null)) current.defender = defender;
      for (const role of purview) if (!current.purview.includes(role)) current.purview.push(role);
      this.byId.set(id.toLowerCase(), current);
    };
    for (const principal of file.principals) {
      grant(principal.id, principal.defender, principal.purview);
      for (const member of file.groups[principal.id] ?? []) grant(member, principal.defender, principal.purview);
    }
  }

  grantOf(aadObjectId: string | undefined): Grant {
    return (aadObjectId && this.byId.get(aadObjectId.toLowerCase())) || { defender: null, purview: [] };
  }

  may(actor: { name: string; aadObjectId?: string }, capability: Capability): boolean {
    try {
      this.authorize(actor, capability, '');
      return true;
    } catch {
      return false;
    }
  }

  /** The one decision: may this person do this? Throws ForbiddenError, in words, if not. */
  authorize(actor: { name: string; aadObjectId?: string }, capability: Capability, what: string): void {
    if (capability === 'anyone') return;
    const grant = this.grantOf(actor.aadObjectId);
    const hasIrm = grant.purview.length > 0;
    const ok =
      capability === 'read'
        ? grant.defender !== null && hasIrm
        : capability === 'act'
          ? grant.defender === 'SecurityOperator' && hasIrm
          : grant.defender !== null && grant.purview.some((r) => this.file.huntingRoles.includes(r));
    if (ok) return;
    const need =
      capability === 'read'
        ? 'a Defender role (Security Reader or Security Operator) and an Insider Risk Management role'
        : capability === 'act'
          ? 'the Defender Security Operator role and an Insider Risk Management role'
          : `a Defender role and the Insider Risk Management ${this.file.huntingRoles.join(' or ')} role`;
    throw new ForbiddenError(`Sorry ${actor.name}, to ${what} you need ${need}. Ask your Defender and Purview administrators.`);
  }
}
