// Chunked uploads into an S3-compatible bucket: an S3 multipart upload of a staging object
// (<prefix>multipart/<upload id>), whose parts the client PUTs straight to the bucket through presigned
// UploadPart URLs. At complete the node has the bucket assemble them, reads the staging object back to check
// its length and sha256, and only then copies it to its content address; the staging object is deleted
// either way. A bucket takes no part under 5 MiB but the last, hence the part size.
import { createHash } from 'node:crypto';
import type { AwsClient } from 'aws4fetch';
import { ApiError, invalidArgument } from '@/network/api/errors';
import type { PartTarget } from './backend';
import { partLength, type PendingUpload } from './pending-uploads';

/** S3's smallest part but the last. */
export const S3_PART_SIZE = 5 * 1024 * 1024;

/** How long a presigned URL stays valid (seconds). */
export const PRESIGN_SECONDS = 15 * 60;

export class S3Parts {
  constructor(
    private readonly aws: AwsClient,
    /** `<endpoint>/<bucket>` */
    private readonly base: string,
    private readonly bucketName: string,
    private readonly prefix: string,
    private readonly finalKey: (digest: string) => string,
  ) {}

  private stagingKey(upload: PendingUpload): string {
    return `${this.prefix}multipart/${upload.id}`;
  }

  async start(upload: PendingUpload): Promise<{ parts: PartTarget[]; bucketUploadId: string }> {
    const created = await this.call(`${this.base}/${this.stagingKey(upload)}?uploads`, { method: 'POST' });
    const text = await created.text();
    const bucketUploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
    if (!created.ok || !bucketUploadId) throw unavailable(`CreateMultipartUpload answered ${created.status}`);
    const parts = await Promise.all(
      Array.from({ length: upload.partCount }, async (_, i): Promise<PartTarget> => {
        const url = new URL(`${this.base}/${this.stagingKey(upload)}`);
        url.searchParams.set('partNumber', String(i + 1));
        url.searchParams.set('uploadId', bucketUploadId);
        url.searchParams.set('X-Amz-Expires', String(PRESIGN_SECONDS));
        const signed = await this.aws.sign(url.toString(), { method: 'PUT', aws: { signQuery: true } });
        return {
          partNumber: i + 1,
          size: partLength(upload, i + 1),
          uploadUrl: signed.url,
          headers: { 'Content-Type': 'application/octet-stream' },
        };
      }),
    );
    return { parts, bucketUploadId };
  }

  async complete(upload: PendingUpload, etags: string[]): Promise<'stored' | 'exists'> {
    const staging = `${this.base}/${this.stagingKey(upload)}`;
    const body =
      '<CompleteMultipartUpload>' +
      etags
        .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlText(etag)}</ETag></Part>`)
        .join('') +
      '</CompleteMultipartUpload>';
    const query = `uploadId=${encodeURIComponent(upload.bucketUploadId ?? '')}`;
    const done = await this.call(`${staging}?${query}`, { method: 'POST', body });
    const answer = await done.text();
    // S3 may answer 200 and put the error in the body.
    if (!done.ok || answer.includes('<Error>')) {
      await this.abort(upload);
      if (done.status >= 500) throw unavailable(`CompleteMultipartUpload answered ${done.status}`);
      throw invalidArgument(
        `the bucket refused to assemble the parts (${/<Code>([^<]+)/.exec(answer)?.[1] ?? done.status}): ` +
          'send every part again, then complete',
      );
    }
    try {
      const { length, digest } = await this.measure(staging);
      if (length !== upload.length || digest !== upload.digest) {
        throw invalidArgument(
          `the parts add up to ${length} bytes hashing to ${digest}, not the ${upload.length} bytes of ` +
            `${upload.digest} that were declared; nothing was stored`,
        );
      }
      const target = `${this.base}/${this.finalKey(upload.digest)}`;
      if ((await this.call(target, { method: 'HEAD' })).ok) return 'exists';
      const copied = await this.call(target, {
        method: 'PUT',
        headers: { 'x-amz-copy-source': encodeURI(`/${this.bucketName}/${this.stagingKey(upload)}`) },
      });
      const copyAnswer = await copied.text();
      if (!copied.ok || copyAnswer.includes('<Error>'))
        throw unavailable(`CopyObject answered ${copied.status}`);
      return 'stored';
    } finally {
      await this.call(staging, { method: 'DELETE' }).catch(() => undefined);
    }
  }

  /** Aborts the bucket's multipart upload, best effort (a lifecycle rule should also abort stale ones). */
  async abort(upload: PendingUpload): Promise<void> {
    if (!upload.bucketUploadId) return;
    const query = `uploadId=${encodeURIComponent(upload.bucketUploadId)}`;
    await this.call(`${this.base}/${this.stagingKey(upload)}?${query}`, { method: 'DELETE' })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }

  /** Streams an object through sha256. */
  private async measure(url: string): Promise<{ length: number; digest: string }> {
    const response = await this.call(url, { method: 'GET' });
    if (!response.ok || !response.body)
      throw unavailable(`GET of the assembled parts answered ${response.status}`);
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      length += chunk.length;
    }
    return { length, digest: hash.digest('hex') };
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.aws.fetch(url, init);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
  }
}

export function unavailable(detail: string): ApiError {
  return new ApiError(14, `the attachment bucket is unavailable: ${detail}`, { status: 503 });
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
