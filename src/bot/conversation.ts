/** Conversation references and who is acting, read from Teams activities and checked with zod. */
import { TeamsInfo, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { createLogger } from '../logger.js';
import type { Actor, ConversationRecord } from '../store/store.js';

const log = createLogger('bot');

export const conversationReferenceSchema = z
  .object({
    channelId: z.string().min(1).max(64),
    serviceUrl: z.string().url().max(2048),
    conversation: z.object({ id: z.string().min(1).max(1024), conversationType: z.string().max(64).optional(), tenantId: z.string().max(128).optional() }).passthrough(),
    bot: z.object({ id: z.string().max(1024), name: z.string().max(256).optional() }).passthrough(),
    user: z.object({ id: z.string().max(1024) }).passthrough().optional(),
    locale: z.string().max(32).optional(),
  })
  .passthrough();

export function conversationKind(type: string | undefined): ConversationRecord['kind'] {
  if (type === 'channel') return 'channel';
  if (type === 'groupChat') return 'groupChat';
  return 'personal';
}

/**
 * The conversation an id belongs to. In a channel, a message in a thread arrives with
 * `conversation.id` = `19:…@thread.tacv2;messageid=…`; the channel is the part before
 * `;messageid=`. The bot keeps one record per channel, so a thread never becomes a conversation of
 * its own, and proactive posts go to the channel as new threads ("you must create a new
 * conversation thread rather than reply to an existing one":
 * https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/channel-and-group-conversations).
 * Replies within a turn still go to the thread they answer: they use the incoming activity.
 */
export function conversationKeyOf(conversationId: string): string {
  const thread = conversationId.indexOf(';messageid=');
  return thread < 0 ? conversationId : conversationId.slice(0, thread);
}

/** The store's record of a conversation, from the activity that tells us we are in it. */
export function conversationRecordFrom(activity: Partial<Activity>, reference: Partial<ConversationReference>, now: Date): ConversationRecord | null {
  const parsed = conversationReferenceSchema.safeParse(JSON.parse(JSON.stringify(reference)));
  if (!parsed.success) return null;
  // A reference must not carry the triggering activity's id into later proactive sends, nor the thread it came from.
  const { activityId: _ignored, ...rest } = parsed.data as Record<string, unknown>;
  const key = conversationKeyOf(parsed.data.conversation.id);
  rest.conversation = { ...parsed.data.conversation, id: key };
  return {
    key,
    kind: conversationKind(activity.conversation?.conversationType),
    reference: rest,
    installedAt: now.toISOString(),
    backfilled: false,
  };
}

export function referenceOf(record: ConversationRecord): Partial<ConversationReference> {
  const r = conversationReferenceSchema.parse(record.reference);
  const type = r.conversation.conversationType ?? 'personal';
  return {
    channelId: r.channelId,
    serviceUrl: r.serviceUrl,
    locale: r.locale,
    conversation: { ...r.conversation, id: r.conversation.id, name: '', isGroup: type !== 'personal', conversationType: type },
    bot: { ...r.bot, id: r.bot.id, name: r.bot.name ?? '' },
    user: r.user ? { ...r.user, id: r.user.id, name: '' } : undefined,
  };
}

const upnCache = new Map<string, string>();
const MEMBER_LOOKUP_TIMEOUT_MS = 5_000;

function withDeadline<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  pending.catch(() => undefined);
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}

/** Who clicked or typed: name and Entra object id from the activity, UPN from Teams when it answers. */
export async function actorOf(context: TurnContext): Promise<Actor> {
  const from = context.activity.from ?? { id: 'unknown', name: 'Unknown user' };
  const actor: Actor = { id: String(from.id).slice(0, 256), name: String(from.name ?? 'Unknown user').slice(0, 256) };
  if (from.aadObjectId) actor.aadObjectId = String(from.aadObjectId).slice(0, 64);
  const upn = await memberUpn(context, actor.id);
  return upn ? { ...actor, upn } : actor;
}

/** A conversation member's UPN as Teams gives it (*Get single member details*), or undefined when Teams does not answer. */
export async function memberUpn(context: TurnContext, teamsId: string): Promise<string | undefined> {
  const cached = upnCache.get(teamsId);
  if (cached) return cached;
  try {
    // A Teams endpoint that never answers must not hold the turn: the UPN is a nicety.
    const member = await withDeadline(TeamsInfo.getMember(context, teamsId), MEMBER_LOOKUP_TIMEOUT_MS);
    if (member.userPrincipalName) {
      upnCache.set(teamsId, member.userPrincipalName);
      return member.userPrincipalName;
    }
  } catch (err) {
    log.debug('could not look up the member UPN', { err });
  }
  return undefined;
}
