// A real S3-compatible server (s3rver) on a free loopback port with one empty bucket, for the attachment store's
// S3 backend tests: the credentials it takes, its endpoint, how many objects the bucket holds, and a stop that
// removes its files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Bucket {
  /** What the node's `attachments.s3` option takes. */
  s3: { bucket: string; accessKeyId: string; secretAccessKey: string; endpoint: string };
  /** Objects in the bucket. */
  objects(): Promise<number>;
  stop(): Promise<void>;
}

export async function startS3Bucket(): Promise<S3Bucket> {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-s3rver-'));
  const bucket = 'attachments';
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    s3: { bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', endpoint },
    async objects() {
      const listing = await fetch(`${endpoint}/${bucket}?list-type=2`).then((r) => r.text());
      return [...listing.matchAll(/<Key>/g)].length;
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
