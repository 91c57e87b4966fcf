// The WebSocket subscription `GET /message/v1/ws` (docs/node-api.md §3): a topic set that changes
// without reconnecting, and traffic often enough to keep an MV3 service worker alive
// (docs/design.md §1). JSON text frames only; a bad frame gets an error reply, never a close.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Dispatcher, OutgoingEnvelope, Subscriber } from './dispatcher';
import type { NodeMetrics } from './metrics';
import { MAX_TOPIC_BYTES, MAX_TOPICS_PER_REQUEST } from './limits/sizes';
import { sendFrame } from './ws-frame';

export const MAX_TOPICS_PER_SOCKET = MAX_TOPICS_PER_REQUEST;

interface Reply {
  id?: string | number;
  result?: { topics: number };
  error?: { code: number; message: string; details: [] };
}

class BadFrame extends Error {}

class SocketSubscription implements Subscriber {
  readonly topics = new Set<string>();
  all = false;
  alive = true;
  /** Which keepalive slice pings this socket (see WsSubscriptions.pingSlice). */
  pingSlot = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly dispatcher: Dispatcher,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: () => void,
  ) {}

  deliver(envelope: OutgoingEnvelope): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.detach();
      this.onSlow();
      this.ws.close(1013, 'subscriber too slow');
      return;
    }
    // The same frame bytes for every socket: one envelope to N subscribers is encoded and framed
    // once, not N times (ws-frame.ts).
    sendFrame(this.ws, envelope.wsFrame, envelope.frame);
  }

  /** Answers one client frame; `limited` is the rate limiter's rejection, if any. */
  handle(data: string, limited?: string): Reply {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return errorReply('malformed JSON frame');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      return errorReply('a frame must be a JSON object');
    }
    const f = frame as Record<string, unknown>;
    const id = f.id;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
      return errorReply('id must be a string or a number');
    }
    const reply = (r: Reply): Reply => (id === undefined ? r : { id, ...r });
    if (limited) return reply({ error: { code: 8, message: limited, details: [] } });
    try {
      switch (f.method) {
        case 'subscribe': {
          const topics = this.topicsOf(f.contentTopics);
          const added = topics.filter((t) => !this.topics.has(t));
          if (new Set(added).size + this.topics.size > MAX_TOPICS_PER_SOCKET) {
            throw new BadFrame(`more than ${MAX_TOPICS_PER_SOCKET} topics on one socket`);
          }
          for (const t of added) this.topics.add(t);
          this.dispatcher.addTopics(this, added);
          break;
        }
        case 'unsubscribe': {
          const topics = this.topicsOf(f.contentTopics);
          for (const t of topics) this.topics.delete(t);
          this.dispatcher.removeTopics(this, topics);
          break;
        }
        case 'set': {
          const topics = this.topicsOf(f.contentTopics);
          const next = new Set(topics);
          if (next.size > MAX_TOPICS_PER_SOCKET) {
            throw new BadFrame(`more than ${MAX_TOPICS_PER_SOCKET} topics on one socket`);
          }
          this.dispatcher.removeTopics(
            this,
            [...this.topics].filter((t) => !next.has(t)),
          );
          this.dispatcher.addTopics(this, next);
          this.topics.clear();
          for (const t of next) this.topics.add(t);
          // `set` replaces everything this socket receives, subscribe-all included.
          this.all = false;
          this.dispatcher.setAll(this, false);
          break;
        }
        case 'subscribeAll':
          this.all = true;
          this.dispatcher.setAll(this, true);
          break;
        default:
          throw new BadFrame(
            typeof f.method === 'string'
              ? `unknown method "${f.method.slice(0, 50)}"`
              : 'method must be a string',
          );
      }
      return reply({ result: { topics: this.topics.size } });
    } catch (err) {
      if (err instanceof BadFrame) return reply(errorReply(err.message));
      throw err;
    }
  }

  private topicsOf(v: unknown): string[] {
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) {
      throw new BadFrame('contentTopics must be an array of strings');
    }
    for (const t of v as string[]) {
      if (Buffer.byteLength(t, 'utf8') > MAX_TOPIC_BYTES) throw new BadFrame('topic length too big');
    }
    return v as string[];
  }

  detach(): void {
    this.dispatcher.removeTopics(this, this.topics);
    this.dispatcher.setAll(this, false);
  }
}

