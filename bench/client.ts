// `npm run bench -- client [--quick] [--profile] [--conversations=N] [--messages=N] [--sends=N] [--reseed]`
// Our client next to xmtp-js 13.0.4 in the same run, on the same node (a child process, auth on, rate
// limits off), on the same identity: Client.create of a new identity, conversations.list() of N V2
// conversations cold (fresh persistence: every invitation opened and its signatures checked) and warm
// (persisted cache), the time until our streaming listing has shown the newest 50, messages() of a
// conversation with M V2 messages, and K sequential sends. Prints a markdown table with the targets.
//
// Data: N xmtp-js identities each invite our user once (N V2 conversations, N topics, N different senders),
// and an xmtp-js peer prepares M real encrypted V2 messages in one more conversation; everything goes to the
// node in publish batches. Seeding 10,000 senders takes minutes, so the node's data directory is built once
// per (N, M) under $TMPDIR/xmtp-bench-client-seed-nN-mM/ and each run works on a copy of it (--reseed
// rebuilds it). Our client opens invitations on its worker pool (nodeInvitePool, one thread per core); a
// row gives the single-thread path for comparison when N <= 2,000. With --profile, CPU profiles of our cold
// list and our messages() go to $TMPDIR/xmtp-bench-client-profiles/.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Long from 'long';
import WebSocket from 'ws';
import type * as XmtpJs from '@xmtp/xmtp-js';
import type * as OursClient from '@/client';
import { viemWallet } from '../test/helpers/wallet';
import { startNodeChild } from './_node-child';
import { flag, has } from './_args';

// Both processes (the bench and its node) use the engine the CLI uses: libsecp256k1 in WebAssembly.
await (await import('@/client/node/secp256k1-wasm')).initNodeSecp256k1();

await main();

type OursModule = typeof OursClient;
type OurClient = Awaited<ReturnType<OursModule['Client']['create']>>;
type Xmtpjs = typeof XmtpJs;
type Timed = { ms: number; cpuMs: number };

function log(line: string): void {
  console.error(`[bench client] ${line}`);
}
// Wall time, and this process's CPU time (the node is another process; our workers are threads of this one):
// on a busy machine the CPU time shows how much of the wall time was work rather than waiting for a core.
async function time<T>(fn: () => Promise<T>): Promise<Timed & { value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, value };
}
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
function med(runs: Timed[]): Timed {
  return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}

interface Seed {
  /** Our user's encoded PrivateKeyBundle, base64. */
  keyBundle: string;
  address: string;
  conversations: number;
  messages: number;
}

/**
 * The node data directory holding the bench's data, built once per (N, M) and reused: N invitations from N
 * xmtp-js identities to our user, and M V2 messages from an xmtp-js peer in conversation 'bench/busy'.
 */
