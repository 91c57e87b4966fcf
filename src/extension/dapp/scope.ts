// What a grant lets an origin see: a capability, optionally limited by a conversationIdPrefix caveat (issue #6).
// A conversation without a conversationId never matches a prefix: the caveat is an allow-list.
import type { ConversationRecord } from '@/extension/cache/records';
import type { Capability, Grant } from '@/extension/messages/dapp';

export function findGrant(grants: readonly Grant[], capability: Capability): Grant | undefined {
  return grants.find((grant) => grant.parentCapability === capability);
}

/** The prefix a grant is limited to, if any. */
export function prefixOf(grant: Grant): string | undefined {
  return grant.caveats.find((caveat) => caveat.type === 'conversationIdPrefix')?.value;
}

export function conversationInScope(
  grant: Grant,
  conversation: Pick<ConversationRecord, 'conversationId'>,
): boolean {
  const prefix = prefixOf(grant);
  if (prefix === undefined) return true;
  return typeof conversation.conversationId === 'string' && conversation.conversationId.startsWith(prefix);
}

export function conversationIdInScope(grant: Grant, conversationId: string | undefined): boolean {
  return conversationInScope(grant, { conversationId });
}

/**
 * Whether a prefix names the site's own host (`shop.example`, `shop.example/…`, also with its port): the
 * approval window warns when it does not, since the site then asks for conversations another app labelled.
 */
export function prefixFromSite(origin: string, prefix: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return [url.host, url.hostname].some((host) => prefix === host || prefix.startsWith(`${host}/`));
}
