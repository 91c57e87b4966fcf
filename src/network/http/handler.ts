// The node's HTTP front: routing, CORS, body parsing, rate limits, auth, gzip and the error
// body of docs/protocol.md §1.7. Kept on bare node:http: publish is the hot path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import {
  decodeBatchQuery,
  decodePublish,
  decodeQuery,
  decodeTopics,
  parseJson,
  requireObject,
} from '@/network/api/json';
import type { Json } from '@/network/api/json';
import type { MessageService } from '@/network/api/service';
import type { PublishAuth } from '@/network/auth/publish-auth';
import type { Dispatcher } from '@/network/dispatcher';
import { clientIp } from '@/network/limits/client-ip';
import type { LimitKind, RateLimiter } from '@/network/limits/rate-limiter';
import type { NodeMetrics } from '@/network/metrics';
import type { ReopenLedger } from '@/network/reopen';
import { readBody } from './body';
import { CORS_ORIGIN, PREFLIGHT_HEADERS } from './cors';
import { HttpStream } from './stream';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface HttpContext {
  service: MessageService;
  dispatcher: Dispatcher;
  metrics: NodeMetrics;
  limiter: RateLimiter | undefined;
  auth: PublishAuth | undefined;
  trustProxy: boolean;
  maxBodyBytes: number;
  subscriberBufferBytes: number;
  streams: Set<HttpStream>;
  /** Pairs a reopened HTTP subscription with the one it replaces (src/network/reopen.ts). */
  reopen: ReopenLedger;
  logger: Logger;
}

type PostRoute = (ctx: HttpContext, req: IncomingMessage, res: ServerResponse, body: Json) => Promise<void>;

const NOT_FOUND = '{"code":5,"message":"Not Found","details":[]}';
const METHOD_NOT_ALLOWED = '{"code":12,"message":"Method Not Allowed","details":[]}';
const JSON_HEADERS = { ...CORS_ORIGIN, 'Content-Type': 'application/json' };

function send(
  ctx: HttpContext,
  res: ServerResponse,
  route: string,
  status: number,
  body: string | Buffer,
  headers?: Record<string, string>,
): void {
  ctx.metrics.request(route, status);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  // The common answer (publish's `{}`, a query page) builds its header object without spreads.
  res.writeHead(
    status,
    headers
      ? { ...JSON_HEADERS, ...headers, 'Content-Length': length }
      : { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json', 'Content-Length': length },
  );
  res.end(body);
}

function charge(ctx: HttpContext, req: IncomingMessage, kind: LimitKind, cost: number): void {
  if (!ctx.limiter) return;
  const decision = ctx.limiter.take(clientIp(req, ctx.trustProxy), kind, cost);
  if (decision.ok) return;
  ctx.metrics.rateLimited.labels(kind).inc();
  throw new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `${cost} exceeds rate limit ${decision.bucket}`, {
    headers: { 'Retry-After': String(decision.retryAfterSeconds) },
  });
}

