// Chunked uploads of the file backend: each part is written to <dir>/tmp/multipart/<upload id>/<n> (to a
// temporary name first, then renamed, so a part is there whole or not at all); complete concatenates them into
// one temporary file while hashing, and renames it into its content address only when length and digest match.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import type { PartTarget } from './backend';
import { partLength, type PendingUpload } from './pending-uploads';

/** 512 KiB: a few MB go in several parts, so progress moves in steps a person sees. */
export const FILE_PART_SIZE = 512 * 1024;

export class FileParts {
  private readonly root: string;
  private writes = 0;
  /** ETag (sha256 hex) of each part received, by `<upload id>/<n>`. */
  private readonly etags = new Map<string, string>();

  constructor(
    private readonly tmpDir: string,
    /** Moves an assembled, checked payload into its content address; 'exists' when it already was. */
    private readonly store: (tmpFile: string, digest: string) => Promise<'stored' | 'exists'>,
  ) {
    this.root = join(tmpDir, 'multipart');
  }

  targets(upload: PendingUpload, nodeUrl: string): PartTarget[] {
    return Array.from({ length: upload.partCount }, (_, i) => ({
      partNumber: i + 1,
      size: partLength(upload, i + 1),
      uploadUrl: `${nodeUrl}/attachments/v1/multipart/${upload.id}/${i + 1}`,
      headers: { 'Content-Type': 'application/octet-stream' },
    }));
  }

  async receive(upload: PendingUpload, n: number, req: IncomingMessage): Promise<string> {
    if (!Number.isSafeInteger(n) || n < 1 || n > upload.partCount) {
      throw invalidArgument(
        `part ${n} is out of range: upload ${upload.id} has parts 1 to ${upload.partCount}`,
      );
    }
    const size = partLength(upload, n);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > size) throw partTooLong(n, size);
    const dir = join(this.root, upload.id);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${n}.${process.pid}-${this.writes++}.tmp`);
    const hash = createHash('sha256');
    let got = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        got += chunk.length;
        if (got > size) {
          done(partTooLong(n, size));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, meter, createWriteStream(tmp, { flags: 'wx' }));
      if (got !== size) throw invalidArgument(`part ${n} must be ${size} bytes, got ${got}`);
      const etag = hash.digest('hex');
      await rename(tmp, join(dir, String(n)));
      this.etags.set(`${upload.id}/${n}`, etag);
      return etag;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Every part is here, with the ETag the client was given for it (400 otherwise; nothing changes). */
  async check(upload: PendingUpload, etags: string[]): Promise<void> {
    const dir = join(this.root, upload.id);
    for (let n = 1; n <= upload.partCount; n++) {
      const have = this.etags.get(`${upload.id}/${n}`);
      if (!have || !(await stat(join(dir, String(n))).catch(() => undefined))) {
        throw invalidArgument(
          `part ${n} of upload ${upload.id} has not been received: send it, then complete`,
        );
      }
      if (etags[n - 1]?.replace(/"/g, '') !== have) {
        throw invalidArgument(`part ${n}: the ETag given is not the one the node answered for it`);
      }
    }
  }

  async complete(upload: PendingUpload): Promise<'stored' | 'exists'> {
    const dir = join(this.root, upload.id);
    const assembled = join(this.tmpDir, `${process.pid}-${this.writes++}-${upload.digest}`);
    const hash = createHash('sha256');
    let length = 0;
    try {
      const out = await open(assembled, 'wx');
      try {
        for (let n = 1; n <= upload.partCount; n++) {
          const bytes = await readFile(join(dir, String(n)));
          hash.update(bytes);
          length += bytes.length;
          await out.write(bytes);
        }
      } finally {
        await out.close();
      }
      const digest = hash.digest('hex');
      if (length !== upload.length || digest !== upload.digest) {
        throw invalidArgument(
          `the parts add up to ${length} bytes hashing to ${digest}, not the ${upload.length} bytes of ` +
            `${upload.digest} that were declared; nothing was stored`,
        );
      }
      return await this.store(assembled, upload.digest);
    } finally {
      await rm(assembled, { force: true });
      await this.abort(upload);
    }
  }

  async abort(upload: PendingUpload): Promise<void> {
    for (let n = 1; n <= upload.partCount; n++) this.etags.delete(`${upload.id}/${n}`);
    await rm(join(this.root, upload.id), { recursive: true, force: true }).catch(() => undefined);
  }

  async removeOrphans(isLive: (id: string) => boolean): Promise<void> {
    for (const id of await readdir(this.root).catch(() => [] as string[])) {
      if (!isLive(id)) await rm(join(this.root, id), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

function partTooLong(n: number, size: number): ApiError {
  return new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `part ${n} is longer than its ${size} bytes`, {
    status: 413,
    headers: { Connection: 'close' },
  });
}
