// Parameters of each dapp method, checked before anything else runs. A page may pass them as an object or, as
// EIP-1193 examples do, as a one-element array holding that object. Every error names the bad parameter (-32602).
import {
  CAPABILITIES,
  DAPP_EVENTS,
  describe,
  type Capability,
  type DappEvent,
} from '@/extension/messages/dapp';
import type { OutgoingContent } from '@/extension/client-adapter';
import { MAX_ATTACHMENT_BYTES } from '@/extension/cache/records';
import { invalidParams } from './errors';

/** A shorter prefix (`a`, `x/`) would match most conversations by accident: the caveat must say something. */
export const MIN_PREFIX_LENGTH = 6;
export const MAX_PREFIX_LENGTH = 200;
export const MAX_CONVERSATION_ID_LENGTH = 400;
export const MAX_TEXT_LENGTH = 32 * 1024;
export const MAX_MESSAGES = 200;

type Params = Record<string, unknown>;

/** The params object of a request (an empty one when the method takes none). */
function object(params: unknown, method: string): Params {
  if (params === undefined || params === null) return {};
  const value = Array.isArray(params)
    ? params.length === 0
      ? {}
      : params.length === 1
        ? params[0]
        : params
    : params;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParams(`${method} params must be an object or [object]: got ${describe(params)}`);
  }
  return value as Params;
}

function only(params: Params, method: string, allowed: readonly string[]) {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw invalidParams(`${method}: unknown param ${describe(key)}`);
  }
}

function string(
  params: Params,
  name: string,
  { max, optional = false }: { max: number; optional?: boolean },
) {
  const value = params[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidParams(`param ${name} must be a string of 1-${max} characters: got ${describe(value)}`);
  }
  return value;
}

function required(params: Params, name: string, max: number): string {
  return string(params, name, { max })!;
}

function integer(params: Params, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParams(`param ${name} must be an integer ${min}-${max}: got ${describe(value)}`);
  }
  return value;
}

function address(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value.trim())) {
    throw invalidParams(`param ${name} must be a 0x address: got ${describe(value)}`);
  }
  return value.trim();
}

export interface AccessParams {
  capabilities: Capability[];
  conversationIdPrefix?: string;
}

/** xmtp_requestAccess: `{ capabilities?: ('inbox:read'|'inbox:send')[], conversationIdPrefix?: string }`. */
export function accessParams(raw: unknown): AccessParams {
  const params = object(raw, 'xmtp_requestAccess');
  only(params, 'xmtp_requestAccess', ['capabilities', 'conversationIdPrefix']);
  const requested = params.capabilities ?? ['inbox:read', 'inbox:send'];
  if (
    !Array.isArray(requested) ||
    requested.length === 0 ||
    !requested.every((c) => (CAPABILITIES as readonly unknown[]).includes(c))
  ) {
    throw invalidParams(
      `param capabilities must be a non-empty array of ${CAPABILITIES.join(', ')}: got ${JSON.stringify(requested).slice(0, 80)}`,
    );
  }
  const capabilities = CAPABILITIES.filter((c) => requested.includes(c));
  const conversationIdPrefix = string(params, 'conversationIdPrefix', {
    max: MAX_PREFIX_LENGTH,
    optional: true,
  });
  if (conversationIdPrefix !== undefined && conversationIdPrefix.trim().length < MIN_PREFIX_LENGTH) {
    throw invalidParams(
      `param conversationIdPrefix must have at least ${MIN_PREFIX_LENGTH} characters (e.g. your host and a slash): got ${describe(conversationIdPrefix)}`,
    );
  }
  return conversationIdPrefix === undefined ? { capabilities } : { capabilities, conversationIdPrefix };
}

/** xmtp_revokePermissions: `{ capabilities?: [...] }`, all of them when absent. */
export function revokeParams(raw: unknown): Capability[] {
  const params = object(raw, 'xmtp_revokePermissions');
  only(params, 'xmtp_revokePermissions', ['capabilities']);
  if (params.capabilities === undefined) return [...CAPABILITIES];
  const list = params.capabilities;
  if (!Array.isArray(list) || !list.every((c) => (CAPABILITIES as readonly unknown[]).includes(c))) {
    throw invalidParams(`param capabilities must be an array of ${CAPABILITIES.join(', ')}`);
  }
  return list as Capability[];
}

/** Methods without params still refuse unknown ones, so typos surface. */
export function noParams(raw: unknown, method: string): void {
  only(object(raw, method), method, []);
}

export function canMessageParams(raw: unknown): { address: string } {
  const params = object(raw, 'xmtp_canMessage');
  only(params, 'xmtp_canMessage', ['address']);
  return { address: address(params, 'address') };
}

