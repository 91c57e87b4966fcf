// The chunked uploads in progress (docs/node-api.md §6.2), in memory: who started each, what it must add up to,
// and when it expires. An upload is a capability: its id is 128 random bits, and only the identity that started
// it may complete it. A node that restarts forgets its uploads; their parts are removed by the next sweep.
import { randomBytes } from 'node:crypto';
import { ApiError, GrpcCode } from '@/network/api/errors';

export interface PendingUpload {
  /** 32 lowercase hex digits. */
  id: string;
  /** The identity (wallet address) whose token started it. */
  wallet: string;
  digest: string;
  length: number;
  partSize: number;
  partCount: number;
  expiresAtMs: number;
  /** The bucket's own multipart upload id (S3 backend). */
  bucketUploadId?: string;
  /** Complete is assembling it: no more parts, no second complete, and no sweep takes its parts away. */
  completing?: boolean;
}

export const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Size of part `n` (1-based): `partSize`, except the last, which holds the rest. */
export function partLength(upload: Pick<PendingUpload, 'length' | 'partSize' | 'partCount'>, n: number) {
  return n < upload.partCount ? upload.partSize : upload.length - upload.partSize * (upload.partCount - 1);
}

export class PendingUploads {
  private readonly uploads = new Map<string, PendingUpload>();

  constructor(private readonly now: () => number) {}

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  add(upload: PendingUpload): void {
    this.uploads.set(upload.id, upload);
  }

  /** The live upload `id`; 404 when there is none (never started, completed, or expired). */
  get(id: string): PendingUpload {
    const upload = this.uploads.get(id);
    if (!upload || upload.expiresAtMs <= this.now()) {
      throw new ApiError(
        GrpcCode.NOT_FOUND,
        `no upload ${id}: it was completed, has expired or never existed; start the upload again`,
      );
    }
    if (upload.completing) {
      throw new ApiError(9 /* FAILED_PRECONDITION */, `upload ${id} is being completed`, { status: 409 });
    }
    return upload;
  }

  /** As get(), and 403 unless `wallet` started it. */
  owned(id: string, wallet: string): PendingUpload {
    const upload = this.get(id);
    if (upload.wallet !== wallet) {
      throw new ApiError(GrpcCode.PERMISSION_DENIED, `upload ${id} was started by another identity`);
    }
    return upload;
  }

  remove(id: string): void {
    this.uploads.delete(id);
  }

  has(id: string): boolean {
    return this.uploads.has(id);
  }

  /** Takes the expired uploads out of the table and returns them (their parts are for the caller to remove). */
  takeExpired(): PendingUpload[] {
    const now = this.now();
    const expired = [...this.uploads.values()].filter((u) => u.expiresAtMs <= now && !u.completing);
    for (const upload of expired) this.uploads.delete(upload.id);
    return expired;
  }

  get size(): number {
    return this.uploads.size;
  }
}