/** Query responses are gzipped when the client accepts it, like the reference (§1.4). */
function sendQueryResult(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  json: string,
) {
  const accept = req.headers['accept-encoding'];
  if (typeof accept !== 'string' || !accept.includes('gzip')) {
    send(ctx, res, route, 200, json);
    return;
  }
  gzip(json, (err, zipped) => {
    if (err) send(ctx, res, route, 200, json);
    else send(ctx, res, route, 200, zipped, { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
  });
}

/** Who a subscription belongs to, as near as HTTP tells: its address and client headers (for reopen pairing). */
function clientOf(ctx: HttpContext, req: IncomingMessage): string {
  const header = (name: string) => String(req.headers[name] ?? '');
  return [
    clientIp(req, ctx.trustProxy),
    header('user-agent'),
    header('x-client-version'),
    header('x-app-version'),
  ].join('\n');
}

function openStream(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  topics: string[] | 'all',
): void {
  const stream: HttpStream = new HttpStream(res, ctx.subscriberBufferBytes, () => {
    if (gate) {
      ctx.dispatcher.removeTopics(gate, topics);
      ctx.reopen.closed(gate);
    } else ctx.dispatcher.setAll(stream, false);
    ctx.streams.delete(stream);
    ctx.metrics.subscriptions.labels('http').dec();
  });
  ctx.streams.add(stream);
  ctx.metrics.subscriptions.labels('http').inc();
  // A topic subscription is fanned out to through its reopen gate, which first gives it what the stream it
  // replaces held or missed (src/network/reopen.ts, docs/node.md).
  const gate = topics === 'all' ? undefined : ctx.reopen.opened(stream, clientOf(ctx, req), topics);
  if (gate) ctx.dispatcher.addTopics(gate, topics as string[]);
  else ctx.dispatcher.setAll(stream, true);
}

const POST_ROUTES = new Map<string, PostRoute>([
  [
    '/message/v1/publish',
    async (ctx, req, res, body) => {
      const envelopes = decodePublish(body);
      // Order as in the reference interceptor: rate limit, then authentication (§2.3, §2.4).
      charge(ctx, req, 'PUB', envelopes.length);
      if (ctx.auth) {
        const header = req.headers.authorization;
        const wallet = ctx.auth.authenticate(header);
        ctx.auth.checkTopics(
          wallet,
          envelopes.map((e) => e.contentTopic),
        );
      }
      await ctx.service.publish(envelopes);
      send(ctx, res, '/message/v1/publish', 200, '{}');
    },
  ],
  [
    '/message/v1/query',
    async (ctx, req, res, body) => {
      const query = decodeQuery(body, '');
      charge(ctx, req, 'DEF', 1);
      sendQueryResult(ctx, req, res, '/message/v1/query', await ctx.service.query(query));
    },
  ],
  [
    '/message/v1/batch-query',
    async (ctx, req, res, body) => {
      const queries = decodeBatchQuery(body);
      charge(ctx, req, 'DEF', queries.length);
      sendQueryResult(ctx, req, res, '/message/v1/batch-query', await ctx.service.batchQuery(queries));
    },
  ],
  [
    '/message/v1/subscribe',
    async (ctx, req, res, body) => {
      const topics = decodeTopics(body.contentTopics ?? body.content_topics ?? undefined, 'contentTopics');
      charge(ctx, req, 'DEF', 1);
      ctx.metrics.request('/message/v1/subscribe', 200);
      openStream(ctx, req, res, topics);
    },
  ],
  [
    '/message/v1/subscribe-all',
    async (ctx, req, res) => {
      charge(ctx, req, 'DEF', 1);
      ctx.metrics.request('/message/v1/subscribe-all', 200);
      openStream(ctx, req, res, 'all');
    },
  ],
]);

export const WS_PATH = '/message/v1/ws';

function fail(ctx: HttpContext, res: ServerResponse, route: string, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ApiError) {
    send(ctx, res, route, err.status, err.body(), err.headers);
    return;
  }
  if (err instanceof SyntaxError || err instanceof RangeError) {
    send(ctx, res, route, 400, invalidArgument(`malformed JSON: ${err.message}`).body());
    return;
  }
  ctx.logger.error(`${route}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  send(ctx, res, route, 500, new ApiError(GrpcCode.INTERNAL, 'internal error').body());
}

export function createRequestHandler(ctx: HttpContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';

    if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
      ctx.metrics.request('preflight', 200);
      res.writeHead(200, { ...PREFLIGHT_HEADERS, 'Content-Length': 0 });
      res.end();
      return;
    }

    const post = POST_ROUTES.get(path);
    if (post) {
      if (method !== 'POST') {
        req.resume();
        send(ctx, res, path, 405, METHOD_NOT_ALLOWED, { Allow: 'POST, OPTIONS' });
        return;
      }
      // Body bytes are charged before they are read when the length is declared, else before parsing.
      const declared = Number(req.headers['content-length']);
      const sized = Number.isSafeInteger(declared) && declared >= 0 && declared <= ctx.maxBodyBytes;
      Promise.resolve()
        .then(() => {
          if (sized) charge(ctx, req, 'BYTES', declared); // a throw here becomes the rejection
          return readBody(req, ctx.maxBodyBytes);
        })
        .then((buf) => {
          if (!sized) charge(ctx, req, 'BYTES', buf.length);
          return post(ctx, req, res, requireObject(parseJson(buf.toString('utf8')), 'request body'));
        })
        .catch((err: unknown) => fail(ctx, res, path, err));
      return;
    }

    if (path === '/healthz' || path === '/metrics' || path === WS_PATH) {
      req.resume();
      if (method !== 'GET' && method !== 'HEAD') {
        send(ctx, res, path, 405, METHOD_NOT_ALLOWED, { Allow: 'GET' });
      } else if (path === '/healthz') {
        send(ctx, res, path, 200, '{"status":"ok"}');
      } else if (path === WS_PATH) {
        send(ctx, res, path, 400, invalidArgument('expected a WebSocket upgrade').body());
      } else {
        ctx.metrics.registry.metrics().then(
          (text) => send(ctx, res, path, 200, text, { 'Content-Type': ctx.metrics.registry.contentType }),
          (err: unknown) => fail(ctx, res, path, err),
        );
      }
      return;
    }

    req.resume();
    send(ctx, res, 'other', 404, NOT_FOUND);
  };
}
