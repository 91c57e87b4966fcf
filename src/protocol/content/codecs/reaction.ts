// xmtp.org/reaction:1.0 (docs/protocol.md §10.2): JSON form, and the legacy parameter form on decode.
import { utf8 } from '@/protocol/bytes';
import { ProtocolError } from '@/protocol/errors';
import type { ContentCodec } from '@/protocol/content/codec';
import { contentTypeId } from '@/protocol/content/content-type-id';
import type { EncodedContent } from '@/protocol/content/encoded-content';
import { requireParameter, requireString } from './params';

export const ContentTypeReaction = contentTypeId('xmtp.org', 'reaction', 1, 0);

export type ReactionAction = 'added' | 'removed';
export type ReactionSchema = 'unicode' | 'shortcode' | 'custom';

export interface Reaction {
  /** Message id (hex sha256, docs/protocol.md §7.1) of the message reacted to. */
  reference: string;
  /** Inbox id of that message's sender (group conversations only). */
  referenceInboxId?: string;
  action: ReactionAction;
  /** The emoji, shortcode or custom reaction. */
  content: string;
  schema: ReactionSchema;
}

const ACTIONS: readonly string[] = ['added', 'removed'];
const SCHEMAS: readonly string[] = ['unicode', 'shortcode', 'custom'];

function checked(raw: Record<string, unknown>): Reaction {
  const action = requireString(raw.action, 'reaction action');
  const schema = requireString(raw.schema, 'reaction schema');
  if (!ACTIONS.includes(action)) {
    throw new ProtocolError('invalid_content', `invalid reaction action ${JSON.stringify(action)}`);
  }
  if (!SCHEMAS.includes(schema)) {
    throw new ProtocolError('invalid_content', `invalid reaction schema ${JSON.stringify(schema)}`);
  }
  const reaction: Reaction = {
    reference: requireString(raw.reference, 'reaction reference'),
    action: action as ReactionAction,
    content: requireString(raw.content, 'reaction content'),
    schema: schema as ReactionSchema,
  };
  if (raw.referenceInboxId != null) {
    reaction.referenceInboxId = requireString(raw.referenceInboxId, 'reaction referenceInboxId');
  }
  return reaction;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder('utf-8');

export const reactionCodec: ContentCodec<Reaction> = {
  contentType: ContentTypeReaction,
  encode(reaction) {
    const { action, reference, referenceInboxId, schema, content } = checked({ ...reaction });
    // Key order and omission of an absent referenceInboxId match @xmtp/content-type-reaction's
    // JSON.stringify, so both produce the same bytes.
    const json = JSON.stringify({ action, reference, referenceInboxId, schema, content });
    return { type: ContentTypeReaction, parameters: {}, content: utf8(json) };
  },
  decode(encoded: EncodedContent) {
    const text = decoder.decode(encoded.content);
    const json = parseJson(text);
    if (json) return checked(json);
    // Legacy form (older codec versions): the bare reaction text, the rest in parameters.
    return checked({
      action: requireParameter(encoded, 'action'),
      reference: requireParameter(encoded, 'reference'),
      schema: requireParameter(encoded, 'schema'),
      content: text,
    });
  },
  fallback(reaction) {
    if (reaction.action === 'added') return `Reacted “${reaction.content}” to an earlier message`;
    if (reaction.action === 'removed') return `Removed “${reaction.content}” from an earlier message`;
    return undefined;
  },
  // @xmtp/content-type-reaction (1.1.12 and 2.0.2) never asks for a push, whatever the action.
  shouldPush: () => false,
};