async function seedDirectory(xmtpjs: Xmtpjs, conversations: number, messages: number, reseed: boolean) {
  const dir = join(tmpdir(), `xmtp-bench-client-seed-n${conversations}-m${messages}`);
  const seedFile = join(dir, 'seed.json');
  if (!reseed && existsSync(seedFile)) {
    log(`reusing the seeded node data in ${dir} (--reseed rebuilds it)`);
    return { nodeDir: join(dir, 'node'), seed: JSON.parse(readFileSync(seedFile, 'utf8')) as Seed };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node'), { recursive: true });
  const node = await startNodeChild(join(dir, 'node'), { auth: true });
  const theirsOptions = { apiUrl: node.url, env: 'local' as const };
  const userWallet = viemWallet();
  const { Client } = await import('@/client');
  const user = await Client.create(userWallet, { nodes: [node.url], WebSocket });
  const keyBundle = user.exportKeyBundle();
  await user.close();
  const peer = await xmtpjs.Client.create(viemWallet(), theirsOptions);
  // The busy conversation first, through the ordinary API. Then N invitations, each from a different
  // xmtp-js identity (so every invite needs its own 3DH, as in a real inbox), made by xmtp-js's keystore
  // (what newConversation does, minus the network round trips) and published in batches.
  const busy = await peer.conversations.newConversation(userWallet.address, {
    conversationId: 'bench/busy',
    metadata: {},
  });
  const prep = await time(async () => {
    const recipient = await peer.getUserContact(userWallet.address);
    if (!(recipient instanceof xmtpjs.SignedPublicKeyBundle)) throw new Error('expected a V2 contact bundle');
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < conversations; i += 50) {
      const envelopes = await Promise.all(
        Array.from({ length: Math.min(50, conversations - i) }, async (_, j) => {
          const inviter = viemWallet();
          const keystore = await xmtpjs.InMemoryKeystore.create(
            await xmtpjs.PrivateKeyBundleV1.generate(inviter),
            xmtpjs.InMemoryPersistence.create(),
          );
          const timestamp = new Date(base + i + j);
          const { payload } = await keystore.createInvite({
            recipient,
            context: { conversationId: `bench/${i + j}`, metadata: {} },
            createdNs: Long.fromNumber(timestamp.getTime()).multiply(1_000_000),
            consentProof: undefined,
          });
          // Both invite topics, with the envelope time equal to the header's created_ns (§17.6).
          return [
            { contentTopic: `/xmtp/0/invite-${userWallet.address}/proto`, message: payload, timestamp },
            { contentTopic: `/xmtp/0/invite-${inviter.address}/proto`, message: payload, timestamp },
          ];
        }),
      );
      await peer.publishEnvelopes(envelopes.flat());
      if ((i / 50) % 20 === 19) log(`seeded ${i + 50} of ${conversations} invitations`);
    }
    const messageBase = Date.now() - messages - 60_000;
    for (let i = 0; i < messages; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, messages - i) }, (_, j) =>
          busy.prepareMessage(`message ${i + j}: the quick brown fox jumps over the lazy dog`, {
            timestamp: new Date(messageBase + i + j),
          }),
        ),
      );
      await peer.publishEnvelopes(
        batch.map((p) => ({
          contentTopic: p.messageEnvelope.contentTopic,
          message: p.messageEnvelope.message!,
          timestamp: new Date(Number(BigInt(p.messageEnvelope.timestampNs!) / 1_000_000n)),
        })),
      );
    }
  });
  await peer.close();
  await node.stop();
  const seed: Seed = {
    keyBundle: Buffer.from(keyBundle).toString('base64'),
    address: userWallet.address,
    conversations,
    messages,
  };
  // Written last: a seed interrupted half-way is rebuilt next time, never reused.
  writeFileSync(seedFile, JSON.stringify(seed));
  log(
    `seeded ${conversations} invitations and ${messages} messages in ${(prep.ms / 1000).toFixed(0)} s (${dir})`,
  );
  return { nodeDir: join(dir, 'node'), seed };
}

async function profiled<T>(enabled: boolean, name: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled || !name) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile: cpu } = await session.post('Profiler.stop');
    const dir = join(tmpdir(), 'xmtp-bench-client-profiles');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(cpu));
    session.disconnect();
    log(`profile written: ${join(dir, `${name}.cpuprofile`)}`);
  }
}

/**
 * Our cold listing through listStream(): when the newest 50 were shown (checked to be the 50 newest of
 * the final list), and when all were.
 */
async function streamedColdList(client: OurClient, total: number) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let newest50Ms = Number.NaN;
  const seen: { topic: string; createdNs: number }[] = [];
  for await (const batch of client.conversations.listStream()) {
    for (const c of batch) seen.push({ topic: c.topic, createdNs: c.createdAt.getTime() });
    if (Number.isNaN(newest50Ms) && seen.length >= 50) newest50Ms = performance.now() - t0;
  }
  const cpu = process.cpuUsage(c0);
  const all: Timed = { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  check(seen.length, total, 'our streamed cold list');
  const firstTopics = seen.slice(0, 50).map((c) => c.topic);
  const newest = [...seen].sort((a, b) => b.createdNs - a.createdNs).slice(0, 50);
  const minFirst = Math.min(...seen.slice(0, 50).map((c) => c.createdNs));
  // Ties on the millisecond aside, the first 50 shown are the 50 newest.
  if (minFirst < newest[49]!.createdNs || new Set(firstTopics).size !== 50)
    throw new Error('the first 50 conversations streamed are not the newest 50');
  return { newest50Ms, all };
}

