/**
 * The person at risk is presumed innocent, and Defender (unlike Purview) does not pseudonymise
 * them. So a card any member of a channel or group chat can see names them by a pseudonym
 * ("User 7F3A", stable per person, meaningless outside this bot); analysts with an IRM role see
 * the real name in their own view of the card (`refresh.userIds`, at most 60 people) or by
 * *Reveal*, checked and audited server-side. A personal chat shows names when its owner may read.
 */
import { createHmac } from 'node:crypto';
import type { Namer } from '../cards/common.js';
import { byName } from '../cards/common.js';
import { upnOf } from '../defender/incidents.js';
import type { Actor, ConversationRecord, Store } from '../store/store.js';
import type { RoleDirectory } from './roles.js';
import { Audience } from './audience.js';
import { pseudonymiser, type Pseudonymiser } from './pseudonymise.js';

/** Teams shows a card's per-user view to at most this many people. */
export const MAX_REFRESH_USERS = 60;

/** How stale an analyst's last-seen time may grow before it is written again (see `rememberViewer`). */
const VIEWER_SEEN_REFRESH_MS = 60 * 60 * 1000;

export class Privacy {
  private readonly audience: Audience;
  /** The store's salt once it was handed out (it never changes after that). */
  private salt: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly roles: RoleDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audience = new Audience(roles);
  }

  /**
   * Per-store secret: pseudonyms stay stable here and mean nothing elsewhere. The store writes it
   * before handing it out, so everything that names people by pseudonym waits for it first (and
   * fails, naming nobody, when it cannot be saved).
   */
  private async ready(): Promise<void> {
    this.salt ??= await this.store.pseudonymSalt();
  }

  private digest(text: string): string {
    // Only reached through `ready()`: the pseudonymous namer is handed out after it.
    if (this.salt === null) throw new Error('pseudonyms are drawn before the salt was read');
    return createHmac('sha256', this.salt).update(text.toLowerCase()).digest('hex').slice(0, 4).toUpperCase();
  }

  private personCode(upnOrName: string): string {
    return `User ${this.digest(upnOrName)}`;
  }

  private deviceCode(hostName: string): string {
    return `Device ${this.digest(`device:${hostName}`)}`;
  }

  async pseudonym(upnOrName: string): Promise<string> {
    await this.ready();
    return this.personCode(upnOrName);
  }

  /** A device by host name: `Device XXXX` (prefixed, so a device never shares a person's code). */
  async devicePseudonym(hostName: string): Promise<string> {
    await this.ready();
    return this.deviceCode(hostName);
  }

  /** Names people by pseudonym; handed out (by `namerFor`) only once the salt is saved. */
  readonly pseudonymous: Namer = (user) => this.personCode(upnOf(user) ?? user.displayName ?? 'unknown');

  /** How a card posted in this conversation names people. */
  async namerFor(conversation: ConversationRecord): Promise<Namer> {
    if (this.audience.ownerMayRead(conversation)) return byName;
    await this.ready();
    return this.pseudonymous;
  }

  /**
   * A hunting result as a shared conversation may see it: every person and device the rule in
   * pseudonymise.ts finds in the rows (and in `texts`: the query, its parameters) by pseudonym.
   */
  async pseudonymiser(rows: readonly Record<string, unknown>[], texts: readonly string[] = []): Promise<Pseudonymiser> {
    await this.ready();
    return pseudonymiser({ rows, texts }, { person: (upn) => this.personCode(upn), device: (host) => this.deviceCode(host) });
  }

  /**
   * Remember an analyst who may see names, and when they were last seen, so shared cards can offer
   * them their own view (the most recent first). Someone already known is seen again at most hourly:
   * the order only chooses who is among the 60, and a store write on every click would slow them all.
   */
  async rememberViewer(actor: Actor): Promise<void> {
    if (!this.roles.may(actor, 'read')) return;
    const now = this.now();
    const known = (await this.store.viewers())[actor.id];
    if (known && now.getTime() - Date.parse(known.seenAt) < VIEWER_SEEN_REFRESH_MS) return;
    await this.store.rememberViewer(actor.id, { name: actor.name, seenAt: now.toISOString() });
  }

  /** Teams ids of the analysts whose view of a shared card names the person (most recent first). */
  async viewerIds(): Promise<string[]> {
    return Object.entries(await this.store.viewers())
      .sort(([, a], [, b]) => b.seenAt.localeCompare(a.seenAt))
      .slice(0, MAX_REFRESH_USERS)
      .map(([id]) => id);
  }
}
