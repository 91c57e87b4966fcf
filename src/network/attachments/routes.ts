// The attachment store's HTTP side (docs/node-api.md §6):
//   POST /attachments/v1/uploads   {contentDigest, contentLength} + an XMTP auth token → where to PUT the bytes
//   PUT  /attachments/v1/<digest>  the bytes (file backend; the URL carries its own signed permission)
//   GET  /attachments/v1/<digest>  the bytes, cacheable for a year (HEAD too)
//   /attachments/v1/multipart…     the same upload in numbered parts, so progress can be counted (multipart-routes.ts)
// Each identity has its own budget of uploads and bytes per hour; errors are the API's JSON ({code, message}).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import type { PublishAuth } from '@/network/auth/publish-auth';
import { RateLimiter } from '@/network/limits/rate-limiter';
import type { AttachmentBackend } from './backend';
import { DIGEST_PATTERN } from './backend';
import { readDeclaredPayload } from './declared-payload';
import { createMultipartRoutes, MULTIPART_PATH } from './multipart-routes';
import type { PendingUploads } from './pending-uploads';
import { methodNotAllowed, sendJson } from './respond';
import type { TicketSigner } from './tickets';

export const ATTACHMENTS_PREFIX = '/attachments/v1/';

export interface AttachmentLimits {
  /** Largest payload in bytes (default 25 MiB). */
  maxBytes: number;
  /** Payload bytes one identity may upload per hour (default 512 MiB). */
  bytesPerHour: number;
  /** Uploads one identity may start per hour (default 600). */
  uploadsPerHour: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxBytes: 25 * 1024 * 1024,
  bytesPerHour: 512 * 1024 * 1024,
  uploadsPerHour: 600,
};

export interface AttachmentRoutesOptions {
  backend: AttachmentBackend;
  auth: PublishAuth;
  tickets: TicketSigner;
  limits: AttachmentLimits;
  /** The chunked uploads in progress, and how long one may take from start to complete. */
  uploads: PendingUploads;
  uploadExpiryMs: number;
  /** This node's URL for clients (default: from the request's Host header and the server's scheme). */
  publicUrl?: string;
  scheme: 'http' | 'https';
  now: () => number;
  onError(message: string): void;
}

export interface AttachmentRoutes {
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  close(): void;
}

export function createAttachmentRoutes(options: AttachmentRoutesOptions): AttachmentRoutes {
  const { backend, limits, now } = options;
  // Per identity, not per IP: one bucket of uploads and one of bytes, refilled continuously over the hour.
  const budget = new RateLimiter(
    {
      publish: { perMinute: limits.uploadsPerHour / 60, max: limits.uploadsPerHour },
      default: { perMinute: limits.uploadsPerHour / 60, max: limits.uploadsPerHour },
      bytes: { perMinute: limits.bytesPerHour / 60, max: limits.bytesPerHour },
    },
    now,
  );

  function nodeUrl(req: IncomingMessage): string {
    if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
    return `${options.scheme}://${req.headers.host ?? '127.0.0.1'}`;
  }

  function downloadUrl(req: IncomingMessage, digest: string): string {
    return backend.publicUrl?.(digest) ?? `${nodeUrl(req)}${ATTACHMENTS_PREFIX}${digest}`;
  }

  function take(wallet: string, kind: 'DEF' | 'BYTES', cost: number, what: string) {
    const decision = budget.take(wallet, kind, cost);
    if (!decision.ok) {
      throw new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `${what} for ${wallet} exceeds the hourly limit`, {
        headers: { 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }
  }

  const multipart = createMultipartRoutes({
    backend,
    uploads: options.uploads,
    auth: options.auth,
    maxBytes: limits.maxBytes,
    expiryMs: options.uploadExpiryMs,
    now,
    take,
    nodeUrl,
    downloadUrl,
  });

  async function startUpload(req: IncomingMessage, res: ServerResponse) {
    const wallet = options.auth.authenticate(req.headers.authorization);
    const { contentDigest, contentLength } = await readDeclaredPayload(req, limits.maxBytes);
    take(wallet, 'DEF', 1, 'uploads');
    const url = downloadUrl(req, contentDigest);
    if (await backend.has(contentDigest)) {
      // Content-addressed: the same bytes are stored once, and nobody is handed a way to replace them.
      sendJson(res, 200, { url, exists: true });
      return;
    }
    take(wallet, 'BYTES', contentLength, `${contentLength} bytes`);
    const target = await backend.uploadTarget(contentDigest, contentLength, nodeUrl(req));
    sendJson(res, 200, { url, exists: false, uploadUrl: target.uploadUrl, headers: target.headers });
  }

  async function receive(req: IncomingMessage, res: ServerResponse, digest: string, query: URLSearchParams) {
    if (!backend.receive)
      throw new ApiError(GrpcCode.UNIMPLEMENTED, 'upload to the bucket URL the node gave');
    const length = Number(query.get('length'));
    const expiresAtMs = Number(query.get('expires'));
    const signature = query.get('signature') ?? '';
    if (!options.tickets.verify({ digest, length, expiresAtMs }, signature, now())) {
      throw new ApiError(GrpcCode.PERMISSION_DENIED, 'upload URL invalid or expired: ask for a new one');
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > length) {
      throw new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `upload of ${declared} bytes, ${length} announced`, {
        status: 413,
        headers: { Connection: 'close' },
      });
    }
    const outcome = await backend.receive(digest, length, req);
    sendJson(res, outcome === 'stored' ? 201 : 200, { url: downloadUrl(req, digest) });
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string) {
    const method = req.method ?? 'GET';
    const name = path.slice(ATTACHMENTS_PREFIX.length);
    if (name === 'uploads') {
      if (method !== 'POST') throw methodNotAllowed('POST');
      return startUpload(req, res);
    }
    if (name === MULTIPART_PATH || name.startsWith(`${MULTIPART_PATH}/`)) {
      return multipart.handle(req, res, name.slice(MULTIPART_PATH.length));
    }
    if (!DIGEST_PATTERN.test(name)) throw new ApiError(GrpcCode.NOT_FOUND, 'Not Found');
    if (method === 'PUT') {
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      return receive(req, res, name, query);
    }
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET, HEAD, PUT');
    req.resume();
    return backend.serve(name, req, res);
  }

  return {
    handle(req, res, path) {
      route(req, res, path).catch((error: unknown) => {
        req.resume();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof ApiError) {
          sendJson(res, error.status, JSON.parse(error.body()), error.headers);
        } else if (error instanceof SyntaxError) {
          sendJson(res, 400, JSON.parse(invalidArgument(`malformed JSON: ${error.message}`).body()));
        } else {
          options.onError(
            `${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          sendJson(res, 500, { code: GrpcCode.INTERNAL, message: 'internal error', details: [] });
        }
      });
    },
    close: () => budget.close(),
  };
}
