// `npm run bench -- extension-cold-list [--conversations=N] [--messages=M] [--rounds=R] [--no-xmtp-js] [--profile]`
// Issue #19 item 2 in the extension: a cold first listing of N V2 conversations from N different senders
// (invitations on the node, nothing cached, every invitation opened and its signatures checked), as the
// extension's worker does it in Debian's Chromium, next to our client library's cold listStream() in Node on the
// same node in the same run (with its worker pool and on one thread), rounds interleaved, and xmtp-js's cold
// list() once at the end as the reference.
//
// Data: the node data directory bench/client.ts seeds ($TMPDIR/xmtp-bench-client-seed-nN-mM/, N invitations from
// N xmtp-js identities plus one busy conversation of M messages): run `npm run bench -- client
// --conversations=N` once to build it. Each run works on a copy, with the node in a child process.
//
// The extension: a fresh browser profile each round, the seeded identity put in its vault through the real
// background modules (as the e2e tests do), then, timed in the worker, the catch-up a popup open starts: the
// session created from the key bundle, the conversations listed batch by batch (stored in the cache and
// announced with `listing` updates), then each conversation's messages. Rows: the newest 50 in the cache (checked
// to be the newest 50 of the final list), all N listed (the `listing` update with done), and the whole catch-up;
// from the session's start (its client connected and authenticated) and from the refresh call. After each round a
// stranger starts a conversation and sends a message, which must reach the worker live (its stream then holds
// more topics than one node stream takes: checked, not timed). `--profile`:
// the first round's worker under V8's CPU profiler from the refresh call to the end of its catch-up
// (bench/_worker-profile.ts; the .cpuprofile goes to $TMPDIR, its top functions by self time to stderr).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type * as XmtpJs from '@xmtp/xmtp-js';
import type { BackgroundHandle } from '@/extension/runtime/start-background';
import { buildExtension, EXTENSION_DIR, launchExtension, withBuildLock } from '../test/e2e/harness';
import { viemWallet } from '../test/helpers/wallet';
import { flag, has } from './_args';
import { startNodeChild } from './_node-child';
import { profileServiceWorker, summarizeProfile } from './_worker-profile';

await (await import('@/client/node/secp256k1-wasm')).initNodeSecp256k1();

const CONVERSATIONS = Number(flag('conversations') ?? 10_000);
const MESSAGES = Number(flag('messages') ?? 5_000);
const ROUNDS = Number(flag('rounds') ?? 2);
const PASSWORD = 'correct horse battery';
const log = (line: string) => console.error(`[bench extension-cold-list] ${line}`);

interface Seed {
  keyBundle: string;
  address: string;
  conversations: number;
  messages: number;
}

/** What one extension round measured, in ms from the refresh call (the worker's clock). */
interface ExtensionRound {
  sessionMs: number;
  newest50Ms: number;
  listedMs: number;
  caughtUpMs: number;
  listed: number;
  /** The 50 newest in the cache when the first 50 were listed, and the 50 newest of the final list. */
  firstTopics: string[];
  newestTopics: string[];
  batches: number;
}

/** The middle value (of an even count, the mean of the two middle ones). */
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/** The seeded node directory of bench/client.ts for (N, M); it must exist. */
function seededDirectory(): { nodeDir: string; seed: Seed } {
  const dir = join(tmpdir(), `xmtp-bench-client-seed-n${CONVERSATIONS}-m${MESSAGES}`);
  const seedFile = join(dir, 'seed.json');
  if (!existsSync(seedFile))
    throw new Error(
      `no seeded node data in ${dir}: run \`npm run bench -- client --conversations=${CONVERSATIONS} ` +
        `--messages=${MESSAGES}\` once to build it`,
    );
  return { nodeDir: join(dir, 'node'), seed: JSON.parse(readFileSync(seedFile, 'utf8')) as Seed };
}

