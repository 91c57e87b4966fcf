// The node's WebSocket subscription, `GET /message/v1/ws` (docs/node-api.md §3): one socket whose topic set
// changes in place with `set` requests, server keepalive frames `{"ping":…}` that keep an MV3 service
// worker alive (docs/design.md §1.3), and close codes 1001 (node shutting
// down) and 1013 (subscriber too slow) after which the client reconnects and catches up.
import { ApiError, grpcCodeName } from './api-error';
import { streamFrameFromJson } from './json';
import type { StreamConnection, StreamEnd, StreamHandlers, WebSocketConstructor } from './stream-connection';

export interface WsStreamOptions {
  WebSocket: WebSocketConstructor;
  node: string;
  topics: string[];
  handlers: StreamHandlers;
  /** Fail if the socket is not open and registered within this time. */
  connectTimeoutMs: number;
  /** Give up on a socket that sent nothing (not even a ping) for this long. */
  livenessTimeoutMs: number;
}

const decoder = new TextDecoder();

/** A frame's text, whatever form the socket gave it in (browsers: string; `ws`: Buffer or ArrayBuffer). */
export function frameText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return decoder.decode(data);
  return String(data);
}

export function wsUrl(node: string): string {
  return node.replace(/^http/, 'ws') + '/message/v1/ws';
}

/** Opens the socket and registers `topics`; resolves once the node has confirmed them. */
export function openWsStream(opts: WsStreamOptions): Promise<StreamConnection> {
  const url = wsUrl(opts.node);
  const socket = new opts.WebSocket(url);
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let topics = new Set<string>(opts.topics);
  let finished = false;
  let endResolve!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (endResolve = resolve));
  let liveness: ReturnType<typeof setTimeout> | undefined;

  function finish(end: StreamEnd): void {
    if (finished) return;
    finished = true;
    clearTimeout(liveness);
    const error =
      end.error ?? new ApiError('network_error', `stream to ${url} ended: ${end.reason}`, { url });
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: the `ws` package throws on an 'error' event nobody listens to.
    socket.onerror = () => {};
    endResolve(end);
  }

  function armLiveness(): void {
    clearTimeout(liveness);
    liveness = setTimeout(() => {
      try {
        socket.close(4000, 'liveness timeout');
      } catch {
        // Already closing.
      }
      finish({ reason: `no frame for ${opts.livenessTimeoutMs} ms` });
    }, opts.livenessTimeoutMs);
  }

  function request(method: string, contentTopics: string[]): Promise<unknown> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (finished) return reject(new ApiError('network_error', `stream to ${url} is closed`, { url }));
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, contentTopics }));
    });
  }

  const connection: StreamConnection = {
    transport: 'ws',
    node: opts.node,
    get topics() {
      return topics;
    },
    ended,
    async setTopics(next: string[]) {
      await request('set', next);
      topics = new Set(next);
    },
    close(reason = 'closed by client', topicChange = false) {
      try {
        socket.close(1000, reason.slice(0, 120));
      } catch {
        // Already closing.
      }
      finish({ reason, topicChange });
    },
  };

  socket.onmessage = (event) => {
    armLiveness();
    let frame;
    try {
      frame = streamFrameFromJson(frameText(event.data));
    } catch (e) {
      opts.handlers.onError(e);
      return;
    }
    switch (frame.kind) {
      case 'envelope':
        opts.handlers.onEnvelope(frame.envelope);
        break;
      case 'reply': {
        const p = pending.get(Number(frame.id));
        pending.delete(Number(frame.id));
        p?.resolve(frame.result);
        break;
      }
      case 'error': {
        const error = new ApiError(grpcCodeName(frame.code), `node stream error: ${frame.message}`, {
          grpcCode: frame.code,
          nodeMessage: frame.message,
          url,
        });
        const p = frame.id !== undefined ? pending.get(Number(frame.id)) : undefined;
        if (p) {
          pending.delete(Number(frame.id));
          p.reject(error);
        } else opts.handlers.onError(error);
        break;
      }
      default:
        // `{"ping":…}` only proves liveness (armed above); unknown frames are ignored.
        break;
    }
  };
  socket.onclose = (event) => {
    finish({ reason: event.reason || `closed with code ${event.code}`, code: event.code });
  };
  socket.onerror = () => {
    // Browsers give no detail here; `onclose` follows with the code.
  };

  return new Promise<StreamConnection>((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.close(`no registration within ${opts.connectTimeoutMs} ms`);
    }, opts.connectTimeoutMs);
    void ended.then((end) => {
      clearTimeout(timer);
      reject(
        new ApiError('network_error', `cannot open ${url}: ${end.reason}`, { url }, { cause: end.error }),
      );
    });
    socket.onopen = () => {
      armLiveness();
      request('set', [...topics]).then(
        () => {
          clearTimeout(timer);
          resolve(connection);
        },
        (e: unknown) => {
          clearTimeout(timer);
          connection.close(`registration failed: ${(e as Error).message}`);
          reject(e);
        },
      );
    };
  });
}
