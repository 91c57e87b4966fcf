// Starts an XMTP node (docs/node-api.md §1): the message API of docs/protocol.md §1 over HTTP/JSON, the
// WebSocket subscription, health and metrics, on an envelope store and an in-process relay.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MessageService } from './api/service';
import { ATTACHMENTS_PREFIX } from './attachments/routes';
import type { AttachmentOptions } from './attachments/store';
import { openAttachmentStore } from './attachments/store';
import { PublishAuth } from './auth/publish-auth';
import type { TokenVerifier } from './auth/publish-auth';
import { parseAuthorizationHeader, verifyXmtpToken } from './auth/token';
import { Dispatcher } from './dispatcher';
import { DEFAULT_REOPEN_GRACE_MS, ReopenLedger } from './reopen';
import { createRequestHandler, WS_PATH } from './http/handler';
import type { HttpContext, Logger } from './http/handler';
import type { HttpStream } from './http/stream';
import { clientIp } from './limits/client-ip';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './limits/rate-limiter';
import type { RateLimitConfig } from './limits/rate-limiter';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_SOCKETS_PER_IP } from './limits/sizes';
import { NodeMetrics } from './metrics';
import type { P2pNode, P2pOptions } from './p2p/p2p-node';
import { LocalRelay } from './relay';
import type { Relay } from './relay';
import { openStore } from './store/open';
import type { EnvelopeStore } from './store/store';
import { WsSubscriptions } from './ws';

export type { Logger } from './http/handler';
export type { RateLimitConfig } from './limits/rate-limiter';
export type { AttachmentOptions } from './attachments/store';
export type { P2pNode, P2pOptions } from './p2p/p2p-node';

export interface NodeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port; default 5555. */
  port?: number;
  /** SQLite store in <dataDir>/envelopes.db (default `.xmtp-node`). */
  dataDir?: string;
  /** PostgreSQL store instead of SQLite (mutually exclusive with dataDir). */
  storeUrl?: string;
  /** An already open store (tests, embedding); the node closes it on close(). */
  store?: EnvelopeStore;
  /** Verify auth tokens on publish (default true). */
  auth?: boolean;
  /** Token buckets per client IP (default: the reference values); false = off. */
  rateLimit?: RateLimitConfig | false;
  /** Request body cap in bytes (default 2 MiB); over it: 413, before the body is read. */
  maxBodyBytes?: number;
  /** Open WebSockets per client IP (default 64); over it: 429. */
  maxSocketsPerIp?: number;
  /** Honour X-Forwarded-For for the client IP (only behind a trusted proxy). */
  trustProxy?: boolean;
  /** WebSocket keepalive interval (default 15 000 ms). */
  pingIntervalMs?: number;
  /** Bytes a subscriber may have waiting before it is dropped as too slow (default 8 MiB). */
  subscriberBufferBytes?: number;
  /**
   * How long a closed HTTP subscription waits for the same client to reopen it and be handed what fell between
   * (default 1000 ms; 0 turns it off). See src/network/reopen.ts.
   */
  reopenGraceMs?: number;
  /** Relay to use (default in-process). */
  relay?: Relay;
  /** Join a peer-to-peer network of nodes (libp2p relay, peer advertisement, history sync). */
  p2p?: P2pOptions;
  /** Clock for token ages and rate limits (ms). */
  now?: () => number;
  /** Token verification (default: the XMTP auth token of docs/protocol.md §2). */
  verifyToken?: TokenVerifier;
  /** Node process metrics (CPU, memory, event loop) on /metrics too. */
  processMetrics?: boolean;
  logger?: Logger;
  /**
   * The attachment store (docs/node-api.md §6). Default: on, with files in `<dataDir>/attachments`, when the
   * node keeps its own SQLite data directory; off otherwise unless given. false = off.
   */
  attachments?: AttachmentOptions | false;
  /** Serve https with this PEM certificate (chain) and key, instead of http. */
  tls?: { cert: string; key: string };
}

export interface XmtpNode {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Where envelopes are stored, for the start-up banner. */
  readonly storeDescription: string;
  /** Where attachment payloads are stored; undefined when the store is off. */
  readonly attachmentsDescription?: string;
  readonly metrics: NodeMetrics;
  /** The peer-to-peer side, when started with `p2p`. */
  readonly p2p?: P2pNode;
  /** Graceful: ends streams and sockets, stops accepting, flushes and closes the store. */
  close(): Promise<void>;
}

const SILENT: Logger = { info() {}, warn() {}, error: (m) => process.stderr.write(`${m}\n`) };