async function main(): Promise<void> {
  const ours = await import('@/client');
  const { Client, MemoryPersistence } = ours;
  const { nodeInvitePool } = await import('@/client/node/invite-pool');
  // xmtp-js's ESM build does not load in Node (docs/design.md §3): use its CommonJS build.
  const xmtpjs = createRequire(import.meta.url)('@xmtp/xmtp-js') as Xmtpjs;

  const quick = has('quick');
  const profile = has('profile');
  const CONVERSATIONS = Number(flag('conversations') || (quick ? 100 : 1_000));
  const MESSAGES = Number(flag('messages') || (quick ? 1_000 : 5_000));
  const SENDS = Number(flag('sends') || (quick ? 200 : 1_000));
  const CREATES = quick ? 2 : 3;
  // xmtp-js's cold list of 10,000 takes ~90 s a round.
  const ROUNDS = quick || CONVERSATIONS > 2_000 ? 1 : 3;
  const SINGLE_THREAD_ROW = CONVERSATIONS <= 2_000;
  for (const [name, n] of Object.entries({ CONVERSATIONS, MESSAGES, SENDS }))
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${name.toLowerCase()}: ${n}`);

  const loadStart = loadavg()[0]!.toFixed(1);
  const { nodeDir: seededDir, seed } = await seedDirectory(xmtpjs, CONVERSATIONS, MESSAGES, has('reseed'));
  // Every run on a copy: the sends and new identities below must not grow the seed.
  const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-bench-client-'));
  cpSync(seededDir, dataDir, { recursive: true });
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const node = await startNodeChild(dataDir, { auth: true });
  const url = node.url;
  log(`node ${url} (auth on, rate limits off, SQLite copy in ${dataDir})`);

  const oursOptions = { nodes: [url], WebSocket };
  const theirsOptions = { apiUrl: url, env: 'local' as const };
  const keyBundle = new Uint8Array(Buffer.from(seed.keyBundle, 'base64'));
  const total = CONVERSATIONS + 1;

  // ── Client.create of a new identity ──
  const createOurs: number[] = [];
  const createTheirs: number[] = [];
  for (let i = 0; i < CREATES; i++) {
    const a = await time(() => Client.create(viemWallet(), oursOptions));
    createOurs.push(a.ms);
    await a.value.close();
    const b = await time(() => xmtpjs.Client.create(viemWallet(), theirsOptions));
    createTheirs.push(b.ms);
    await b.value.close();
  }
  log(
    `Client.create: ours ${median(createOurs).toFixed(0)} ms, xmtp-js ${median(createTheirs).toFixed(0)} ms`,
  );

  // ── list(): cold and warm, rounds alternating ours / xmtp-js, medians ──
  const coldOursRuns: Timed[] = [];
  const streamAllRuns: Timed[] = [];
  const newest50Runs: number[] = [];
  const singleRuns: Timed[] = [];
  const coldTheirsRuns: Timed[] = [];
  const warmOursRuns: Timed[] = [];
  const warmSameRuns: Timed[] = [];
  const warmTheirsRuns: Timed[] = [];
  const oursClient = (persistence: InstanceType<typeof MemoryPersistence>, pool = true): Promise<OurClient> =>
    Client.create(null, {
      ...oursOptions,
      keyBundle,
      persistence,
      skipContactPublishing: true,
      ...(pool ? { inviteOpener: nodeInvitePool() } : {}),
    });
  let warm: OurClient | undefined;
  /** The persisted cache the warm client opened (a second client reads its conversations without opening any). */
  let warmPersistence: InstanceType<typeof MemoryPersistence> | undefined;
  let theirs: Awaited<ReturnType<typeof xmtpjs.Client.create>> | undefined;
  let openerDescription = '';
  for (let round = 0; round < ROUNDS; round++) {
    const persistence = new MemoryPersistence();
    const cold = await oursClient(persistence);
    const c = await time(() =>
      profiled(profile && round === 0, 'cold-list', () => cold.conversations.list()),
    );
    check(c.value.length, total, 'our cold list');
    coldOursRuns.push(c);
    openerDescription = cold.inviteOpener.description;
    warmSameRuns.push(await time(() => cold.conversations.list()));
    await cold.close();

    const streaming = await oursClient(new MemoryPersistence());
    const streamed = await streamedColdList(streaming, total);
    streamAllRuns.push(streamed.all);
    newest50Runs.push(streamed.newest50Ms);
    const listed = await streaming.conversations.list();
    check(listed.length, total, 'list() after listStream()');
    await streaming.close();

    if (SINGLE_THREAD_ROW) {
      const single = await oursClient(new MemoryPersistence(), false);
      const s1 = await time(() => single.conversations.list());
      check(s1.value.length, total, 'our single-thread cold list');
      singleRuns.push(s1);
      await single.close();
    }

    await warm?.close();
    warm = await oursClient(persistence);
    warmPersistence = persistence;
    const w = await time(() => warm!.conversations.list());
    check(w.value.length, total, 'our warm list');
    warmOursRuns.push(w);

    await theirs?.close();
    theirs = await xmtpjs.Client.create(null, {
      ...theirsOptions,
      privateKeyOverride: keyBundle,
      skipContactPublishing: true,
    });
    const t = await time(() => theirs!.conversations.list());
    check(t.value.length, total, 'xmtp-js cold list');
    coldTheirsRuns.push(t);
    warmTheirsRuns.push(await time(() => theirs!.conversations.list()));
    log(
      `round ${round + 1}: cold list ours ${c.ms.toFixed(0)} ms (streamed ${streamed.all.ms.toFixed(0)} ms, ` +
        `newest 50 at ${streamed.newest50Ms.toFixed(0)} ms), xmtp-js ${t.ms.toFixed(0)} ms`,
    );
  }
  const [coldOurs, streamAll, coldTheirs, warmOurs, warmSame, warmTheirs] = [
    coldOursRuns,
    streamAllRuns,
    coldTheirsRuns,
    warmOursRuns,
    warmSameRuns,
    warmTheirsRuns,
  ].map(med) as [Timed, Timed, Timed, Timed, Timed, Timed];
  const newest50 = median(newest50Runs);
  const ourConversations = await warm!.conversations.list();
  const theirConversations = await theirs!.conversations.list();

  // ── messages() of the busy conversation ──
  const ourBusy = ourConversations.find((c) => c.context?.conversationId === 'bench/busy')!;
  const theirBusy = theirConversations.find((c) => c.context?.conversationId === 'bench/busy')!;
  const readOurs = await time(() => profiled(profile, 'messages', () => ourBusy.messages()));
  check(readOurs.value.filter((m) => !m.error).length, MESSAGES, 'our decoded messages');
  const readTheirs = await time(() => theirBusy.messages());
  check(readTheirs.value.length, MESSAGES, 'xmtp-js decoded messages');
  // Again on the same client: its worker pool, started by the first read, now runs from the first page on.
  const readOursPoolRunning = await time(() => ourBusy.messages());
  check(readOursPoolRunning.value.filter((m) => !m.error).length, MESSAGES, 'our second read');
  // The same on a client without the worker pool: every message decoded on this thread.
  const oneThread = await oursClient(warmPersistence!, false);
  const oneThreadBusy = (await oneThread.conversations.list()).find(
    (c) => c.context?.conversationId === 'bench/busy',
  )!;
  const readOneThread = await time(() => oneThreadBusy.messages());
  check(readOneThread.value.filter((m) => !m.error).length, MESSAGES, 'our one-thread decoded messages');
  await oneThread.close();
  log(
    `messages(): ours ${readOurs.ms.toFixed(0)} ms (pool running ${readOursPoolRunning.ms.toFixed(0)} ms, ` +
      `one thread ${readOneThread.ms.toFixed(0)} ms), ` +
      `xmtp-js ${readTheirs.ms.toFixed(0)} ms`,
  );

  // ── sequential sends, in alternating blocks of 100 so both see the same machine load ──
  const sendOurs: Timed = { ms: 0, cpuMs: 0 };
  const sendTheirs: Timed = { ms: 0, cpuMs: 0 };
  const add = (into: Timed, t: Timed) => {
    into.ms += t.ms;
    into.cpuMs += t.cpuMs;
  };
  for (let done = 0; done < SENDS; done += 100) {
    const n = Math.min(100, SENDS - done);
    add(
      sendOurs,
      await time(() =>
        profiled(profile && done === 0, 'sends', async () => {
          for (let i = 0; i < n; i++) await ourBusy.send(`ours ${done + i}`);
        }),
      ),
    );
    add(
      sendTheirs,
      await time(async () => {
        for (let i = 0; i < n; i++) await theirBusy.send(`theirs ${done + i}`);
      }),
    );
  }
  log(`${SENDS} sends: ours ${sendOurs.ms.toFixed(0)} ms, xmtp-js ${sendTheirs.ms.toFixed(0)} ms`);
  await warm!.close();
  await theirs!.close();

  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + ' ms';
  const wallCpu = (t: Timed) => `${ms(t.ms)} (CPU ${ms(t.cpuMs)})`;
  const ratio = (theirsMs: number, oursMs: number) => (theirsMs / oursMs).toFixed(2) + '×';
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  const large = CONVERSATIONS >= 10_000;
  const rows: string[][] = [
    [
      'Client.create, new identity (median of ' + CREATES + ')',
      ms(median(createOurs)),
      ms(median(createTheirs)),
      ratio(median(createTheirs), median(createOurs)),
      '',
    ],
    [
      `list() of ${total} V2 conversations from ${CONVERSATIONS} senders, cold (fresh persistence; ${openerDescription}; median of ${ROUNDS})`,
      wallCpu(coldOurs),
      wallCpu(coldTheirs),
      ratio(coldTheirs.ms, coldOurs.ms),
      `≥ 5×: ${verdict(coldTheirs.ms / coldOurs.ms >= 5)}` +
        (large ? `; < 10 s: ${verdict(coldOurs.ms < 10_000)}` : ''),
    ],
    [
      `listStream() of the same, cold: all ${total}`,
      wallCpu(streamAll),
      wallCpu(coldTheirs),
      ratio(coldTheirs.ms, streamAll.ms),
      '',
    ],
    [
      `listStream(), cold: time until the newest 50 are listed`,
      ms(newest50),
      `${ms(coldTheirs.ms)} (all or nothing)`,
      ratio(coldTheirs.ms, newest50),
      `< 500 ms: ${verdict(newest50 < 500)}`,
    ],
    ...(SINGLE_THREAD_ROW
      ? [
          [
            `list() of ${total}, cold, our single-thread path (no worker pool)`,
            wallCpu(med(singleRuns)),
            wallCpu(coldTheirs),
            ratio(coldTheirs.ms, med(singleRuns).ms),
            '',
          ],
        ]
      : []),
    [
      `list() of ${total}, warm (ours: new client on the persisted cache; xmtp-js: second call)`,
      wallCpu(warmOurs),
      wallCpu(warmTheirs),
      ratio(warmTheirs.ms, warmOurs.ms),
      `< 50 ms: ${verdict(warmOurs.ms < 50)}`,
    ],
    [
      `list() of ${total}, warm, second call on the same client`,
      wallCpu(warmSame),
      wallCpu(warmTheirs),
      ratio(warmTheirs.ms, warmSame.ms),
      '',
    ],
    [
      `messages() of a conversation with ${MESSAGES} V2 messages (a new client: its pool starts on the first page)`,
      wallCpu(readOurs),
      wallCpu(readTheirs),
      ratio(readTheirs.ms, readOurs.ms),
      `≥ 10×: ${verdict(readTheirs.ms / readOurs.ms >= 10)}`,
    ],
    [
      `messages() of the same, again on the same client (its worker pool already running)`,
      wallCpu(readOursPoolRunning),
      wallCpu(readTheirs),
      ratio(readTheirs.ms, readOursPoolRunning.ms),
      '',
    ],
    [
      `messages() of the same, our single-thread path (no worker pool)`,
      wallCpu(readOneThread),
      wallCpu(readTheirs),
      ratio(readTheirs.ms, readOneThread.ms),
      '',
    ],
    [
      `${SENDS} sequential V2 sends`,
      wallCpu(sendOurs),
      wallCpu(sendTheirs),
      ratio(sendTheirs.ms, sendOurs.ms),
      '',
    ],
  ];
  const header = ['operation', 'ours', 'xmtp-js 13.0.4', 'speed-up', 'target'];
  const out = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  console.log(out);
  console.log(
    `\nWall time (this process's CPU time in brackets, our worker threads included). Node ${process.version}, ` +
      `${cpus().length} cores, load average ${loadStart} at start and ${loadavg()[0]!.toFixed(1)} at the end; ` +
      `node in a child process (auth on, rate limits off, SQLite).`,
  );
  await node.stop();
  process.exit(0);
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}
