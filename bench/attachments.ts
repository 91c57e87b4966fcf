// `npm run bench -- attachments [--mb=10] [--runs=5]`
// Files (issue #16): a 10 MB attachment encrypted and uploaded to the node's attachment store on loopback, then
// downloaded and decrypted, ours (src/client/attachments.ts over src/protocol) next to xmtp-js 13's
// RemoteAttachmentCodec (encodeEncrypted / load) in the same run, on the same node and the same bytes; and in
// Chromium, the time from a 1 MB remote image's message appearing in the open thread to its thumbnail decoded.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AttachmentCodec,
  ContentTypeRemoteAttachment,
  RemoteAttachmentCodec,
  type Attachment as XmtpJsAttachment,
} from '@xmtp/content-type-remote-attachment';
import { Client as XmtpJsClient } from '@xmtp/xmtp-js';
import { loadAttachment, uploadPayload } from '@/client/attachments';
import { startNode } from '@/network/node';
import { createAuthToken } from '@/protocol/authn';
import { createCodecRegistry, encryptAttachment, remoteAttachmentFor } from '@/protocol/content';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { makePng } from '../test/helpers/png';
import { viemWallet } from '../test/helpers/wallet';
import { makeTestCertificate } from '../test/helpers/tls';
import { buildExtension, launchExtension, popupRequest } from '../test/e2e/harness';
import { flag } from './_args';

