// What the node needs to know about a topic (docs/protocol.md §5, §2.3): its category, read from
// `/xmtp/0/<category>-<rest>/…`, decides ephemerality, publish ownership and the row limit.
// Topic formats are otherwise not validated.

export interface TopicCategory {
  /** e.g. `contact`, `privatestore`, `m`, `mE`, `dm`, `dmE`, `invite`, `userpreferences`. */
  kind: string;
  /** The part after the first `-` up to the next one (the wallet for contact/privatestore). */
  owner: string | undefined;
}

/** Category of an `/xmtp/0/` topic, or undefined for any other topic. */
export function topicCategory(topic: string): TopicCategory | undefined {
  if (!topic.startsWith('/xmtp/0/')) return undefined;
  const segment = topic.split('/')[3] ?? '';
  const parts = segment.split('-');
  return { kind: parts[0] ?? '', owner: parts[1] };
}

/** Ephemeral topics are relayed and never stored (§5). */
export function isEphemeralTopic(topic: string): boolean {
  return topic.startsWith('/xmtp/0/mE-') || topic.startsWith('/xmtp/0/dmE-');
}

export function isUserPreferencesTopic(topic: string): boolean {
  return topicCategory(topic)?.kind === 'userpreferences';
}

/** contact- and privatestore- topics: only their own wallet may publish there (§2.3). */
export function isRestrictedTopic(topic: string): boolean {
  const kind = topicCategory(topic)?.kind;
  return kind === 'contact' || kind === 'privatestore';
}

/** How far ahead of the node's clock an envelope on a restricted topic may be stamped (clients' clock skew). */
export const MAX_RESTRICTED_FUTURE_MS = 15 * 60_000;

/**
 * Whether an envelope on a restricted topic is stamped too far in the future. Clients read these topics newest
 * first, so a far-future envelope there would shadow the owner's real bundle until that time. Over HTTP the
 * owner's token is checked too; a peer's relay carries no token, so this rule is what holds for relayed ones.
 */
export function stampedTooFarAhead(topic: string, timestampNs: bigint, nowMs: number): boolean {
  return isRestrictedTopic(topic) && timestampNs > BigInt(nowMs + MAX_RESTRICTED_FUTURE_MS) * 1_000_000n;
}
