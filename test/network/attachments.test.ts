// The node's attachment store (docs/node-api.md §6, issue #16): the same behaviour from the file backend and
// from an S3-compatible bucket (s3rver, a real S3 server started here, uploads through presigned URLs), and
// the whole flow over the node's own https.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPayload } from '@/client/attachments';
import { FileAttachmentBackend } from '@/network/attachments/file-backend';
import { TicketSigner } from '@/network/attachments/tickets';
import type { AttachmentOptions } from '@/network/node';
import { toHex } from '@/protocol/bytes';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { encryptAttachment, type EncryptedAttachment } from '@/protocol/content';
import { sha256Async } from '@/protocol/hash';
import { makeTestCertificate } from '../helpers/tls';
import { startS3Bucket, type S3Bucket } from '../helpers/s3-bucket';
import { identity, tokenOf } from '../helpers/uploader';
import { startTestNode, type TestNode } from './helpers';

const MAX_BYTES = 256 * 1024;

async function payload(size: number): Promise<EncryptedAttachment> {
  return encryptAttachment({
    filename: 'f.bin',
    mimeType: 'application/octet-stream',
    data: new Uint8Array(randomBytes(size)),
  });
}

interface Backend {
  name: string;
  options(): AttachmentOptions;
  /** How many payloads the backend holds. */
  stored(): Promise<number>;
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
}