const MB = Number(flag('mb') ?? 10);
const RUNS = Number(flag('runs') ?? 5);
const log = (line: string) => console.error(`[bench attachments] ${line}`);
const ms = (value: number) => `${value.toFixed(0)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Over the node's own https, as in production (and xmtp-js sends only https attachment URLs): a certificate made
// here, trusted by this process's fetch and by Chromium through its SPKI hash.
const certificate = makeTestCertificate();
globalThis.fetch = certificate.fetch;
const spki = createHash('sha256')
  .update(new X509Certificate(certificate.pem).publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-attachments-'));
const node = await startNode({
  port: 0,
  dataDir,
  rateLimit: false,
  attachments: { maxBytes: 64 * 1024 * 1024 },
  tls: { cert: certificate.cert, key: certificate.key },
});
const uploader = await createPrivateKeyBundle(viemWallet());
const deps = {
  uploadUrl: node.url,
  getToken: async () => createAuthToken(uploader.identityKey, { nowMs: Date.now() }),
  fetch,
};
const codecs = createCodecRegistry();

async function ours(data: Uint8Array) {
  let started = performance.now();
  const encrypted = await encryptAttachment({
    filename: 'big.bin',
    mimeType: 'application/octet-stream',
    data,
  });
  const url = await uploadPayload(encrypted, deps);
  const up = performance.now() - started;
  const remote = remoteAttachmentFor(encrypted, url, { filename: 'big.bin', size: data.length });
  started = performance.now();
  const loaded = await loadAttachment(remote, codecs, fetch);
  const down = performance.now() - started;
  if (loaded.data.length !== data.length) throw new Error('ours: wrong length back');
  return { up, down };
}

async function reference(data: Uint8Array) {
  let started = performance.now();
  const encrypted = await RemoteAttachmentCodec.encodeEncrypted(
    { filename: 'big.bin', mimeType: 'application/octet-stream', data } satisfies XmtpJsAttachment,
    new AttachmentCodec(),
  );
  const url = await uploadPayload({ ...encrypted, contentDigest: encrypted.digest }, deps);
  const up = performance.now() - started;
  started = performance.now();
  const registry = { codecFor: () => new AttachmentCodec() };
  const loaded = await RemoteAttachmentCodec.load<XmtpJsAttachment>(
    remoteAttachmentFor({ ...encrypted, contentDigest: encrypted.digest }, url, {
      filename: 'big.bin',
      size: data.length,
    }),
    registry as never,
  );
  const down = performance.now() - started;
  if (loaded.data.length !== data.length) throw new Error('xmtp-js: wrong length back');
  return { up, down };
}

const results = {
  ours: { up: [] as number[], down: [] as number[] },
  ref: { up: [] as number[], down: [] as number[] },
};
for (let run = 0; run < RUNS; run++) {
  // New bytes every run: the store keeps one copy of equal bytes, and an upload of stored bytes is free.
  const data = new Uint8Array(randomBytes(MB * 1_000_000));
  const a = await ours(data);
  const b = await reference(new Uint8Array(randomBytes(MB * 1_000_000)));
  results.ours.up.push(a.up);
  results.ours.down.push(a.down);
  results.ref.up.push(b.up);
  results.ref.down.push(b.down);
  log(`run ${run + 1}: ours ${ms(a.up)} / ${ms(a.down)}, xmtp-js ${ms(b.up)} / ${ms(b.down)}`);
}

// The thumbnail in Chromium: an xmtp-js peer sends a 1 MB PNG as a remote attachment while the thread is open.
// Measured from xmtp-js's send (its encrypt and publish of the small pointer message included) to the image
// decoded in the popup (the stream, the worker's fetch, digest check and decrypt, the bytes to the popup, the
// blob and the decode); and from the message's row appearing in the list to the same moment.
log('thumbnail: building and launching the extension…');
await buildExtension();
const extension = await launchExtension(undefined, [`--ignore-certificate-errors-spki-list=${spki}`]);
const thumbMs: number[] = [];
const rowMs: number[] = [];
try {
  const popup = await extension.openPopup();
  await popup.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor({ timeout: 15_000 });
  const onboarded = (await popupRequest(popup, 'onboarding.createLocal', {
    password: 'correct horse battery',
    nodes: [node.url],
  })) as { result: { address: string } };
  await popup.reload();
  const friend = await XmtpJsClient.create(viemWallet(), {
    env: 'local',
    apiUrl: node.url,
    codecs: [new AttachmentCodec(), new RemoteAttachmentCodec()],
  });
  const conversation = await friend.conversations.newConversation(onboarded.result.address);
  await conversation.send('hello');
  await popup.getByRole('button', { name: /Requests/ }).click({ timeout: 20_000 });
  await popup.getByRole('button', { name: 'Allow' }).click();
  await popup.locator('.virtual-list .conversation').first().click({ timeout: 20_000 });
  await popup.getByText('hello').first().waitFor({ timeout: 20_000 });
  for (let run = 0; run < RUNS; run++) {
    const side = Math.ceil(Math.sqrt(1_000_000 / 3));
    const noise = randomBytes(side * side * 3);
    const png = makePng(side, side, (x, y) => noise.readUIntBE((y * side + x) * 3, 3));
    const name = `photo-${run}.png`;
    // A string, not a function: tsx would add helpers to a function that the page does not have.
    const timing = popup.evaluate<{ decodedAt: number; fromRow: number }>(`new Promise((resolve) => {
      const filename = ${JSON.stringify(name)};
      let appeared = 0;
      const check = () => {
        const row = [...document.querySelectorAll('.message')].find((li) =>
          li.querySelector('[alt="' + filename + '"], .file-name[title="' + filename + '"]'));
        if (row && !appeared) appeared = performance.now();
        const img = row && row.querySelector('img');
        if (img && img.complete && img.naturalWidth > 0) resolve({ decodedAt: Date.now(), fromRow: performance.now() - appeared });
        else requestAnimationFrame(check);
      };
      check();
    })`);
    timing.catch(() => undefined); // if something below throws first, that error is the one reported
    const encrypted = await RemoteAttachmentCodec.encodeEncrypted(
      { filename: name, mimeType: 'image/png', data: png },
      new AttachmentCodec(),
    );
    const url = await uploadPayload({ ...encrypted, contentDigest: encrypted.digest }, deps);
    const sentAt = Date.now(); // the same machine's clock as the page's Date.now()
    await conversation.send(
      remoteAttachmentFor({ ...encrypted, contentDigest: encrypted.digest }, url, {
        filename: name,
        size: png.length,
      }),
      { contentType: ContentTypeRemoteAttachment },
    );
    const { decodedAt, fromRow } = await timing;
    thumbMs.push(decodedAt - sentAt);
    rowMs.push(fromRow);
    log(`thumbnail run ${run + 1}: ${ms(decodedAt - sentAt)} from send, ${ms(fromRow)} from the row`);
  }
  await friend.close();
} finally {
  await extension.close();
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
  certificate.remove();
}

console.log(
  [
    `| measure (median of ${RUNS}) | ours | xmtp-js 13 RemoteAttachmentCodec | target |`,
    '| --- | --- | --- | --- |',
    `| ${MB} MB attachment: encrypt + upload to the node on loopback (https) | ${ms(median(results.ours.up))} | ${ms(median(results.ref.up))} | < 1 s |`,
    `| ${MB} MB attachment: download + digest check + decrypt | ${ms(median(results.ours.down))} | ${ms(median(results.ref.down))} | < 1 s |`,
    `| 1 MB remote image, open thread in Chromium: xmtp-js send → thumbnail decoded | ${ms(median(thumbMs))} | — (no xmtp-js inbox UI) | < 300 ms |`,
    `| … of which: its row on screen → thumbnail decoded | ${ms(median(rowMs))} | — | |`,
  ].join('\n'),
);
console.log(`\nNode ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}.`);
