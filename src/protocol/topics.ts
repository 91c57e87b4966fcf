// Topic names (§5) and their categories as the node sees them (§2.3): auth rules and ephemerality.
import { toChecksumAddress } from './address';

const PREFIX = '/xmtp/0/';

const build = (name: string): string => `${PREFIX}${name}/proto`;

export function contactTopic(address: string): string {
  return build(`contact-${toChecksumAddress(address)}`);
}

export function privateStoreTopic(address: string): string {
  return build(`privatestore-${toChecksumAddress(address)}/key_bundle`);
}

export function introTopic(address: string): string {
  return build(`intro-${toChecksumAddress(address)}`);
}

export function inviteTopic(address: string): string {
  return build(`invite-${toChecksumAddress(address)}`);
}

/**
 * The V1 conversation topic of two addresses: both EIP-55, sorted with JavaScript's default string
 * order (UTF-16 code units, so digits < A–F < a–f), joined with `-` (§5).
 */
export function dmTopic(a: string, b: string, ephemeral = false): string {
  const [x, y] = [toChecksumAddress(a), toChecksumAddress(b)].sort();
  return build(`${ephemeral ? 'dmE' : 'dm'}-${x}-${y}`);
}

/** A V2 conversation topic from its id (64 hex chars for deterministic topics, §8.2). */
export function conversationTopic(id: string): string {
  return build(`m-${id}`);
}

export function userPreferencesTopic(identifier: string): string {
  return build(`userpreferences-${identifier}`);
}

/** The ephemeral twin of a conversation topic: dm → dmE (V1), m → mE (V2) (§5). */
export function ephemeralTopic(topic: string): string {
  if (topic.startsWith(`${PREFIX}dm-`)) return `${PREFIX}dmE-${topic.slice(PREFIX.length + 3)}`;
  if (topic.startsWith(`${PREFIX}m-`)) return `${PREFIX}mE-${topic.slice(PREFIX.length + 2)}`;
  return topic;
}

/**
 * xmtp-js `isValidTopic`: the text after the first `0/` and before the last `/proto` must be ASCII
 * 0x21–0x7F only (§5). Used to drop invitations and V1 topics with odd characters.
 */
export function isValidTopic(topic: string): boolean {
  const start = topic.indexOf('0/');
  const end = topic.lastIndexOf('/proto');
  if (start < 0 || end < 0) return false;
  const body = topic.slice(start + 2, end);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 0x21 || c > 0x7f) return false;
  }
  return true;
}

export type TopicCategory =
  | 'contact'
  | 'privatestore'
  | 'intro'
  | 'invite'
  | 'dm'
  | 'dmE'
  | 'm'
  | 'mE'
  | 'groupInvite'
  | 'userpreferences'
  | 'other';

const CATEGORIES = new Set<TopicCategory>([
  'contact',
  'privatestore',
  'intro',
  'invite',
  'dm',
  'dmE',
  'm',
  'mE',
  'groupInvite',
  'userpreferences',
]);

export interface TopicInfo {
  category: TopicCategory;
  /**
   * The address segment for `contact`, `privatestore`, `intro` and `invite` topics, exactly as written
   * in the topic (the node compares it case-sensitively with the token's wallet, §2.3); else undefined.
   */
  address?: string;
  /** Ephemeral topics (dmE, mE) are relayed but never stored (§5). */
  ephemeral: boolean;
  /** True for topics under `/xmtp/0/`: only those are subject to the publish rules of §2.3. */
  xmtp0: boolean;
}

/**
 * Category of a topic as xmtp-node-go's `allowedToPublish` reads it (§2.3): segment 3 of the `/`
 * split, then part 0 of its `-` split. Topics outside `/xmtp/0/` are `other`.
 */
export function topicCategory(topic: string): TopicInfo {
  if (!topic.startsWith(PREFIX)) return { category: 'other', ephemeral: false, xmtp0: false };
  const segment = topic.split('/')[3] ?? '';
  const parts = segment.split('-');
  const head = parts[0] as TopicCategory;
  const category: TopicCategory = CATEGORIES.has(head) ? head : 'other';
  const info: TopicInfo = { category, ephemeral: category === 'dmE' || category === 'mE', xmtp0: true };
  if (
    category === 'contact' ||
    category === 'privatestore' ||
    category === 'intro' ||
    category === 'invite'
  ) {
    // The node takes part 1 of the `-` split; an address has no `-`, so this is the whole rest.
    info.address = parts[1] ?? '';
  }
  return info;
}
