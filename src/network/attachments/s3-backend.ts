// Attachment payloads in an S3-compatible bucket (AWS S3, MinIO, R2, s3rver…). Clients upload straight to
// the bucket through presigned PUT URLs (SigV4 query signing by aws4fetch); downloads go through the node,
// which streams the object with the same caching headers as the file backend, unless the operator gives the
// bucket's public address, which messages then point at directly. Retention is the bucket's lifecycle rule.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AwsClient } from 'aws4fetch';
import { ApiError, GrpcCode } from '@/network/api/errors';
import type { AttachmentBackend, PartTarget, UploadTarget } from './backend';
import { IMMUTABLE_CACHE } from './backend';
import type { PendingUpload } from './pending-uploads';
import { PRESIGN_SECONDS, S3_PART_SIZE, S3Parts, unavailable } from './s3-parts';

export interface S3Options {
  /** The service endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: string;
  bucket: string;
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket (default `attachments/`). */
  prefix?: string;
  /** The bucket's public base URL (or a CDN's): messages link there instead of to the node. */
  publicUrl?: string;
}

export class S3AttachmentBackend implements AttachmentBackend {
  readonly description: string;
  readonly partSize = S3_PART_SIZE;
  private readonly aws: AwsClient;
  private readonly parts: S3Parts;
  private readonly base: string;
  private readonly prefix: string;

  constructor(private readonly options: S3Options) {
    this.aws = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region ?? 'us-east-1',
      service: 's3',
    });
    // Path-style addressing: works with every S3-compatible server, and needs no DNS per bucket.
    this.base = `${options.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(options.bucket)}`;
    this.prefix = options.prefix ?? 'attachments/';
    this.description = `S3 bucket ${options.bucket} at ${options.endpoint}`;
    this.parts = new S3Parts(this.aws, this.base, options.bucket, this.prefix, (d) => `${this.prefix}${d}`);
  }

  startParts(upload: PendingUpload): Promise<{ parts: PartTarget[]; bucketUploadId: string }> {
    return this.parts.start(upload);
  }

  completeParts(upload: PendingUpload, etags: string[]): Promise<'stored' | 'exists'> {
    return this.parts.complete(upload, etags);
  }

  abortParts(upload: PendingUpload): Promise<void> {
    return this.parts.abort(upload);
  }

  private objectUrl(digest: string): string {
    return `${this.base}/${this.prefix}${digest}`;
  }

  async has(digest: string): Promise<boolean> {
    const response = await this.bucket(this.objectUrl(digest), { method: 'HEAD' });
    if (response.status === 404) return false;
    if (response.ok) return true;
    throw unavailable(`HEAD answered ${response.status}`);
  }

  async uploadTarget(digest: string, length: number): Promise<UploadTarget> {
    const url = new URL(this.objectUrl(digest));
    url.searchParams.set('X-Amz-Expires', String(PRESIGN_SECONDS));
    const signed = await this.aws.sign(url.toString(), { method: 'PUT', aws: { signQuery: true } });
    return {
      uploadUrl: signed.url,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) },
    };
  }

  publicUrl(digest: string): string | undefined {
    return this.options.publicUrl
      ? `${this.options.publicUrl.replace(/\/+$/, '')}/${this.prefix}${digest}`
      : undefined;
  }

  async serve(digest: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const response = await this.bucket(this.objectUrl(digest), {
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
    });
    if (response.status === 404) throw new ApiError(GrpcCode.NOT_FOUND, `no attachment ${digest}`);
    if (!response.ok) throw unavailable(`GET answered ${response.status}`);
    const length = response.headers.get('content-length');
    res.writeHead(200, {
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/octet-stream',
      'Cache-Control': IMMUTABLE_CACHE,
      ETag: `"${digest}"`,
      ...(length ? { 'Content-Length': length } : {}),
    });
    if (req.method === 'HEAD' || !response.body) {
      res.end();
      return;
    }
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), res);
  }

  private async bucket(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.aws.fetch(url, init);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
  }
}
