// Attachment payloads as files: <dir>/<first two hex digits>/<digest>. An upload is written to a temporary
// file, hashed as it streams, and renamed into place only when its length and digest are right, so a reader
// never sees part of a payload and a wrong one is never stored.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import type { AttachmentBackend, PartTarget, UploadTarget } from './backend';
import { IMMUTABLE_CACHE } from './backend';
import { FILE_PART_SIZE, FileParts } from './file-parts';
import type { PendingUpload } from './pending-uploads';
import type { TicketSigner } from './tickets';

/** How long an upload URL stays valid. */
const TICKET_MS = 15 * 60 * 1000;

export class FileAttachmentBackend implements AttachmentBackend {
  readonly description: string;
  readonly partSize = FILE_PART_SIZE;
  private readonly tmpDir: string;
  private readonly parts: FileParts;
  private uploads = 0;

  constructor(
    private readonly dir: string,
    private readonly tickets: TicketSigner,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `files in ${dir}`;
    this.tmpDir = join(dir, 'tmp');
    this.parts = new FileParts(this.tmpDir, (file, digest) => this.keep(file, digest));
  }

  private pathOf(digest: string): string {
    return join(this.dir, digest.slice(0, 2), digest);
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.pathOf(digest)).then(
      () => true,
      () => false,
    );
  }

  async uploadTarget(digest: string, length: number, nodeUrl: string): Promise<UploadTarget> {
    const expiresAtMs = this.now() + TICKET_MS;
    const signature = this.tickets.sign({ digest, length, expiresAtMs });
    const query = new URLSearchParams({ length: String(length), expires: String(expiresAtMs), signature });
    return {
      uploadUrl: `${nodeUrl}/attachments/v1/${digest}?${query}`,
      headers: { 'Content-Type': 'application/octet-stream' },
    };
  }

  async receive(digest: string, length: number, req: IncomingMessage): Promise<'stored' | 'exists'> {
    if (await this.has(digest)) {
      req.resume();
      return 'exists';
    }
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${process.pid}-${this.uploads++}-${digest}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > length) {
          done(tooLong(length));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, meter, createWriteStream(tmp, { flags: 'wx' }));
      if (size !== length) throw invalidArgument(`expected ${length} bytes, got ${size}`);
      const actual = hash.digest('hex');
      if (actual !== digest) throw invalidArgument(`the bytes hash to ${actual}, not ${digest}`);
      await mkdir(join(this.dir, digest.slice(0, 2)), { recursive: true });
      await rename(tmp, this.pathOf(digest));
      return 'stored';
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async startParts(upload: PendingUpload, nodeUrl: string): Promise<{ parts: PartTarget[] }> {
    await mkdir(this.tmpDir, { recursive: true });
    return { parts: this.parts.targets(upload, nodeUrl) };
  }

  receivePart(upload: PendingUpload, n: number, req: IncomingMessage): Promise<string> {
    return this.parts.receive(upload, n, req);
  }

  checkParts(upload: PendingUpload, etags: string[]): Promise<void> {
    return this.parts.check(upload, etags);
  }

  completeParts(upload: PendingUpload): Promise<'stored' | 'exists'> {
    return this.parts.complete(upload);
  }

  abortParts(upload: PendingUpload): Promise<void> {
    return this.parts.abort(upload);
  }

  removeOrphanParts(isLive: (id: string) => boolean): Promise<void> {
    return this.parts.removeOrphans(isLive);
  }

  /** Renames a checked temporary file into its content address (kept as it is if already there). */
  private async keep(file: string, digest: string): Promise<'stored' | 'exists'> {
    if (await this.has(digest)) return 'exists';
    await mkdir(join(this.dir, digest.slice(0, 2)), { recursive: true });
    await rename(file, this.pathOf(digest));
    return 'stored';
  }

  async serve(digest: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = this.pathOf(digest);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ApiError(GrpcCode.NOT_FOUND, `no attachment ${digest}`);
    const headers = {
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/octet-stream',
      'Cache-Control': IMMUTABLE_CACHE,
      ETag: `"${digest}"`,
    };
    if (req.headers['if-none-match'] === `"${digest}"`) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': info.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(path), res);
  }

  async sweep(cutoffMs: number): Promise<number> {
    let removed = 0;
    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(join(this.dir, shard))) {
        const path = join(this.dir, shard, name);
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtimeMs < cutoffMs) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}

function tooLong(length: number): ApiError {
  return new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `upload longer than the ${length} bytes announced`, {
    status: 413,
    headers: { Connection: 'close' },
  });
}