/** One cold listing in a fresh profile of the extension, timed in its worker. */
async function extensionRound(
  buildDir: string,
  url: string,
  seed: Seed,
  profile: boolean,
): Promise<ExtensionRound> {
  const extension = await launchExtension(buildDir);
  try {
    const worker = await extension.worker();
    // No named helpers inside: tsx would wrap them in a `__name` call the worker does not have.
    await worker.evaluate(
      async ({ seed, url, password }) => {
        const handle = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
        await handle.vault.create(seed.keyBundle, password);
        await (
          globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }
        ).chrome.storage.local.set({
          account: { address: seed.address, identity: 'imported' },
          settings: { nodes: [url], autoLockMinutes: 0, notifications: false, sync: false, ens: false },
        });
      },
      { seed, url, password: PASSWORD },
    );
    const profiler = profile ? await profileServiceWorker(extension.context) : undefined;
    const round = await worker.evaluate(async () => {
      const handle = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
      const t0 = performance.now();
      let sessionMs = Number.NaN;
      let newest50Ms = Number.NaN;
      let listedMs = Number.NaN;
      let listed = 0;
      let batches = 0;
      let firstTopics: Promise<string[]> = Promise.resolve([]);
      const stop = handle.service.subscribe((update) => {
        if (update.kind === 'state' && Number.isNaN(sessionMs)) sessionMs = performance.now() - t0;
        if (update.kind !== 'listing') return;
        if (update.done) {
          listedMs = performance.now() - t0;
          listed = update.found;
          return;
        }
        batches++;
        if (Number.isNaN(newest50Ms) && update.found >= 50) {
          newest50Ms = performance.now() - t0;
          // What the popup would show now: the cache's 50 most recent.
          firstTopics = handle.service
            .listConversations({ limit: 50 })
            .then((rows) => rows.map((r) => r.topic));
        }
      });
      await handle.service.refresh();
      const caughtUpMs = performance.now() - t0;
      stop();
      const newestTopics = (await handle.service.listConversations({ limit: 50 })).map((r) => r.topic);
      return {
        sessionMs,
        newest50Ms,
        listedMs,
        caughtUpMs,
        listed,
        firstTopics: await firstTopics,
        newestTopics,
        batches,
      };
    });
    if (profiler) {
      const file = join(tmpdir(), `xmtp-bench-cold-list-worker-${Date.now()}.cpuprofile`);
      log(summarizeProfile(await profiler.stop(), file).join('\n'));
    }
    // With every conversation listed the live stream holds all their topics (at 10,000, more than one node
    // stream takes): a stranger's new conversation and its first message must reach the worker live.
    const text = `live after listing ${round.listed}`;
    await sendFromStranger(url, seed.address, text);
    const live = await worker.evaluate(async (expected) => {
      const handle = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        const rows = await handle.service.listConversations({ view: 'requests', limit: 5 });
        if (rows.some((row) => row.lastMessage?.preview === expected)) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    }, text);
    if (!live)
      throw new Error(`a new message did not reach the worker live with ${round.listed} conversations`);
    return round;
  } finally {
    await extension.close();
  }
}

/** A new identity starts a conversation with `address` and sends it `text`. */
async function sendFromStranger(url: string, address: string, text: string): Promise<void> {
  const { Client } = await import('@/client');
  const stranger = await Client.create(viemWallet(), { nodes: [url], WebSocket });
  try {
    const conversation = await stranger.conversations.newConversation(address, {
      conversationId: 'bench/live',
    });
    await conversation.send(text);
  } finally {
    await stranger.close();
  }
}

/** Our client library's cold listStream() in this process: newest 50 and all, from after Client.create. */
async function clientRound(url: string, keyBundle: Uint8Array, pool: boolean) {
  const { Client, MemoryPersistence } = await import('@/client');
  const { nodeInvitePool } = await import('@/client/node/invite-pool');
  const client = await Client.create(null, {
    nodes: [url],
    WebSocket,
    keyBundle,
    persistence: new MemoryPersistence(),
    skipContactPublishing: true,
    ...(pool ? { inviteOpener: nodeInvitePool() } : {}),
  });
  try {
    const t0 = performance.now();
    let newest50Ms = Number.NaN;
    let seen = 0;
    for await (const batch of client.conversations.listStream()) {
      seen += batch.length;
      if (Number.isNaN(newest50Ms) && seen >= 50) newest50Ms = performance.now() - t0;
    }
    return { newest50Ms, allMs: performance.now() - t0, seen, opener: client.inviteOpener.description };
  } finally {
    await client.close();
  }
}

