// The dapp API's boundaries (docs/design.md §1.2, issue #6):
//   page (window.xmtp) ⇄ content script: same-window postMessage on PAGE_DAPP_CHANNEL, validated here;
//   content script ⇄ background: one runtime port per page (DAPP_PORT), requests, replies and events;
//   approval window / settings ⇄ background: the DappAdminMessages map over runtime messages.
// Everything is plain JSON: structured clone would carry Maps, Dates and typed arrays that the background must
// never have to reason about.
import { MAX_ATTACHMENT_BYTES } from '@/extension/cache/records';

/** The methods `window.xmtp.request` accepts; anything else is answered with 4200. */
export const DAPP_METHODS = [
  'xmtp_requestAccess',
  'xmtp_getPermissions',
  'xmtp_revokePermissions',
  'xmtp_address',
  'xmtp_canMessage',
  'xmtp_listConversations',
  'xmtp_newConversation',
  'xmtp_getMessages',
  'xmtp_sendMessage',
  'xmtp_getAttachment',
  'xmtp_subscribe',
  'xmtp_unsubscribe',
  'xmtp_linkWallet',
] as const;

export type DappMethod = (typeof DAPP_METHODS)[number];

/** Events a page can receive through `window.xmtp.on`. */
export const DAPP_EVENTS = ['message', 'conversation'] as const;
export type DappEvent = (typeof DAPP_EVENTS)[number];

/** Also pushed to a page: its permissions changed (e.g. revoked in the extension's settings). */
export const PERMISSIONS_CHANGED_EVENT = 'permissionsChanged';

export const PAGE_DAPP_CHANNEL = 'xmtp-inbox/dapp';
export const DAPP_PORT = 'xmtp-inbox/dapp';

/** EIP-1193 / EIP-1474 error codes the dapp API uses. */
export const RPC_ERRORS = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  disconnected: 4900,
  invalidRequest: -32600,
  invalidParams: -32602,
  internal: -32603,
  limitExceeded: -32005,
  resourceUnavailable: -32002,
} as const;

export interface RpcErrorData {
  code: number;
  message: string;
}

/** Page → content script. */
export interface PageDappRequest {
  channel: typeof PAGE_DAPP_CHANNEL;
  direction: 'request';
  id: string;
  method: string;
  params?: unknown;
}

/** Content script → page: the answer to one request. */
export type PageDappResponse = {
  channel: typeof PAGE_DAPP_CHANNEL;
  direction: 'response';
  /** null when the request had no usable id (it is still answered, never forwarded). */
  id: string | null;
} & ({ result: unknown } | { error: RpcErrorData });

/** Content script → page: an event. */
export interface PageDappEvent {
  channel: typeof PAGE_DAPP_CHANNEL;
  direction: 'event';
  event: string;
  data: unknown;
}

/** Content script → background over DAPP_PORT. */
export interface PortCall {
  id: number;
  method: DappMethod;
  params: unknown;
}

/** Background → content script over DAPP_PORT. */
export type PortMessage =
  ({ id: number } & ({ result: unknown } | { error: RpcErrorData })) | { event: string; data: unknown };

/** Limits a page's request must respect before anything is forwarded. */
export const PAGE_LIMITS = {
  idLength: 64,
  /** Serialized params, in UTF-16 code units (JSON.stringify length). */
  paramsChars: 64 * 1024,
  depth: 8,
  /** Requests of one page waiting for an answer. */
  inFlight: 64,
  /** xmtp_sendMessage may carry a file (base64, up to MAX_ATTACHMENT_BYTES) and a little more. */
  fileParamsChars: Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 64 * 1024,
  /** Of which this many may be large (over paramsChars) at once: a page cannot queue gigabytes. */
  largeInFlight: 2,
} as const;

/** The largest params a method takes, serialized. */
export function paramsLimit(method: DappMethod): number {
  return method === 'xmtp_sendMessage' ? PAGE_LIMITS.fileParamsChars : PAGE_LIMITS.paramsChars;
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** True when `value` is plain JSON (null, booleans, finite numbers, strings, arrays, plain objects), not too deep. */
export function isJsonValue(value: unknown, depth: number = PAGE_LIMITS.depth): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth <= 0 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth - 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isJsonValue(item, depth - 1));
}

export type ParsedPageRequest =
  /** `large`: params over PAGE_LIMITS.paramsChars (a file). */
  | { ok: true; id: string; method: DappMethod; params: unknown; large: boolean }
  | { ok: false; id: string | null; error: RpcErrorData };

/**
 * Checks a message posted on the page. Returns undefined for messages that are not dapp requests (other
 * channels, our own responses and events): those are ignored. Anything in our namespace that is malformed comes
 * back as an error to answer; only a well-formed call of a known method with JSON params is to be forwarded.
 */