export async function startNode(options: NodeOptions = {}): Promise<XmtpNode> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT;
  const now = options.now ?? Date.now;
  const store =
    options.store ??
    (await openStore(
      options.storeUrl !== undefined
        ? { storeUrl: options.storeUrl }
        : { dataDir: options.dataDir, progress: (message) => logger.info(message) },
    ));
  const metrics = new NodeMetrics({ processMetrics: options.processMetrics });
  if (options.p2p && options.relay) throw new Error('relay and p2p are mutually exclusive');
  // Loaded on demand: a node without peers never loads libp2p.
  const p2p = options.p2p
    ? await (
        await import('./p2p/p2p-node')
      )
        .startP2p({
          ...options.p2p,
          store,
          registry: metrics.registry,
          onStored: (count) => metrics.countStored(count),
          logger,
          defaultStateDir:
            options.store || options.storeUrl !== undefined ? undefined : (options.dataDir ?? '.xmtp-node'),
        })
        .catch(async (error: unknown) => {
          // A p2p port already taken must not leave the store open.
          if (!options.store) await store.close();
          throw error;
        })
    : undefined;
  const relay = options.relay ?? p2p?.relay ?? new LocalRelay();
  const reopen = new ReopenLedger({ graceMs: options.reopenGraceMs ?? DEFAULT_REOPEN_GRACE_MS });
  const dispatcher = new Dispatcher(reopen);
  const stopRelay = relay.onEnvelope((e) => dispatcher.dispatch(e));
  const limiter =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMITS, now);
  const auth =
    options.auth === false
      ? undefined
      : new PublishAuth({
          verify: options.verifyToken ?? verifyXmtpToken,
          parseHeader: parseAuthorizationHeader,
          now,
        });
  const subscriberBufferBytes = options.subscriberBufferBytes ?? 8 * 1024 * 1024;
  const streams = new Set<HttpStream>();
  const ctx: HttpContext = {
    service: new MessageService(store, relay, metrics, now),
    dispatcher,
    metrics,
    limiter,
    auth,
    trustProxy: options.trustProxy ?? false,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    subscriberBufferBytes,
    streams,
    reopen,
    logger,
  };
  const ws = new WsSubscriptions({
    dispatcher,
    metrics,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
    maxBufferedBytes: subscriberBufferBytes,
    ipOf: (req) => clientIp(req, ctx.trustProxy),
    maxSocketsPerIp: options.maxSocketsPerIp ?? DEFAULT_MAX_SOCKETS_PER_IP,
    frameLimiter: limiter
      ? (req) => {
          const ip = clientIp(req, ctx.trustProxy);
          return () => {
            const decision = limiter.take(ip, 'DEF', 1);
            if (decision.ok) return undefined;
            metrics.rateLimited.labels('DEF').inc();
            return `1 exceeds rate limit ${decision.bucket}`;
          };
        }
      : undefined,
  });

  const handle = createRequestHandler(ctx);
  const ownDataDir =
    options.store || options.storeUrl !== undefined ? undefined : (options.dataDir ?? '.xmtp-node');
  const attachmentOptions =
    options.attachments === false ? undefined : (options.attachments ?? (ownDataDir ? {} : undefined));
  const attachments = attachmentOptions
    ? openAttachmentStore(attachmentOptions, {
        defaultDir: ownDataDir,
        scheme: options.tls ? 'https' : 'http',
        verifyToken: options.verifyToken ?? verifyXmtpToken,
        now,
        onError: (message) => logger.error(message),
      })
    : undefined;
  const listener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path.startsWith(ATTACHMENTS_PREFIX) && req.method !== 'OPTIONS') {
      if (attachments) attachments.routes.handle(req, res, path);
      else handle(req, res); // 404
      return;
    }
    // GET /peers: this node's peer id, listen addresses and connected peers (p2p only).
    if (req.method === 'GET' && path === '/peers') {
      void (p2p ? p2p.describe() : Promise.resolve('{"peerId":null,"listenAddrs":[],"peers":[]}')).then(
        (body) => {
          metrics.request('/peers', 200);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
          res.end(body);
        },
      );
      return;
    }
    handle(req, res);
  };
  const server: Server = options.tls
    ? (createTlsServer(
        { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) },
        listener,
      ) as unknown as Server)
    : createServer(listener);
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n' +
          '{"code":5,"message":"Not Found","details":[]}',
      );
      return;
    }
    // Opening a socket costs one DEF token, like opening an HTTP subscription (§2.4).
    const decision = limiter?.take(clientIp(req, ctx.trustProxy), 'DEF', 1);
    if (decision && !decision.ok) {
      metrics.rateLimited.labels('DEF').inc();
      const body = `{"code":8,"message":"1 exceeds rate limit ${decision.bucket}","details":[]}`;
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: ${decision.retryAfterSeconds}` +
          `\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    ws.upgrade(req, socket, head);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5555, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // Nothing is left running when the port cannot be had (EADDRINUSE and the like).
    await p2p?.close();
    await ws.close();
    stopRelay();
    limiter?.close();
    await attachments?.close();
    if (!options.store) await store.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const scheme = options.tls ? 'https' : 'http';
  p2p?.setApiUrl(`${scheme}://${urlHost}:${port}`);

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${urlHost}:${port}`,
    port,
    host,
    storeDescription: store.description,
    ...(attachments ? { attachmentsDescription: attachments.description } : {}),
    metrics,
    p2p,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const stream of [...streams]) stream.end();
        await ws.close();
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 2000);
        await stopped;
        clearTimeout(forced);
        stopRelay();
        await relay.close();
        limiter?.close();
        await attachments?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
