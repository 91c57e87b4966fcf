// The shape every typed message map shares: a request travels as `{ type, payload }` and its answer comes
// back as data, `{ result }` or `{ error: { code, message } }`, because thrown errors and Uint8Arrays do not
// survive extension messaging (docs/design.md §3: bytes cross boundaries as base64).
import { ExtensionError, toErrorData, type ErrorData } from '@/extension/errors';

/** A map of message type → request and response payloads. Payloads must be JSON-safe. */
export type MessageMap = Record<string, { request: unknown; response: unknown }>;

/** What travels: the message type and its request payload. */
export interface Request<M extends MessageMap, K extends keyof M = keyof M> {
  type: K;
  payload: M[K]['request'];
}

/** What comes back. */
export type Reply<T> = { result: T } | { error: ErrorData };

/** One handler per message type; `context` says who sent it (e.g. the sender tab). */
export type Handlers<M extends MessageMap, C = void> = {
  [K in keyof M]: (payload: M[K]['request'], context: C) => Promise<M[K]['response']> | M[K]['response'];
};

/** True when `value` looks like a request of this map: a known type and a payload field. */
export function isRequest<M extends MessageMap>(
  keys: readonly (keyof M)[],
  value: unknown,
): value is Request<M> {
  if (!value || typeof value !== 'object') return false;
  const { type } = value as { type?: unknown };
  return typeof type === 'string' && (keys as readonly unknown[]).includes(type) && 'payload' in value;
}

/**
 * Runs the handler for `request` and turns its outcome, or whatever it threw, into a Reply. Unknown types are
 * answered with `unknown_message` rather than left hanging.
 */
export async function dispatch<M extends MessageMap, C>(
  handlers: Handlers<M, C>,
  request: { type: unknown; payload?: unknown },
  context: C,
): Promise<Reply<unknown>> {
  const handler = Object.prototype.hasOwnProperty.call(handlers, request.type as string)
    ? handlers[request.type as keyof M]
    : undefined;
  if (!handler)
    return { error: { code: 'unknown_message', message: `unknown message type: ${String(request.type)}` } };
  try {
    const result = await handler(request.payload as never, context);
    return { result: result === undefined ? null : result };
  } catch (thrown) {
    return { error: toErrorData(thrown) };
  }
}

/** Unwraps a Reply on the caller's side: results return, error data throws again as an ExtensionError. */
export function unwrap<T>(reply: unknown, type: string): T {
  if (reply && typeof reply === 'object') {
    if ('error' in reply) {
      const { code, message } = (reply as { error: ErrorData }).error;
      throw new ExtensionError(code, message);
    }
    if ('result' in reply) return (reply as { result: T }).result;
  }
  throw new ExtensionError('no_reply', `no reply to ${type} (is the background running?)`);
}

/** A typed caller over any transport that delivers a request and resolves with the raw Reply. */
export type Caller<M extends MessageMap> = <K extends keyof M & string>(
  type: K,
  payload: M[K]['request'],
) => Promise<M[K]['response']>;

export function createCaller<M extends MessageMap>(
  send: (request: Request<M>) => Promise<unknown>,
): Caller<M> {
  return async (type, payload) => unwrap(await send({ type, payload }), type);
}