async function main() {
  for (const [name, n] of Object.entries({ CONVERSATIONS, MESSAGES, ROUNDS }))
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${name.toLowerCase()}: ${n}`);
  const loadStart = loadavg()[0]!.toFixed(1);
  const { nodeDir, seed } = seededDirectory();
  const seeded = CONVERSATIONS + 1; // and the busy conversation
  // Each extension round's live check adds one more (a stranger's).
  let total = seeded;
  log('building .output/chrome-mv3 (when stale)…');
  await buildExtension();
  // A copy for this run alone: tests running meanwhile rebuild .output/chrome-mv3 when a source changes.
  const buildDir = mkdtempSync(join(tmpdir(), 'xmtp-bench-build-'));
  await withBuildLock(() => cpSync(EXTENSION_DIR, buildDir, { recursive: true }));
  const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-bench-cold-list-'));
  cpSync(nodeDir, dataDir, { recursive: true });
  process.on('exit', () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(buildDir, { recursive: true, force: true });
  });
  const node = await startNodeChild(dataDir);
  log(`node ${node.url} on a copy of ${nodeDir}; ${total} conversations for ${seed.address}`);
  const keyBundle = new Uint8Array(Buffer.from(seed.keyBundle, 'base64'));

  const ext: ExtensionRound[] = [];
  const pooled: Awaited<ReturnType<typeof clientRound>>[] = [];
  const single: Awaited<ReturnType<typeof clientRound>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const e = await extensionRound(buildDir, node.url, seed, has('profile') && round === 0);
    check(e.listed, total, 'the extension listed');
    total++; // the live check's conversation
    if (e.firstTopics.length !== 50 || e.firstTopics.some((t, i) => t !== e.newestTopics[i]))
      throw new Error('the first 50 the extension listed are not the newest 50');
    ext.push(e);
    const p = await clientRound(node.url, keyBundle, true);
    check(p.seen, total, 'the client listed (pool)');
    pooled.push(p);
    const s = await clientRound(node.url, keyBundle, false);
    check(s.seen, total, 'the client listed (one thread)');
    single.push(s);
    log(
      `round ${round + 1}: extension newest 50 at ${(e.newest50Ms - e.sessionMs).toFixed(0)} ms, all ` +
        `${(e.listedMs - e.sessionMs).toFixed(0)} ms after its session (${e.batches} batches, catch-up done at ` +
        `${e.caughtUpMs.toFixed(0)} ms); client pool ${p.newest50Ms.toFixed(0)} / ${p.allMs.toFixed(0)} ms, ` +
        `one thread ${s.newest50Ms.toFixed(0)} / ${s.allMs.toFixed(0)} ms`,
    );
  }

  let xmtpjsMs: number | undefined;
  if (!has('no-xmtp-js')) {
    // xmtp-js's ESM build does not load in Node (docs/design.md §3): its CommonJS build.
    const xmtpjs = createRequire(import.meta.url)('@xmtp/xmtp-js') as typeof XmtpJs;
    const theirs = await xmtpjs.Client.create(null, {
      apiUrl: node.url,
      env: 'local',
      privateKeyOverride: keyBundle,
      skipContactPublishing: true,
    });
    const t0 = performance.now();
    const listed = await theirs.conversations.list();
    xmtpjsMs = performance.now() - t0;
    check(listed.length, total, 'xmtp-js listed');
    await theirs.close();
    log(`xmtp-js cold list() ${xmtpjsMs.toFixed(0)} ms`);
  }
  await node.stop();

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  const sinceSession = (pick: (e: ExtensionRound) => number) => median(ext.map((e) => pick(e) - e.sessionMs));
  const extNewest = sinceSession((e) => e.newest50Ms);
  const extAll = sinceSession((e) => e.listedMs);
  const vsXmtpjs = (oursMs: number) =>
    xmtpjsMs === undefined ? '' : `${(xmtpjsMs / oursMs).toFixed(2)}× xmtp-js`;
  const rows: string[][] = [
    [
      `extension (Chromium worker, one thread): newest 50 listed, from its session's start`,
      ms(extNewest),
      `< 500 ms: ${verdict(extNewest < 500)}`,
    ],
    [
      `extension: all listed (${seeded}; cached and announced), from its session's start`,
      ms(extAll),
      `< 10 s: ${verdict(extAll < 10_000)}` + (xmtpjsMs ? `; ≥ 5×: ${verdict(xmtpjsMs / extAll >= 5)}` : ''),
    ],
    [
      `extension: from the refresh call (session created from the key bundle, connected): session / newest 50 / all`,
      `${ms(median(ext.map((e) => e.sessionMs)))} / ${ms(median(ext.map((e) => e.newest50Ms)))} / ${ms(median(ext.map((e) => e.listedMs)))}`,
      '',
    ],
    [
      `extension: the whole first catch-up (and every conversation's messages)`,
      ms(median(ext.map((e) => e.caughtUpMs))),
      '',
    ],
    [
      `client library in Node, listStream() cold (${pooled[0]!.opener}): newest 50 / all`,
      `${ms(median(pooled.map((p) => p.newest50Ms)))} / ${ms(median(pooled.map((p) => p.allMs)))}`,
      vsXmtpjs(median(pooled.map((p) => p.allMs))),
    ],
    [
      `client library in Node, listStream() cold, one thread: newest 50 / all`,
      `${ms(median(single.map((p) => p.newest50Ms)))} / ${ms(median(single.map((p) => p.allMs)))}`,
      vsXmtpjs(median(single.map((p) => p.allMs))),
    ],
    ...(xmtpjsMs === undefined ? [] : [[`xmtp-js 13.0.4 cold list() (once)`, ms(xmtpjsMs), '']]),
  ];
  const header = ['operation', `median of ${ROUNDS}`, 'target / ratio'];
  console.log([header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n'));
  console.log(
    `\n${seeded} V2 conversations from ${CONVERSATIONS} senders (one more per extension round after its live check), every invitation's signatures checked. Node ` +
      `${process.version}, Chromium 156, ${cpus().length} cores, load average ${loadStart} at start and ` +
      `${loadavg()[0]!.toFixed(1)} at the end; node in a child process (auth off, rate limits off, SQLite).`,
  );
  process.exit(0);
}

await main();