export function newConversationParams(raw: unknown): { peerAddress: string; conversationId?: string } {
  const params = object(raw, 'xmtp_newConversation');
  only(params, 'xmtp_newConversation', ['peerAddress', 'conversationId']);
  const peerAddress = address(params, 'peerAddress');
  const conversationId = string(params, 'conversationId', {
    max: MAX_CONVERSATION_ID_LENGTH,
    optional: true,
  });
  return conversationId === undefined ? { peerAddress } : { peerAddress, conversationId };
}

export function getMessagesParams(raw: unknown): { topic: string; limit: number; before?: number } {
  const params = object(raw, 'xmtp_getMessages');
  only(params, 'xmtp_getMessages', ['topic', 'limit', 'before']);
  const topic = required(params, 'topic', 300);
  const limit = integer(params, 'limit', 1, MAX_MESSAGES) ?? 50;
  const before = integer(params, 'before', 0, Number.MAX_SAFE_INTEGER);
  return before === undefined ? { topic, limit } : { topic, limit, before };
}

const MESSAGE_ID = /^[0-9a-f]{64}$/;
const MAX_EMOJI_LENGTH = 32;

/**
 * The `content` of xmtp_sendMessage: text, a reply / reaction to a message of the conversation (by id), or a
 * file ({ type: 'attachment', filename, mimeType, data: base64 }: inline when small, else uploaded).
 */
function outgoingContent(value: unknown): OutgoingContent {
  if (typeof value === 'string')
    return { type: 'text', text: required({ content: value }, 'content', MAX_TEXT_LENGTH) };
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParams(
      `param content must be text or { type: 'reply' | 'reaction' | 'attachment', … }: got ${describe(value)}`,
    );
  }
  const content = value as Params;
  const reference = () => {
    const id = content.reference;
    if (typeof id !== 'string' || !MESSAGE_ID.test(id)) {
      throw invalidParams(
        `param content.reference must be a message id (64 hex digits): got ${describe(id)}`,
      );
    }
    return id;
  };
  if (content.type === 'reply') {
    only(content, 'xmtp_sendMessage content', ['type', 'reference', 'text']);
    return { type: 'reply', reference: reference(), text: required(content, 'text', MAX_TEXT_LENGTH) };
  }
  if (content.type === 'reaction') {
    only(content, 'xmtp_sendMessage content', ['type', 'reference', 'emoji', 'action']);
    const action = content.action ?? 'added';
    if (action !== 'added' && action !== 'removed') {
      throw invalidParams(`param content.action must be 'added' or 'removed': got ${describe(action)}`);
    }
    return {
      type: 'reaction',
      reference: reference(),
      emoji: required(content, 'emoji', MAX_EMOJI_LENGTH),
      action,
    };
  }
  if (content.type === 'attachment') {
    // Size, media type and base64 are checked where the popup's files are (inbox/outgoing.ts), with the same limit.
    only(content, 'xmtp_sendMessage content', ['type', 'filename', 'mimeType', 'data']);
    return {
      type: 'attachment',
      filename: required(content, 'filename', 255),
      mimeType: required(content, 'mimeType', 255),
      data: required(content, 'data', Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4),
    };
  }
  throw invalidParams(
    `param content.type must be 'reply', 'reaction' or 'attachment': got ${describe(content.type)}`,
  );
}

/** xmtp_getAttachment: `{ topic, id }`, the file of a message. */
export function getAttachmentParams(raw: unknown): { topic: string; id: string } {
  const params = object(raw, 'xmtp_getAttachment');
  only(params, 'xmtp_getAttachment', ['topic', 'id']);
  return { topic: required(params, 'topic', 300), id: required(params, 'id', 100) };
}

export function sendMessageParams(raw: unknown): { topic: string; content: OutgoingContent } {
  const params = object(raw, 'xmtp_sendMessage');
  only(params, 'xmtp_sendMessage', ['topic', 'content']);
  return { topic: required(params, 'topic', 300), content: outgoingContent(params.content) };
}

/** xmtp_subscribe / xmtp_unsubscribe: `{ events?: ('message'|'conversation')[] }`, both when absent. */
export function eventsParams(raw: unknown, method: string): DappEvent[] {
  const params = object(raw, method);
  only(params, method, ['events']);
  if (params.events === undefined) return [...DAPP_EVENTS];
  const list = params.events;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((e) => (DAPP_EVENTS as readonly unknown[]).includes(e))
  ) {
    throw invalidParams(`param events must be a non-empty array of ${DAPP_EVENTS.join(', ')}`);
  }
  return DAPP_EVENTS.filter((e) => list.includes(e));
}
