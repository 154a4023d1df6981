/**
 * The person at risk is presumed innocent, and Defender (unlike Purview) does not pseudonymise
 * them. So a card any member of a channel or group chat can see names them by a pseudonym
 * ("User 7F3A", stable per person, meaningless outside this bot); analysts with an IRM role see
 * the real name in their own view of the card (`refresh.userIds`, at most 60 people) or by
 * *Reveal*, checked and audited server-side. A personal chat shows names when its owner may read.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Namer } from '../cards/view-models.js';
import { byName, upnOf } from '../cards/view-models.js';
import type { Actor, ConversationRecord, Store } from '../store/store.js';
import type { RoleDirectory } from './roles.js';
import { Audience } from './audience.js';
import { pseudonymiser, type Pseudonymiser } from './pseudonymise.js';

/** Teams shows a card's per-user view to at most this many people. */
export const MAX_REFRESH_USERS = 60;

export class Privacy {
  private readonly audience: Audience;

  constructor(
    private readonly store: Store,
    private readonly roles: RoleDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audience = new Audience(roles);
  }

  /** Per-store secret: pseudonyms stay stable here and mean nothing elsewhere. */
  private salt(): string {
    const existing = this.store.data.pseudonymSalt;
    if (existing) return existing;
    const salt = randomBytes(16).toString('hex');
    this.store.stage((d) => void (d.pseudonymSalt = salt));
    return salt;
  }

  private digest(text: string): string {
    return createHmac('sha256', this.salt()).update(text.toLowerCase()).digest('hex').slice(0, 4).toUpperCase();
  }

  pseudonym(upnOrName: string): string {
    return `User ${this.digest(upnOrName)}`;
  }

  /** A device by host name: `Device XXXX` (prefixed, so a device never shares a person's code). */
  devicePseudonym(hostName: string): string {
    return `Device ${this.digest(`device:${hostName}`)}`;
  }

  readonly pseudonymous: Namer = (user) => this.pseudonym(upnOf(user) ?? user.displayName ?? 'unknown');

  /** How a card posted in this conversation names people. */
  namerFor(conversation: ConversationRecord): Namer {
    return this.audience.ownerMayRead(conversation) ? byName : this.pseudonymous;
  }

  /**
   * A hunting result as a shared conversation may see it: every person and device the rule in
   * pseudonymise.ts finds in the rows (and in `texts`: the query, its parameters) by pseudonym.
   */
  pseudonymiser(rows: readonly Record<string, unknown>[], texts: readonly string[] = []): Pseudonymiser {
    return pseudonymiser({ rows, texts }, { person: (upn) => this.pseudonym(upn), device: (host) => this.devicePseudonym(host) });
  }

  /** Remember an analyst who may see names, so shared cards can offer them their own view. */
  async rememberViewer(actor: Actor): Promise<void> {
    if (!this.roles.may(actor, 'read') || this.store.data.viewers[actor.id]) return;
    await this.store.update((d) => void (d.viewers[actor.id] = { name: actor.name, seenAt: this.now().toISOString() }));
  }

  /** Teams ids of the analysts whose view of a shared card names the person (most recent first). */
  viewerIds(): string[] {
    return Object.entries(this.store.data.viewers)
      .sort(([, a], [, b]) => b.seenAt.localeCompare(a.seenAt))
      .slice(0, MAX_REFRESH_USERS)
      .map(([id]) => id);
  }
}
