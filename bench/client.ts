// `npm run bench -- client [--quick] [--profile] [--conversations=N] [--messages=N] [--sends=N]`
// Our client next to xmtp-js 13.0.4 in the same run, on the same node (a child process, auth on, rate
// limits off), on the same identity: Client.create of a new identity, conversations.list() of N V2
// conversations cold (fresh persistence) and warm (persisted cache), messages() of a conversation with
// M V2 messages, and K sequential sends. Prints a markdown table with the targets and pass/fail.
//
// Data is made through the fastest honest path: N xmtp-js identities each invite our user once (N V2
// conversations, N topics, N different senders), and an xmtp-js peer prepares M real encrypted V2
// messages in one more conversation; everything goes to the node in publish batches. With --profile, CPU profiles of our cold list and our
// messages() go to $TMPDIR/xmtp-bench-client-profiles/.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Long from 'long';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import WebSocket from 'ws';
import type * as XmtpJs from '@xmtp/xmtp-js';
import { flag, has } from './_args';

// Both processes (the bench and its node) use the engine the CLI uses: libsecp256k1 in WebAssembly.
await (await import('@/client/node/secp256k1-wasm')).initNodeSecp256k1();

// ── the node, when this file runs as the child ───────────────────────────────────────────────────────
if (process.env.BENCH_CLIENT_NODE_DIR) {
  const { startNode } = await import('@/network/node');
  const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const node = await startNode({
    dataDir: process.env.BENCH_CLIENT_NODE_DIR,
    port: 0,
    auth: true,
    rateLimit: false,
    logger: quiet,
  });
  process.send?.({ url: node.url });
  process.on('message', (m) => {
    if (m === 'stop') void node.close().then(() => process.exit(0));
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const { Client, MemoryPersistence } = await import('@/client');
  type OurClient = Awaited<ReturnType<typeof Client.create>>;
  // xmtp-js's ESM build does not load in Node (docs/design.md §3): use its CommonJS build.
  const xmtpjs = createRequire(import.meta.url)('@xmtp/xmtp-js') as typeof XmtpJs;

  const quick = has('quick');
  const profile = has('profile');
  const CONVERSATIONS = Number(flag('conversations') || (quick ? 100 : 500));
  const MESSAGES = Number(flag('messages') || (quick ? 1_000 : 5_000));
  const SENDS = Number(flag('sends') || (quick ? 200 : 1_000));
  const CREATES = quick ? 2 : 3;
  const ROUNDS = quick ? 1 : 3;

  const log = (line: string): void => console.error(`[bench client] ${line}`);
  // Wall time, and this process's CPU time (the node is another process): on a busy machine the CPU
  // time shows how much of the wall time was work rather than waiting for a core.
  const time = async <T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await fn();
    const cpu = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, value };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  function newWallet() {
    const account = privateKeyToAccount(generatePrivateKey());
    return {
      address: account.address,
      getAddress: async () => account.address,
      signMessage: (message: string) => account.signMessage({ message }),
    };
  }

  const loadStart = loadavg()[0]!.toFixed(1);

  // ── node ──
  const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-bench-client-'));
  const child = fork(new URL(import.meta.url).pathname, [], {
    env: { ...process.env, BENCH_CLIENT_NODE_DIR: dataDir },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.on('exit', () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`bench node exited with ${code}`)));
  });
  log(`node ${url} (auth on, rate limits off, SQLite in ${dataDir})`);

  const oursOptions = { nodes: [url], WebSocket };
  const theirsOptions = { apiUrl: url, env: 'local' as const };

  // ── Client.create of a new identity ──
  const createOurs: number[] = [];
  const createTheirs: number[] = [];
  for (let i = 0; i < CREATES; i++) {
    const a = await time(() => Client.create(newWallet(), oursOptions));
    createOurs.push(a.ms);
    await a.value.close();
    const b = await time(() => xmtpjs.Client.create(newWallet(), theirsOptions));
    createTheirs.push(b.ms);
    await b.value.close();
  }
  log(
    `Client.create: ours ${median(createOurs).toFixed(0)} ms, xmtp-js ${median(createTheirs).toFixed(0)} ms`,
  );

  // ── data: one user (keys shared by both clients), one xmtp-js peer inviting it ──
  const userWallet = newWallet();
  const user = await Client.create(userWallet, oursOptions);
  const keyBundle = user.exportKeyBundle();
  await user.close();
  const peer = await xmtpjs.Client.create(newWallet(), theirsOptions);
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
    for (let i = 0; i < CONVERSATIONS; i += 50) {
      const envelopes = await Promise.all(
        Array.from({ length: Math.min(50, CONVERSATIONS - i) }, async (_, j) => {
          const inviter = newWallet();
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
    }
  });
  log(`prepared ${CONVERSATIONS} V2 conversations in ${(prep.ms / 1000).toFixed(1)} s`);
  const prepMessages = await time(async () => {
    const base = Date.now() - MESSAGES - 60_000;
    for (let i = 0; i < MESSAGES; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, MESSAGES - i) }, (_, j) =>
          busy.prepareMessage(`message ${i + j}: the quick brown fox jumps over the lazy dog`, {
            timestamp: new Date(base + i + j),
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
  log(`prepared ${MESSAGES} V2 messages in ${(prepMessages.ms / 1000).toFixed(1)} s`);
  const total = CONVERSATIONS + 1;

  async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!profile || !name) return fn();
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

  // ── list(): cold and warm, rounds alternating ours / xmtp-js, medians ──
  type Timed = { ms: number; cpuMs: number };
  const coldOursRuns: Timed[] = [];
  const coldTheirsRuns: Timed[] = [];
  const warmOursRuns: Timed[] = [];
  const warmSameRuns: Timed[] = [];
  const warmTheirsRuns: Timed[] = [];
  const oursClient = (persistence: InstanceType<typeof MemoryPersistence>): Promise<OurClient> =>
    Client.create(null, { ...oursOptions, keyBundle, persistence, skipContactPublishing: true });
  let warm: OurClient | undefined;
  let theirs: Awaited<ReturnType<typeof xmtpjs.Client.create>> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const persistence = new MemoryPersistence();
    const cold = await oursClient(persistence);
    const c = await time(() => profiled(round === 0 ? 'cold-list' : '', () => cold.conversations.list()));
    check(c.value.length, total, 'our cold list');
    coldOursRuns.push(c);
    warmSameRuns.push(await time(() => cold.conversations.list()));
    await cold.close();
    await warm?.close();
    warm = await oursClient(persistence);
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
  }
  const med = (runs: Timed[]): Timed => ({
    ms: median(runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
  });
  const [coldOurs, coldTheirs, warmOurs, warmSame, warmTheirs] = [
    coldOursRuns,
    coldTheirsRuns,
    warmOursRuns,
    warmSameRuns,
    warmTheirsRuns,
  ].map(med) as [Timed, Timed, Timed, Timed, Timed];
  log(
    `list: cold ours ${coldOurs.ms.toFixed(0)} ms / xmtp-js ${coldTheirs.ms.toFixed(0)} ms; ` +
      `warm ours ${warmOurs.ms.toFixed(1)} ms (same client ${warmSame.ms.toFixed(1)} ms) / xmtp-js ${warmTheirs.ms.toFixed(0)} ms`,
  );
  const ourConversations = await warm!.conversations.list();
  const theirConversations = await theirs!.conversations.list();

  // ── messages() of the busy conversation ──
  const ourBusy = ourConversations.find((c) => c.context?.conversationId === 'bench/busy')!;
  const theirBusy = theirConversations.find((c) => c.context?.conversationId === 'bench/busy')!;
  const readOurs = await time(() => profiled('messages', () => ourBusy.messages()));
  check(readOurs.value.filter((m) => !m.error).length, MESSAGES, 'our decoded messages');
  const readTheirs = await time(() => theirBusy.messages());
  check(readTheirs.value.length, MESSAGES, 'xmtp-js decoded messages');
  log(`messages(): ours ${readOurs.ms.toFixed(0)} ms, xmtp-js ${readTheirs.ms.toFixed(0)} ms`);

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
        profiled(done === 0 ? 'sends' : '', async () => {
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
  await peer.close();

  // ── reference: one secp256k1 ECDH, our engine next to the noble-secp256k1 1.7.1 xmtp-js uses ──
  const { sharedPoint } = await import('@/protocol/ecdh');
  const { publicKeyOf, randomSecretKey } = await import('@/protocol/signature');
  const noble17 = createRequire(createRequire(import.meta.url).resolve('@xmtp/xmtp-js'))(
    '@noble/secp256k1',
  ) as { getSharedSecret(secret: Uint8Array, pub: Uint8Array, compressed: boolean): Uint8Array };
  const secret = randomSecretKey();
  const points = Array.from({ length: quick ? 100 : 300 }, () => publicKeyOf(randomSecretKey()));
  const perEcdh = async (fn: (p: Uint8Array) => unknown): Promise<Timed> => {
    for (const p of points.slice(0, 10)) fn(p);
    const t = await time(async () => points.forEach(fn));
    return { ms: t.ms / points.length, cpuMs: t.cpuMs / points.length };
  };
  const ecdhOurs = await perEcdh((p) => sharedPoint(secret, p));
  const ecdhTheirs = await perEcdh((p) => noble17.getSharedSecret(secret, p, false));

  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + ' ms';
  const wallCpu = (t: Timed) => `${ms(t.ms)} (CPU ${ms(t.cpuMs)})`;
  const ratio = (theirsMs: number, oursMs: number) => (theirsMs / oursMs).toFixed(2) + '×';
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  const rows: string[][] = [
    [
      'Client.create, new identity (median of ' + CREATES + ')',
      ms(median(createOurs)),
      ms(median(createTheirs)),
      ratio(median(createTheirs), median(createOurs)),
      '',
    ],
    [
      `list() of ${total} V2 conversations, cold (fresh persistence; median of ${ROUNDS})`,
      wallCpu(coldOurs),
      wallCpu(coldTheirs),
      ratio(coldTheirs.ms, coldOurs.ms),
      `≥ 3× faster: ${verdict(coldTheirs.ms / coldOurs.ms >= 3)}`,
    ],
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
      `messages() of a conversation with ${MESSAGES} V2 messages`,
      wallCpu(readOurs),
      wallCpu(readTheirs),
      ratio(readTheirs.ms, readOurs.ms),
      `≥ 2× faster: ${verdict(readTheirs.ms / readOurs.ms >= 2)}`,
    ],
    [
      'reference: one secp256k1 ECDH (ours: libsecp256k1 WebAssembly; xmtp-js: noble-secp256k1 1.7.1)',
      wallCpu(ecdhOurs),
      wallCpu(ecdhTheirs),
      ratio(ecdhTheirs.ms, ecdhOurs.ms),
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
    `\nWall time (this process's CPU time in brackets). Node ${process.version}, ${cpus().length} cores, ` +
      `load average ${loadStart} at start and ${loadavg()[0]!.toFixed(1)} at the end; ` +
      `node in a child process (auth on, rate limits off, SQLite); ` +
      `data prepared by an xmtp-js peer in ${((prep.ms + prepMessages.ms) / 1000).toFixed(0)} s.`,
  );
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  process.exit(0);
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}