export function parsePageRequest(data: unknown): ParsedPageRequest | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const value = data as Record<string, unknown>;
  if (value.channel !== PAGE_DAPP_CHANNEL || value.direction !== 'request') return undefined;
  const { id, method } = value;
  const validId =
    typeof id === 'string' && id.length > 0 && id.length <= PAGE_LIMITS.idLength && ID_PATTERN.test(id);
  const replyId = validId ? (id as string) : null;
  const fail = (code: number, message: string): ParsedPageRequest => ({
    ok: false,
    id: replyId,
    error: { code, message },
  });
  if (!validId) {
    return fail(
      RPC_ERRORS.invalidRequest,
      `invalid request id: ${describe(id)} (1-${PAGE_LIMITS.idLength} of A-Z a-z 0-9 _ -)`,
    );
  }
  if (typeof method !== 'string')
    return fail(RPC_ERRORS.invalidRequest, `invalid method: ${describe(method)}`);
  if (!(DAPP_METHODS as readonly string[]).includes(method)) {
    return fail(RPC_ERRORS.unsupportedMethod, `unsupported method: ${describe(method)}`);
  }
  const params = value.params;
  let size = 0;
  if (params !== undefined) {
    if (!isJsonValue(params)) {
      return fail(
        RPC_ERRORS.invalidParams,
        `params must be plain JSON at most ${PAGE_LIMITS.depth} levels deep`,
      );
    }
    size = JSON.stringify(params).length;
    const limit = paramsLimit(method as DappMethod);
    if (size > limit) {
      return fail(RPC_ERRORS.invalidParams, `params too large: ${size} characters (limit ${limit})`);
    }
  }
  return {
    ok: true,
    id: id as string,
    method: method as DappMethod,
    params,
    large: size > PAGE_LIMITS.paramsChars,
  };
}

/** Checks a port call from a content script again in the background (it is the trust boundary). */
export function parsePortCall(data: unknown): PortCall | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const { id, method, params } = data as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return undefined;
  if (typeof method !== 'string' || !(DAPP_METHODS as readonly string[]).includes(method)) return undefined;
  if (
    params !== undefined &&
    (!isJsonValue(params) || JSON.stringify(params).length > paramsLimit(method as DappMethod))
  )
    return undefined;
  return { id, method: method as DappMethod, params };
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

// ---- approval window and settings ⇄ background ----

/** A capability a dapp can hold (EIP-2255 `parentCapability`). */
export type Capability = 'inbox:read' | 'inbox:send';
export const CAPABILITIES: readonly Capability[] = ['inbox:read', 'inbox:send'];

/** EIP-2255 caveat: limit a capability to conversations whose conversationId starts with `value`. */
export interface ConversationIdPrefixCaveat {
  type: 'conversationIdPrefix';
  value: string;
}

/** One granted capability, shaped like an EIP-2255 permission. */
export interface Grant {
  invoker: string;
  parentCapability: Capability;
  caveats: ConversationIdPrefixCaveat[];
  /** When it was granted, ms since the epoch. */
  date: number;
}

/** What an approval window shows. */
export type ApprovalRequest =
  | {
      id: string;
      kind: 'access';
      origin: string;
      capabilities: Capability[];
      conversationIdPrefix?: string;
      /** With a prefix: whether it starts with the site's own host (otherwise the window warns). */
      prefixFromSite?: boolean;
      /** With a prefix: how many conversations it matches today (absent while the inbox is locked). */
      matching?: number;
    }
  | { id: string; kind: 'linkWallet'; origin: string };

export type DappAdminMessages = {
  /** The prompt an approval window was opened for (null when it is gone). */
  'dapp.approval.get': { request: { id: string }; response: ApprovalRequest | null };
  /**
   * The user's answer. For linkWallet, `password` encrypts the new vault; the reply comes once the identity is
   * created (or with the error, so the window can show it).
   */
  'dapp.approval.answer': {
    request: { id: string; approved: boolean; password?: string; storeOnNetwork?: boolean };
    response: null;
  };
  /** Connected sites: every origin's grants, for settings. */
  'dapp.sites.list': { request: Record<string, never>; response: { origin: string; grants: Grant[] }[] };
  /** Revokes all of an origin's grants; its subscriptions end at once. */
  'dapp.sites.revoke': { request: { origin: string }; response: null };
};

export const DAPP_ADMIN_MESSAGE_TYPES = [
  'dapp.approval.get',
  'dapp.approval.answer',
  'dapp.sites.list',
  'dapp.sites.revoke',
] as const satisfies readonly (keyof DappAdminMessages)[];
