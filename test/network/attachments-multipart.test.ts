// The attachment store's chunked upload (docs/node-api.md §6.2, issue #16): the same tests against the file
// backend and an S3-compatible bucket (s3rver, a real S3 server started here, with S3's 5 MiB parts): start,
// numbered parts, complete with the digest checked before anything is stored; each wrong request a clear 4xx
// JSON error that stores nothing; unfinished uploads expire; the same bytes are stored once. And the client's
// uploadPayload against the real node: its progress callbacks, and a failed part tried again.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPayload } from '@/client/attachments';
import type { AttachmentOptions } from '@/network/node';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import type { EncryptedAttachment } from '@/protocol/content';
import { until } from '../helpers/until';
import { startS3Bucket, type S3Bucket } from '../helpers/s3-bucket';
import { identity, tokenOf } from '../helpers/uploader';
import { startTestNode, type TestNode } from './helpers';

/** The sha256 of what `url` serves (comparing megabytes with toEqual takes seconds). */
async function servedDigest(url: string): Promise<string> {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes and their content address: the store takes any payload, encrypted or not. */
function payload(size: number): EncryptedAttachment {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    payload: bytes,
    contentDigest: createHash('sha256').update(bytes).digest('hex'),
  } as EncryptedAttachment;
}

interface StartAnswer {
  url: string;
  exists: boolean;
  uploadId: string;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; size: number; uploadUrl: string; headers: Record<string, string> }[];
  completeUrl: string;
}

interface Backend {
  name: string;
  partSize: number;
  /** Parts go through the node, which checks each as it arrives (the bucket's are checked at complete). */
  checksPartsOnArrival: boolean;
  setUp(): Promise<void>;
  options(extra?: Partial<AttachmentOptions>): AttachmentOptions;
  /** Payloads stored. */
  stored(): Promise<number>;
  /** Parts of unfinished uploads held (file backend; the bucket's are not visible to count). */
  partsHeld(): number | undefined;
  tearDown(): Promise<void>;
}

function fileBackend(): Backend {
  let dir = '';
  return {
    name: 'file backend',
    partSize: 512 * 1024,
    checksPartsOnArrival: true,
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'xmtp-multipart-'));
    },
    options: (extra = {}) => ({ dir: mkdtempSync(join(dir, 'store-')), ...extra }),
    async stored() {
      return readdirSync(dir)
        .flatMap((store) => readdirSync(join(dir, store)).map((shard) => join(dir, store, shard)))
        .filter((path) => /[/\\][0-9a-f]{2}$/.test(path))
        .flatMap((shard) => readdirSync(shard)).length;
    },
    partsHeld() {
      return readdirSync(dir)
        .map((store) => join(dir, store, 'tmp', 'multipart'))
        .filter((path) => existsSync(path))
        .flatMap((path) => readdirSync(path)).length;
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
    partSize: 5 * 1024 * 1024,
    checksPartsOnArrival: false,
    async setUp() {
      bucket = await startS3Bucket();
    },
    options: (extra = {}) => ({ s3: bucket.s3, ...extra }),
    stored: () => bucket.objects(),
    partsHeld: () => undefined,
    tearDown: () => bucket.stop(),
  };
}

