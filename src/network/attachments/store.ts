// Opens the node's attachment store from its options: the backend, the routes, and the retention sweep.
import { join } from 'node:path';
import { PublishAuth } from '@/network/auth/publish-auth';
import type { TokenVerifier } from '@/network/auth/publish-auth';
import { parseAuthorizationHeader } from '@/network/auth/token';
import type { AttachmentBackend } from './backend';
import { FileAttachmentBackend } from './file-backend';
import { PendingUploads } from './pending-uploads';
import type { AttachmentLimits, AttachmentRoutes } from './routes';
import { createAttachmentRoutes, DEFAULT_ATTACHMENT_LIMITS } from './routes';
import type { S3Options } from './s3-backend';
import { S3AttachmentBackend } from './s3-backend';
import { TicketSigner } from './tickets';

export interface AttachmentOptions extends Partial<AttachmentLimits> {
  /** Files under this directory (default: `<dataDir>/attachments`). */
  dir?: string;
  /** An S3-compatible bucket instead of files. */
  s3?: S3Options;
  /** Payloads older than this many days are deleted (file backend; default 30, 0 = kept forever). */
  retentionDays?: number;
  /** This node's URL as clients reach it (behind a proxy); default: from each request's Host header. */
  publicUrl?: string;
  /** A chunked upload not completed this many seconds after its start expires and its parts are removed (900). */
  uploadExpirySeconds?: number;
}

export const DEFAULT_RETENTION_DAYS = 30;
/** Matches the presigned URLs' 15 minutes: a part URL never outlives its upload. */
export const DEFAULT_UPLOAD_EXPIRY_SECONDS = 15 * 60;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface AttachmentStore {
  readonly description: string;
  readonly routes: AttachmentRoutes;
  /** Runs the retention sweep now (also every hour); returns how many payloads it deleted. */
  sweep(): Promise<number>;
  /** Forgets expired chunked uploads and removes their parts (also every minute, or sooner for short expiries). */
  sweepUploads(): Promise<number>;
  close(): Promise<void>;
}

export function openAttachmentStore(
  options: AttachmentOptions,
  context: {
    defaultDir: string | undefined;
    scheme: 'http' | 'https';
    verifyToken: TokenVerifier;
    now: () => number;
    onError(message: string): void;
  },
): AttachmentStore {
  const tickets = new TicketSigner();
  const uploads = new PendingUploads(context.now);
  const uploadExpiryMs = (options.uploadExpirySeconds ?? DEFAULT_UPLOAD_EXPIRY_SECONDS) * 1000;
  if (!(uploadExpiryMs > 0)) throw new Error('attachments: uploadExpirySeconds must be a positive number');
  let backend: AttachmentBackend;
  if (options.s3) {
    backend = new S3AttachmentBackend(options.s3);
  } else {
    const dir = options.dir ?? (context.defaultDir ? join(context.defaultDir, 'attachments') : undefined);
    if (!dir)
      throw new Error('attachments: give a directory or an S3 bucket (the store has no data directory)');
    backend = new FileAttachmentBackend(dir, tickets, context.now);
  }
  const routes = createAttachmentRoutes({
    backend,
    // Always checked, also on a node started without publish auth: the limits are per identity.
    auth: new PublishAuth({
      verify: context.verifyToken,
      parseHeader: parseAuthorizationHeader,
      now: context.now,
    }),
    tickets,
    uploads,
    uploadExpiryMs,
    limits: {
      maxBytes: options.maxBytes ?? DEFAULT_ATTACHMENT_LIMITS.maxBytes,
      bytesPerHour: options.bytesPerHour ?? DEFAULT_ATTACHMENT_LIMITS.bytesPerHour,
      uploadsPerHour: options.uploadsPerHour ?? DEFAULT_ATTACHMENT_LIMITS.uploadsPerHour,
    },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    scheme: context.scheme,
    now: context.now,
    onError: context.onError,
  });
  const retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 24 * 60 * 60 * 1000;
  const sweep = async () =>
    retentionMs > 0 && backend.sweep ? backend.sweep(context.now() - retentionMs) : 0;
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => context.onError(`attachment sweep: ${(error as Error).message}`));
  }, SWEEP_EVERY_MS);
  timer.unref();
  const sweepUploads = async () => {
    const expired = uploads.takeExpired();
    for (const upload of expired) await backend.abortParts(upload);
    await backend.removeOrphanParts?.((id) => uploads.has(id));
    return expired.length;
  };
  const uploadTimer = setInterval(
    () => {
      sweepUploads().catch((error: unknown) => context.onError(`upload sweep: ${(error as Error).message}`));
    },
    Math.min(60_000, Math.max(100, uploadExpiryMs / 2)),
  );
  uploadTimer.unref();
  return {
    description: backend.description,
    routes,
    sweep,
    sweepUploads,
    async close() {
      clearInterval(timer);
      clearInterval(uploadTimer);
      routes.close();
      await backend.close?.();
    },
  };
}
