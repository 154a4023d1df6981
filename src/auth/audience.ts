/**
 * Who reads what is posted in a conversation. A personal chat is read by its owner alone, so it
 * gets incident cards only while its owner may see incidents (roles are re-checked before each
 * post: they change). A channel or group chat is read by its members: it is registered only by
 * someone who may see incidents, and what each member sees of the person at risk follows the
 * privacy rules (pseudonyms, per-user views).
 */
import type { ConversationRecord } from '../store/store.js';
import type { RoleDirectory } from './roles.js';

/** The Entra object id of a personal chat's owner, as the conversation reference recorded it. */
export function ownerObjectId(conversation: ConversationRecord): string | undefined {
  const owner = conversation.reference.user;
  return owner && typeof owner === 'object' && 'aadObjectId' in owner && typeof owner.aadObjectId === 'string' ? owner.aadObjectId : undefined;
}

export class Audience {
  constructor(private readonly roles: RoleDirectory) {}

  /** Whether the owner of this personal chat may see incidents (false for shared conversations). */
  ownerMayRead(conversation: ConversationRecord): boolean {
    return conversation.kind === 'personal' && this.roles.may({ name: '', aadObjectId: ownerObjectId(conversation) }, 'read');
  }

  /** Whether incident cards may be posted here now. */
  mayReceiveIncidents(conversation: ConversationRecord): boolean {
    return conversation.kind !== 'personal' || this.ownerMayRead(conversation);
  }
}