function errorReply(message: string): Reply {
  return { error: { code: 3, message, details: [] } };
}

export interface WsOptions {
  dispatcher: Dispatcher;
  metrics: NodeMetrics;
  /** Application-level `{"ping":<ms>}` frames and protocol pings, every this many ms (default 15 s). */
  pingIntervalMs: number;
  maxBufferedBytes: number;
  /**
   * Per socket, a function that takes one DEF token for a client frame (§2.4) and returns the
   * rejection message when the client's bucket is empty. Unset: frames are not rate limited.
   */
  frameLimiter?: (req: IncomingMessage) => () => string | undefined;
  /** The client IP of an upgrade request (X-Forwarded-For only behind a trusted proxy). */
  ipOf: (req: IncomingMessage) => string;
  /** Open sockets allowed per client IP; the next upgrade is refused with 429. */
  maxSocketsPerIp: number;
}

export class WsSubscriptions {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // 10,000 topics of up to 300 bytes fit.
    maxPayload: 8 * 1024 * 1024,
  });
  private readonly sockets = new Set<SocketSubscription>();
  private readonly pinger: NodeJS.Timeout;
  private readonly pingSlices: number;
  private pingSlice = 0;
  private accepted = 0;
  /** Open sockets per client IP (entries leave at zero). */
  private readonly perIp = new Map<string, number>();

  constructor(private readonly options: WsOptions) {
    // Keepalive in slices spread over the interval: pinging thousands of sockets in one burst (two
    // writes each) blocked the event loop for hundreds of ms every interval, and every envelope
    // delivery waited behind it (npm run bench -- node, fan-out to 5,000 subscribers).
    this.pingSlices = Math.max(1, Math.min(50, Math.floor(options.pingIntervalMs / 100)));
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs / this.pingSlices);
    this.pinger.unref();
  }

  /** Hands an HTTP upgrade on the WebSocket path over to the WebSocket server. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ip = this.options.ipOf(req);
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.options.maxSocketsPerIp) {
      const body = JSON.stringify({
        code: 8,
        message: `too many WebSockets from one address (at most ${this.options.maxSocketsPerIp}): close one first`,
        details: [],
      });
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}` +
          `\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.perIp.set(ip, open + 1); // counted now, so upgrades racing in the same moment see each other
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    };
    socket.once('close', uncount); // a failed handshake, or the socket's end
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const chargeFrame = this.options.frameLimiter?.(req);
    // A socket stops counting as a subscription once it is detached: closed, or dropped as too
    // slow (its close handshake then waits behind the unread data).
    const release = () => {
      if (this.sockets.delete(sub)) this.options.metrics.subscriptions.labels('websocket').dec();
    };
    const sub: SocketSubscription = new SocketSubscription(
      ws,
      this.options.dispatcher,
      this.options.maxBufferedBytes,
      release,
    );
    sub.pingSlot = this.accepted++ % this.pingSlices;
    this.sockets.add(sub);
    this.options.metrics.subscriptions.labels('websocket').inc();
    ws.on('pong', () => {
      sub.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      let reply: Reply;
      const limited = chargeFrame?.();
      try {
        reply = isBinary ? errorReply('frames must be JSON text') : sub.handle(data.toString(), limited);
      } catch {
        reply = { error: { code: 13, message: 'internal error', details: [] } };
      }
      ws.send(JSON.stringify(reply));
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sub.detach();
      release();
    });
  }

  private ping(): void {
    const frame = `{"ping":${Date.now()}}`;
    const slice = this.pingSlice;
    this.pingSlice = (slice + 1) % this.pingSlices;
    for (const sub of this.sockets) {
      if (sub.pingSlot !== slice) continue;
      // No pong since the last round: the peer is gone.
      if (!sub.alive) {
        sub.ws.terminate();
        continue;
      }
      sub.alive = false;
      if (sub.ws.readyState !== WebSocket.OPEN) continue;
      sub.ws.ping();
      sub.ws.send(frame);
    }
  }

  /** Closes every socket with 1001 (going away); sockets that do not answer are cut after 2 s. */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const sub of this.sockets) sub.detach();
    for (const ws of this.wss.clients) ws.close(1001, 'node shutting down');
    const deadline = setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate();
    }, 2000);
    // Resolves once every client socket has closed (ws keeps the server open until then).
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    clearTimeout(deadline);
  }
}