describe.each([fileBackend(), s3Backend()])('chunked uploads: $name', { timeout: 60_000 }, (backend) => {
  let node: TestNode;
  let alice: PrivateKeyBundleV1;
  let bob: PrivateKeyBundleV1;
  const auth = (who: PrivateKeyBundleV1 = alice) => ({ Authorization: `Bearer ${tokenOf(who)}` });
  /** Two full parts and a short last one. */
  const size = () => backend.partSize * 2 + 1234;

  beforeAll(async () => {
    await backend.setUp();
    node = await startTestNode({ attachments: backend.options({ maxBytes: 16 * 1024 * 1024 }) });
    [alice, bob] = await Promise.all([identity(), identity()]);
  });
  afterAll(async () => {
    await node?.close();
    await backend.tearDown();
  });

  const start = (body: unknown, headers: Record<string, string> = auth(), on = node) =>
    fetch(`${on.url}/attachments/v1/multipart`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  async function started(encrypted: EncryptedAttachment, on = node): Promise<StartAnswer> {
    const res = await start(
      { contentDigest: encrypted.contentDigest, contentLength: encrypted.payload.length },
      auth(),
      on,
    );
    expect(res.status).toBe(200);
    return (await res.json()) as StartAnswer;
  }
  async function put(slot: StartAnswer, n: number, bytes: Uint8Array) {
    const part = slot.parts[n - 1]!;
    return fetch(part.uploadUrl, {
      method: 'PUT',
      headers: part.headers,
      body: bytes as Uint8Array<ArrayBuffer>,
    }).catch((error: Error) => {
      throw new Error(`PUT part ${n}: ${error.message}: ${String((error.cause as Error)?.message)}`);
    });
  }
  const partBytes = (encrypted: EncryptedAttachment, slot: StartAnswer, n: number) =>
    encrypted.payload.subarray((n - 1) * slot.partSize, (n - 1) * slot.partSize + slot.parts[n - 1]!.size);
  async function putAll(encrypted: EncryptedAttachment, slot: StartAnswer) {
    const etags: string[] = [];
    for (let n = 1; n <= slot.partCount; n++) {
      const res = await put(slot, n, partBytes(encrypted, slot, n));
      expect(res.status, `part ${n}`).toBe(200);
      etags.push(res.headers.get('etag')!);
    }
    return etags;
  }
  const complete = (
    slot: { completeUrl: string },
    parts: { partNumber: number; etag: string }[],
    who = alice,
  ) =>
    fetch(slot.completeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth(who) },
      body: JSON.stringify({ parts }),
    });
  const listed = (etags: string[]) => etags.map((etag, i) => ({ partNumber: i + 1, etag }));

  it('takes a payload in numbered parts of the size it announces, and serves it back byte for byte', async () => {
    const encrypted = payload(size());
    const before = await backend.stored();
    const slot = await started(encrypted);
    expect(slot).toMatchObject({ exists: false, partSize: backend.partSize, partCount: 3 });
    expect(slot.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, backend.partSize],
      [2, backend.partSize],
      [3, 1234],
    ]);
    const etags = await putAll(encrypted, slot);
    const done = await complete(slot, listed(etags));
    expect(done.status).toBe(201);
    expect(await done.json()).toEqual({ url: slot.url });
    expect(slot.url).toBe(`${node.url}/attachments/v1/${encrypted.contentDigest}`);
    const res = await fetch(slot.url, { method: 'HEAD' });
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-length')).toBe(String(encrypted.payload.length));
    expect(await servedDigest(slot.url)).toBe(encrypted.contentDigest);
    expect(await backend.stored()).toBe(before + 1);
    if (backend.partsHeld() !== undefined) expect(backend.partsHeld()).toBe(0);
    // Done: the upload id is spent.
    expect((await complete(slot, listed(etags))).status).toBe(404);
  });

  it('stores the same bytes once: a second start says it exists, two uploads at once keep one copy', async () => {
    const encrypted = payload(backend.partSize + 10);
    const before = await backend.stored();
    const [first, second] = [await started(encrypted), await started(encrypted)];
    const [etagsA, etagsB] = [await putAll(encrypted, first), await putAll(encrypted, second)];
    expect((await complete(first, listed(etagsA))).status).toBe(201);
    const again = await complete(second, listed(etagsB));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ url: first.url });
    expect(await started(encrypted)).toEqual({ url: first.url, exists: true });
    expect(await backend.stored()).toBe(before + 1);
  });

  it('refuses a start without a token (401), over the size limit (413), or with a bad digest (400)', async () => {
    const encrypted = payload(100);
    const declared = { contentDigest: encrypted.contentDigest, contentLength: 100 };
    const anonymous = await start(declared, {});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      code: 16,
      message: expect.stringMatching(/authorization/i),
    });
    const large = await start({ contentDigest: 'a'.repeat(64), contentLength: 16 * 1024 * 1024 + 1 });
    expect(large.status).toBe(413);
    expect((await large.json()).message).toContain('limit of 16777216 bytes');
    const bad = await start({ contentDigest: 'xyz', contentLength: 5 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/contentDigest/);
  });

  it('says which part is missing, out of range or listed twice, and takes the upload afterwards', async () => {
    const encrypted = payload(size());
    const slot = await started(encrypted);
    const etags = await putAll(encrypted, slot);
    const cases: [unknown[], RegExp][] = [
      [listed(etags).slice(0, 2), /part 3 is missing/],
      [
        [...listed(etags), { partNumber: 4, etag: etags[0] }],
        /part 4 is out of range: this upload has parts 1 to 3/,
      ],
      [[...listed(etags), { partNumber: 0, etag: etags[0] }], /part 0 is out of range/],
      [[...listed(etags), listed(etags)[0]], /part 1 is listed twice/],
      [[{ partNumber: 1 }], /etag/],
    ];
    for (const [parts, message] of cases) {
      const res = await fetch(slot.completeUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...auth() },
        body: JSON.stringify({ parts }),
      });
      expect(res.status, String(message)).toBe(400);
      expect((await res.json()).message).toMatch(message);
    }
    expect((await fetch(slot.url)).status).toBe(404);
    expect((await complete(slot, listed(etags))).status).toBe(201);
  });

  it("refuses an unknown upload id (404) and someone else's (403), storing nothing", async () => {
    const encrypted = payload(backend.partSize + 99);
    const slot = await started(encrypted);
    const etags = await putAll(encrypted, slot);
    const unknown = await complete(
      { completeUrl: `${node.url}/attachments/v1/multipart/${'0'.repeat(32)}/complete` },
      listed(etags),
    );
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).message).toMatch(/no upload 0{32}: .* start the upload again/);
    const stolen = await complete(slot, listed(etags), bob);
    expect(stolen.status).toBe(403);
    expect((await stolen.json()).message).toMatch(/started by another identity/);
    expect((await fetch(slot.url)).status).toBe(404);
    expect((await complete(slot, listed(etags))).status).toBe(201);
  });

  it('stores nothing when the assembled parts do not hash to the declared digest, and drops the upload', async () => {
    const encrypted = payload(size());
    const before = await backend.stored();
    const slot = await started(encrypted);
    const etags = await putAll(encrypted, slot);
    const tampered = partBytes(encrypted, slot, 2).slice();
    tampered[7]! ^= 1;
    const res = await put(slot, 2, tampered);
    expect(res.status).toBe(200);
    etags[1] = res.headers.get('etag')!;
    const refused = await complete(slot, listed(etags));
    expect(refused.status).toBe(400);
    expect((await refused.json()).message).toMatch(/hashing to [0-9a-f]{64}, not .* nothing was stored/);
    expect((await fetch(slot.url)).status).toBe(404);
    expect(await backend.stored()).toBe(before);
    if (backend.partsHeld() !== undefined) expect(backend.partsHeld()).toBe(0);
    expect((await complete(slot, listed(etags))).status).toBe(404);
  });

  it('refuses a part of the wrong size, storing nothing', async () => {
    const encrypted = payload(size());
    const before = await backend.stored();
    const slot = await started(encrypted);
    const etags = await putAll(encrypted, slot);
    const short = await put(slot, 1, partBytes(encrypted, slot, 1).subarray(0, 1000));
    if (backend.checksPartsOnArrival) {
      // The node sees each part: a short one is refused at once, a long one too (413), and the parts it has stay.
      expect(short.status).toBe(400);
      expect((await short.json()).message).toBe(`part 1 must be ${backend.partSize} bytes, got 1000`);
      const long = await put(slot, 1, new Uint8Array(backend.partSize + 1));
      expect(long.status).toBe(413);
      const beyond = await fetch(slot.parts[0]!.uploadUrl.replace(/\/1$/, '/4'), {
        method: 'PUT',
        body: new Uint8Array(10),
      });
      expect(beyond.status).toBe(400);
      expect((await beyond.json()).message).toMatch(/part 4 is out of range/);
      expect((await complete(slot, listed(etags))).status).toBe(201);
      expect(await backend.stored()).toBe(before + 1);
    } else {
      // The bucket takes any size; the node finds out when it checks what the parts add up to.
      expect(short.status).toBe(200);
      etags[0] = short.headers.get('etag')!;
      const refused = await complete(slot, listed(etags));
      expect(refused.status).toBe(400);
      expect((await refused.json()).message).toMatch(/the parts add up to \d+ bytes/);
      expect((await fetch(slot.url)).status).toBe(404);
      expect(await backend.stored()).toBe(before);
    }
  });

  it('lets an upload expire: its parts are removed and complete says to start again', async () => {
    const short = await startTestNode({ attachments: backend.options({ uploadExpirySeconds: 0.4 }) });
    try {
      const encrypted = payload(backend.partSize + 5);
      const slot = await started(encrypted, short);
      const first = await put(slot, 1, partBytes(encrypted, slot, 1));
      expect(first.status).toBe(200);
      if (backend.partsHeld() !== undefined) expect(backend.partsHeld()).toBe(1);
      await until(
        () => (backend.partsHeld() ?? 0) === 0 && Date.now() > slot.parts.length,
        'the sweep',
        5_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(backend.partsHeld() ?? 0).toBe(0);
      const late = await complete(slot, [
        { partNumber: 1, etag: first.headers.get('etag')! },
        { partNumber: 2, etag: 'x' },
      ]);
      expect(late.status).toBe(404);
      expect((await late.json()).message).toMatch(/expired/);
      expect((await fetch(slot.url)).status).toBe(404);
    } finally {
      await short.close();
    }
  });

  it('limits what one identity starts per hour (429 with Retry-After) before any part is sent', async () => {
    const limited = await startTestNode({
      attachments: backend.options({ bytesPerHour: backend.partSize * 2 }),
    });
    try {
      const encrypted = payload(size());
      const res = await start(
        { contentDigest: encrypted.contentDigest, contentLength: encrypted.payload.length },
        auth(),
        limited,
      );
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).message).toMatch(/hourly limit/);
    } finally {
      await limited.close();
    }
  });

  it('uploadPayload sends the parts and tells the progress after each, ending at the whole', async () => {
    const encrypted = payload(size());
    const calls: [number, number][] = [];
    const url = await uploadPayload(
      encrypted,
      { uploadUrl: node.url, getToken: async () => tokenOf(alice), fetch },
      { onProgress: (sent, total) => calls.push([sent, total]) },
    );
    expect(await servedDigest(url)).toBe(encrypted.contentDigest);
    const total = encrypted.payload.length;
    expect(calls.every(([, t]) => t === total)).toBe(true);
    const sent = calls.map(([s]) => s);
    expect(sent[0]).toBe(0);
    expect(sent.at(-1)).toBe(total);
    expect(sent).toHaveLength(4); // the start, then one per part
    expect([...sent].sort((a, b) => a - b)).toEqual(sent);
    // Uploaded already: no part goes, and progress is whole at once.
    const again: number[] = [];
    await uploadPayload(
      encrypted,
      { uploadUrl: node.url, getToken: async () => tokenOf(alice), fetch },
      { onProgress: (s) => again.push(s) },
    );
    expect(again).toEqual([total]);
  });
});

