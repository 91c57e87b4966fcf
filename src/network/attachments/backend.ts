// Where a node keeps attachment payloads (docs/node-api.md §6): encrypted bytes, content-addressed by the hex
// sha256 the message carries. Two backends: files under the node's data directory (file-backend.ts) and any
// S3-compatible bucket (s3-backend.ts). The HTTP side (routes.ts) is the same for both.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PendingUpload } from './pending-uploads';

/** Where the uploader puts the bytes: a URL to PUT them to, with the headers it must send. */
export interface UploadTarget {
  uploadUrl: string;
  headers: Record<string, string>;
}

/** Where one part of a chunked upload goes. */
export interface PartTarget extends UploadTarget {
  partNumber: number;
  size: number;
}

/**
 * Chunked uploads (docs/node-api.md §6.2): the payload goes in numbered parts, so a client can count what has
 * gone, and is assembled, checked against its digest and stored content-addressed only at complete.
 */
export interface MultipartBackend {
  /** Bytes per part, the last excepted (S3 takes no part under 5 MiB but the last). */
  readonly partSize: number;
  /** Prepares an upload's parts; returns where each is PUT (and the bucket's own upload id, if any). */
  startParts(
    upload: PendingUpload,
    nodeUrl: string,
  ): Promise<{ parts: PartTarget[]; bucketUploadId?: string }>;
  /** Takes part `n` through the node (file backend); refuses a wrong size; returns the part's ETag. */
  receivePart?(upload: PendingUpload, n: number, req: IncomingMessage): Promise<string>;
  /** Checks, changing nothing, that the parts are all there (400 saying which is not): then complete may go. */
  checkParts?(upload: PendingUpload, etags: string[]): Promise<void>;
  /**
   * Assembles the parts (`etags[n - 1]` is part n's), stores the payload under its digest if the assembled
   * bytes have the declared length and digest, and removes the parts, whatever the outcome: a mismatch stores
   * nothing (400), and the upload is over.
   */
  completeParts(upload: PendingUpload, etags: string[]): Promise<'stored' | 'exists'>;
  /** Removes an upload's parts (expiry); never throws. */
  abortParts(upload: PendingUpload): Promise<void>;
  /** Removes the parts of uploads `isLive` does not know (left by a node that restarted). */
  removeOrphanParts?(isLive: (id: string) => boolean): Promise<void>;
}

export interface AttachmentBackend extends MultipartBackend {
  /** For the start-up banner, e.g. `files in .xmtp-node/attachments`. */
  readonly description: string;
  has(digest: string): Promise<boolean>;
  /** Where `length` bytes of `digest` may be uploaded. `nodeUrl` is this node's URL as the client sees it. */
  uploadTarget(digest: string, length: number, nodeUrl: string): Promise<UploadTarget>;
  /**
   * The URL a message points at. Default (undefined): the node's own `GET /attachments/v1/<digest>`, which
   * calls serve(); a bucket with a public address (or a CDN) can answer directly.
   */
  publicUrl?(digest: string): string | undefined;
  /**
   * Takes a PUT of the payload through the node (backends whose uploads go elsewhere, like a bucket's
   * presigned URLs, leave it out). Stores nothing unless the bytes are exactly `length` long and hash to
   * `digest`; a payload already stored is kept as it is.
   */
  receive?(digest: string, length: number, req: IncomingMessage): Promise<'stored' | 'exists'>;
  /** Answers a GET or HEAD for a stored payload (404 when there is none). */
  serve(digest: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Deletes payloads stored before `cutoffMs` (retention); returns how many. Backends may leave it to the bucket. */
  sweep?(cutoffMs: number): Promise<number>;
  close?(): Promise<void>;
}

/** A payload is named by the hex sha256 of its bytes: exactly 64 lowercase hex digits. */
export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** Payloads never change: clients and proxies may keep them for a year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