function fileBackend(): Backend {
  let dir = '';
  return {
    name: 'file backend',
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'xmtp-attachments-'));
    },
    options: () => ({ dir, maxBytes: MAX_BYTES }),
    async stored() {
      return readdirSync(dir)
        .filter((shard) => /^[0-9a-f]{2}$/.test(shard))
        .flatMap((shard) => readdirSync(join(dir, shard))).length;
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function s3Backend(): Backend {
  let bucket: S3Bucket;
  return {
    name: 'S3-compatible backend (s3rver)',
    async setUp() {
      bucket = await startS3Bucket();
    },
    options: () => ({ s3: bucket.s3, maxBytes: MAX_BYTES }),
    stored: () => bucket.objects(),
    tearDown: () => bucket.stop(),
  };
}

describe.each([fileBackend(), s3Backend()])('attachment store: $name', (backend) => {
  let node: TestNode;
  let alice: PrivateKeyBundleV1;
  const deps = () => ({ uploadUrl: node.url, getToken: async () => tokenOf(alice), fetch });

  beforeAll(async () => {
    await backend.setUp?.();
    node = await startTestNode({ attachments: backend.options() });
    alice = await identity();
  });
  afterAll(async () => {
    await node.close();
    await backend.tearDown?.();
  });

  const slot = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${node.url}/attachments/v1/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('refuses an upload without a token (401), with a clear JSON error', async () => {
    const encrypted = await payload(100);
    const res = await slot({ contentDigest: encrypted.contentDigest, contentLength: 100 });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, message: expect.stringMatching(/authorization/i) });
    const forged = await slot(
      { contentDigest: encrypted.contentDigest, contentLength: 100 },
      { Authorization: 'Bearer AAAA' },
    );
    expect(forged.status).toBe(401);
  });

  it('refuses a payload over the size limit (413) before any byte is uploaded', async () => {
    const res = await slot(
      { contentDigest: 'a'.repeat(64), contentLength: MAX_BYTES + 1 },
      { Authorization: `Bearer ${tokenOf(alice)}` },
    );
    expect(res.status).toBe(413);
    expect((await res.json()).message).toContain(`limit of ${MAX_BYTES} bytes`);
  });

  it('says what is wrong with a bad digest, length or body', async () => {
    const auth = { Authorization: `Bearer ${tokenOf(alice)}` };
    for (const body of [
      { contentDigest: 'xyz', contentLength: 1 },
      { contentDigest: 'A'.repeat(64), contentLength: 1 },
      { contentDigest: 'a'.repeat(64), contentLength: -1 },
      { contentDigest: 'a'.repeat(64), contentLength: '5' },
    ]) {
      const res = await slot(body, auth);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).message).toMatch(/contentDigest|contentLength/);
    }
    const malformed = await fetch(`${node.url}/attachments/v1/uploads`, {
      method: 'POST',
      headers: auth,
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
  });

  it('stores an upload and serves it back, byte for byte, with long-lived caching headers', async () => {
    const encrypted = await payload(200_000);
    const url = await uploadPayload(encrypted, deps());
    expect(url).toBe(`${node.url}/attachments/v1/${encrypted.contentDigest}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toBe(`"${encrypted.contentDigest}"`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(encrypted.payload);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(encrypted.payload.length));
  });

  it('stores the same bytes once, however often they are uploaded', async () => {
    const encrypted = await payload(5_000);
    const before = await backend.stored();
    const first = await uploadPayload(encrypted, deps());
    const again = await slot(
      { contentDigest: encrypted.contentDigest, contentLength: encrypted.payload.length },
      { Authorization: `Bearer ${tokenOf(alice)}` },
    );
    expect(await again.json()).toEqual({ url: first, exists: true });
    expect(await uploadPayload(encrypted, deps())).toBe(first);
    expect(await backend.stored()).toBe(before + 1);
  });

  it('answers 404 with JSON for a payload it does not have', async () => {
    const res = await fetch(`${node.url}/attachments/v1/${'0'.repeat(64)}`);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe(5);
  });
});

describe('attachment store: file backend uploads', () => {
  let node: TestNode;
  let alice: PrivateKeyBundleV1;
  beforeAll(async () => {
    node = await startTestNode({
      attachments: { maxBytes: MAX_BYTES, bytesPerHour: 300_000, uploadsPerHour: 1000 },
    });
    alice = await identity();
  });
  afterAll(() => node.close());

  async function ticketFor(encrypted: EncryptedAttachment) {
    const res = await fetch(`${node.url}/attachments/v1/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokenOf(alice)}` },
      body: JSON.stringify({
        contentDigest: encrypted.contentDigest,
        contentLength: encrypted.payload.length,
      }),
    });
    return (await res.json()) as { uploadUrl: string; url: string };
  }

  it('keeps its files under the data directory by default', async () => {
    await uploadPayload(await payload(10), {
      uploadUrl: node.url,
      getToken: async () => tokenOf(alice),
      fetch,
    });
    expect(readdirSync(join(node.dataDir, 'attachments'))).not.toHaveLength(0);
  });

  it('stores nothing when the bytes do not match the digest, are too long, or the URL is forged', async () => {
    const encrypted = await payload(1000);
    const { uploadUrl, url } = await ticketFor(encrypted);
    const wrong = encrypted.payload.slice();
    wrong[0]! ^= 1;
    const mismatch = await fetch(uploadUrl, { method: 'PUT', body: wrong as Uint8Array<ArrayBuffer> });
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()).message).toMatch(/hash to/);
    const long = await fetch(uploadUrl, {
      method: 'PUT',
      body: new Uint8Array(encrypted.payload.length + 1),
    });
    expect(long.status).toBe(413);
    const forged = new URL(uploadUrl);
    forged.searchParams.set('length', '2000');
    expect(
      (await fetch(forged, { method: 'PUT', body: encrypted.payload as Uint8Array<ArrayBuffer> })).status,
    ).toBe(403);
    expect((await fetch(url)).status).toBe(404);
    // The real bytes still go in afterwards: nothing partial was left behind.
    expect(
      (await fetch(uploadUrl, { method: 'PUT', body: encrypted.payload as Uint8Array<ArrayBuffer> })).status,
    ).toBe(201);
    expect(new Uint8Array(await (await fetch(url)).arrayBuffer())).toEqual(encrypted.payload);
  });

  it('limits the bytes one identity uploads per hour (429 with Retry-After), not the next identity', async () => {
    const big = await payload(200_000);
    await uploadPayload(big, { uploadUrl: node.url, getToken: async () => tokenOf(alice), fetch });
    const more = await payload(200_000);
    const refused = await fetch(`${node.url}/attachments/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenOf(alice)}` },
      body: JSON.stringify({ contentDigest: more.contentDigest, contentLength: more.payload.length }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).message).toMatch(/hourly limit/);
    const bob = await identity();
    await expect(
      uploadPayload(more, { uploadUrl: node.url, getToken: async () => tokenOf(bob), fetch }),
    ).resolves.toContain(more.contentDigest);
  });
});

describe('attachment retention (file backend)', () => {
  it('deletes payloads older than the cutoff and keeps newer ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-retention-'));
    try {
      const backend = new FileAttachmentBackend(dir, new TicketSigner());
      const digests = await Promise.all(
        ['old', 'new'].map(async (text) => toHex(await sha256Async(new TextEncoder().encode(text)))),
      );
      for (const digest of digests) {
        mkdirSync(join(dir, digest.slice(0, 2)), { recursive: true });
        writeFileSync(join(dir, digest.slice(0, 2), digest), 'x');
      }
      const tenDaysAgo = (Date.now() - 10 * 86_400_000) / 1000;
      utimesSync(join(dir, digests[0]!.slice(0, 2), digests[0]!), tenDaysAgo, tenDaysAgo);
      expect(await backend.sweep(Date.now() - 86_400_000)).toBe(1);
      expect(await backend.has(digests[0]!)).toBe(false);
      expect(await backend.has(digests[1]!)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the node over https (--tls-cert, --tls-key)', () => {
  const certificate = makeTestCertificate();
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ tls: { cert: certificate.cert, key: certificate.key } });
  });
  afterAll(async () => {
    await node.close();
    certificate.remove();
  });

  it('serves the API and the attachment store over TLS, with https URLs', async () => {
    expect(node.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await certificate.fetch(`${node.url}/healthz`)).status).toBe(200);
    const encrypted = await payload(50_000);
    const alice = await identity();
    const url = await uploadPayload(encrypted, {
      uploadUrl: node.url,
      getToken: async () => tokenOf(alice),
      fetch: certificate.fetch,
    });
    expect(url.startsWith(`${node.url}/attachments/v1/`)).toBe(true);
    const body = await (await certificate.fetch(url)).arrayBuffer();
    expect(new Uint8Array(body)).toEqual(encrypted.payload);
    // Untrusted by default: the certificate is really checked.
    await expect(fetch(`${node.url}/healthz`)).rejects.toThrow();
  });
});