describe('uploadPayload when a part fails (file backend)', { timeout: 30_000 }, () => {
  let node: TestNode;
  let alice: PrivateKeyBundleV1;
  /** A proxy in front of the node that answers 503 to the first `failures` part PUTs it sees. */
  let proxy: Server;
  let proxyUrl = '';
  let failures = 0;
  let partPuts = 0;

  beforeAll(async () => {
    node = await startTestNode();
    alice = await identity();
    proxy = createServer((req, res) => {
      const isPart = req.method === 'PUT' && /\/multipart\/[0-9a-f]{32}\/\d+$/.test(req.url ?? '');
      if (isPart) partPuts++;
      if (isPart && failures > 0) {
        failures--;
        req.resume();
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end('{"code":14,"message":"busy","details":[]}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers = { ...req.headers } as Record<string, string>;
        delete headers['host'];
        delete headers['content-length'];
        const answer = await fetch(`${node.url}${req.url}`, {
          method: req.method!,
          headers,
          ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
        });
        // The node's answers point at itself; through the proxy, they point here.
        const text = (await answer.text()).replaceAll(node.url, proxyUrl);
        res.writeHead(answer.status, {
          'Content-Type': answer.headers.get('content-type') ?? 'application/json',
          ...(answer.headers.get('etag') ? { ETag: answer.headers.get('etag')! } : {}),
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.close();
    await node?.close();
  });

  const deps = () => ({ uploadUrl: proxyUrl, getToken: async () => tokenOf(alice), fetch });

  it('tries a failed part again and completes', async () => {
    const encrypted = payload(3 * 512 * 1024);
    failures = 2;
    partPuts = 0;
    const url = await uploadPayload(encrypted, deps(), { retryDelayMs: 10 });
    expect(partPuts).toBe(5); // three parts, two of them twice
    // Read from the node itself (the proxy rewrites text, which would spoil the bytes).
    expect(await servedDigest(url.replace(proxyUrl, node.url))).toBe(encrypted.contentDigest);
  });

  it('fails with a clear error when a part keeps failing', async () => {
    const encrypted = payload(600 * 1024);
    failures = 100;
    const progress: number[] = [];
    await expect(
      uploadPayload(encrypted, deps(), { retryDelayMs: 10, onProgress: (s) => progress.push(s) }),
    ).rejects.toThrow(/part [12] of 2 failed after 3 tries: .*busy/);
    expect(progress).toEqual([0]);
    failures = 0;
  });
});
