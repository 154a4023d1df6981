/** Teams activities as the Bot Service (or the Playground) posts them to /api/messages. */
export const ALEX = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000020', upn: 'alex.wilber@contoso.com' };
export const MEGAN = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: '00000000-0000-0000-0000-0000000000021', upn: 'megan.bowen@contoso.com' };
const BOT = { id: '28:irm-triage-bot', name: 'IRM Triage' };

let counter = 0;

export interface Who {
  id: string;
  name: string;
  aadObjectId: string;
}

export function baseActivity(serviceUrl: string, conversationId: string, from: Who = ALEX, conversationType = conversationId.includes('channel') ? 'channel' : 'personal') {
  return {
    id: `incoming-${++counter}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: BOT,
    conversation: { id: conversationId, conversationType, tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' } },
  };
}

export function installation(serviceUrl: string, conversationId: string, action: 'add' | 'remove' = 'add') {
  return { ...baseActivity(serviceUrl, conversationId), type: 'installationUpdate', action };
}

/** The other event Teams sends when the bot is added: a conversationUpdate naming the bot among the members added. */
export function botAdded(serviceUrl: string, conversationId: string) {
  return { ...baseActivity(serviceUrl, conversationId), type: 'conversationUpdate', membersAdded: [{ id: BOT.id, name: BOT.name }] };
}

export function message(serviceUrl: string, conversationId: string, text: string, from: Who = ALEX) {
  return { ...baseActivity(serviceUrl, conversationId, from), type: 'message', text };
}

export function cardAction(serviceUrl: string, conversationId: string, verb: string, data: Record<string, unknown>, replyToId?: string, from: Who = ALEX) {
  return {
    ...baseActivity(serviceUrl, conversationId, from),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  };
}

export async function postActivity(messagesUrl: string, activity: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}
