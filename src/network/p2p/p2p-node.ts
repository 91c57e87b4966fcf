// The node's peer-to-peer side (docs/design.md §1): libp2p over TCP with noise and yamux, gossipsub for the
// relay (libp2p-relay.ts), identify, peer advertisement (peer-exchange.ts) and history sync
// (src/network/sync). Peers come from --bootstrap addresses and from what connected peers advertise; a
// keeper loop redials known peers that dropped, so a restarted or partitioned node comes back by itself.
import './polyfill';
import { join } from 'node:path';
import { gossipsub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { IdentifyResult, PeerId, PrivateKey, Stream } from '@libp2p/interface';
import { StrictNoSign } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Registry } from 'prom-client';
import type { Logger } from '@/network/http/handler';
import type { Relay, RelayEnvelope } from '@/network/relay';
import type { EnvelopeStore } from '@/network/store/store';
import { HistorySync } from '@/network/sync/history-sync';
import type { SyncResult } from '@/network/sync/history-sync';
import { SyncPositions } from '@/network/sync/sync-positions';
import { servePage, SYNC_PROTOCOL } from '@/network/sync/sync-protocol';
import { ENVELOPE_TOPIC, Libp2pRelay } from './libp2p-relay';
import { loadOrCreateNodeKey } from './node-key';
import { P2pMetrics } from './p2p-metrics';
import { askPeers, connectedPeers, PEERS_PROTOCOL, servePeers } from './peer-exchange';
import { DEFAULT_PEER_LIMITS, PeerLimiter } from './peer-limits';
import type { PeerLimitKind, PeerLimitsConfig } from './peer-limits';

/** Peer-to-peer options of `startNode({ p2p })` (`--p2p-port`, `--bootstrap`, …). */
export interface P2pOptions {
  /** TCP port for peers; 0 = any free port. */
  port: number;
  /** Address to listen on (default: the node's HTTP host). */
  host?: string;
  /** Multiaddrs of nodes to join, e.g. `/ip4/10.0.0.1/tcp/6000/p2p/12D3KooW…` (the /p2p part is optional). */
  bootstrap?: string[];
  /** Addresses to advertise instead of the listen addresses (behind NAT, on a public IP). */
  announce?: string[];
  /**
   * The node's key (default `<stateDir>/p2p-key`); without either, a fresh key per start. Without a
   * state dir, sync positions are kept beside the key (`<keyFile>.sync.json`).
   */
  keyFile?: string;
  /** Directory for the key and sync positions (the node's data dir by default). */
  stateDir?: string;
  /** Anti-entropy sync period (default 60 s; 0 = only when a peer connects). */
  syncIntervalMs?: number;
  /** How often known peers that are not connected are dialled again (default 5 s). */
  redialIntervalMs?: number;
  /** Synced envelopes this recent still go to subscribers (default 10 min), see Libp2pRelay. */
  liveWindowMs?: number;
  /** Per-peer limits (peer-limits.ts, `--peer-limits`); `false` = none. Default DEFAULT_PEER_LIMITS. */
  peerLimits?: PeerLimitsConfig | false;
}

export interface PeerInfo {
  id: string;
  addrs: string[];
  /** The peer's HTTP API, when it advertised one. */
  api: string | null;
}

export interface P2pNode {
  readonly peerId: string;
  /** The relay to give the node: its close() stops the whole peer-to-peer side. */
  readonly relay: Relay;
  multiaddrs(): string[];
  /** Connected peers. */
  peers(): Promise<PeerInfo[]>;
  /** Peers subscribed to the envelope topic (relay reaches them). */
  relayPeers(): string[];
  /** gossipsub's score of a peer (negative: pruned from the mesh; below -80: its messages dropped). */
  peerScore(id: string): number;
  /** The body of GET /peers. */
  describe(): Promise<string>;
  /** Tells peers where this node's HTTP API is (known once the server listens). */
  setApiUrl(url: string): void;
  /**
   * Cuts this node off from every peer and refuses connections while on (maintenance, partition
   * tests); off lets the keeper reconnect, and the reconnect syncs what was missed.
   */
  isolate(on: boolean): Promise<void>;
  /** Syncs with every connected peer now; resolves when done. */
  syncNow(): Promise<SyncResult[]>;
  close(): Promise<void>;
}

export interface StartP2pOptions extends P2pOptions {
  store: EnvelopeStore;
  registry: Registry;
  onStored?: (count: number) => void;
  logger: Logger;
  /** State directory when `stateDir` is not given (the node's SQLite data dir). */
  defaultStateDir?: string;
}

/** The envelope topic's gossipsub settings: no node signatures, room for 1 MiB envelopes, reject-only scoring. */
const GOSSIP_OPTIONS: Parameters<typeof gossipsub>[0] = {
  // Envelopes carry no node signature: they are the clients' signed payloads, and noise already
  // authenticates each hop. Message ids are then sha256 of the encoded envelope.
  globalSignaturePolicy: StrictNoSign,
  allowPublishToZeroTopicPeers: true,
  ignoreDuplicatePublishError: true,
  emitSelf: false,
  fallbackToFloodsub: false,
  // A 1 MiB envelope (docs/protocol.md §13.1) plus topic and RPC framing must fit in one frame.
  maxInboundDataLength: 4 * 1024 * 1024,
  maxOutboundBufferSize: 64 * 1024 * 1024,
  // Peer scoring counts only envelopes the relay rejects (malformed, oversized, or far over the
  // peer's gossip limit, peer-limits.ts): each costs the square of the recent count, decaying 10 %
  // a second. A few rejects leave a peer above gossipsub's thresholds; a flood takes it below 0
  // (pruned from the mesh) and below -80 (everything it sends dropped unread) within a dozen
  // messages. Delivery-rate terms stay off: a quiet honest network must not score its peers down.
  scoreParams: {
    topics: {
      [ENVELOPE_TOPIC]: {
        topicWeight: 1,
        timeInMeshWeight: 0,
        timeInMeshQuantum: 1000,
        timeInMeshCap: 3600,
        firstMessageDeliveriesWeight: 0,
        firstMessageDeliveriesDecay: 0.5,
        firstMessageDeliveriesCap: 2000,
        meshMessageDeliveriesWeight: 0,
        meshMessageDeliveriesDecay: 0.5,
        meshMessageDeliveriesCap: 100,
        meshMessageDeliveriesThreshold: 20,
        meshMessageDeliveriesWindow: 10,
        meshMessageDeliveriesActivation: 5000,
        meshFailurePenaltyWeight: 0,
        meshFailurePenaltyDecay: 0.5,
        invalidMessageDeliveriesWeight: -1,
        invalidMessageDeliveriesDecay: 0.9,
      },
    },
  },
};

export async function startP2p(options: StartP2pOptions): Promise<P2pNode> {
  const stateDir = options.stateDir ?? options.defaultStateDir;
  const keyFile = options.keyFile ?? (stateDir ? join(stateDir, 'p2p-key') : undefined);
  const privateKey = keyFile ? await loadOrCreateNodeKey(keyFile) : undefined;
  const host = options.host ?? '127.0.0.1';
  const family = host.includes(':') ? 'ip6' : 'ip4';
  let isolated = false;
  const gate = (): boolean => isolated;

  const limits = new PeerLimiter(options.peerLimits ?? DEFAULT_PEER_LIMITS);
  const libp2p = await createLibp2p({
    // Same key at runtime; the type differs only by @libp2p/interface version (node-key.ts).
    ...(privateKey ? { privateKey: privateKey as unknown as PrivateKey } : {}),
    addresses: {
      listen: [`/${family}/${host}/tcp/${options.port}`],
      ...(options.announce ? { announce: options.announce } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialMultiaddr: gate,
      denyDialPeer: gate,
      denyInboundConnection: gate,
      denyOutboundConnection: gate,
    },
    services: {
      identify: identify(),
      pubsub: gossipsub(GOSSIP_OPTIONS),
    },
  });

  const metrics = new P2pMetrics(options.registry);
  const relay = new Libp2pRelay({
    pubsub: libp2p.services.pubsub,
    store: options.store,
    metrics,
    limits,
    onStored: options.onStored,
    logger: options.logger,
    liveWindowMs: options.liveWindowMs,
  });
  const sync = new HistorySync({
    libp2p,
    positions: new SyncPositions(
      stateDir
        ? join(stateDir, 'p2p-sync-positions.json')
        : options.keyFile
          ? `${options.keyFile}.sync.json`
          : undefined,
    ),
    accept: (envelopes) => relay.acceptSynced(envelopes),
    metrics,
    logger: options.logger,
    intervalMs: options.syncIntervalMs,
    storeIdentity: options.store.identity,
    isStored: (digest) => relay.isStored(digest),
    pace: (peer, envelopes) => limits.syncReceivedFrom(peer, envelopes),
  });
  let apiUrl: string | null = null;
  const apis = new Map<string, string>();
  // Peers learnt from advertisements, by id, with their addresses; bootstrap addresses by text.
  const known = new Map<string, Multiaddr[]>();
  const bootstrap = (options.bootstrap ?? []).map((a) => multiaddr(a));

  // Peer lists are served within the asking peer's limits, and so are sync streams open at once; over
  // them the stream is reset (the peer's sync fails and is retried at its next interval). Sync pages over
  // the peer's rate are served late instead: its sync slows down but completes. The wait holds one of the
  // peer's few stream slots, so it is short (at most the slots' worth of tokens).
  const refuse = (stream: Stream, kind: PeerLimitKind, what: string): void => {
    metrics.limited.labels(kind).inc();
    stream.abort(new Error(`peer limit: ${what}`));
  };
  await libp2p.handle(
    SYNC_PROTOCOL,
    ({ stream, connection }) => {
      const peer = connection.remotePeer.toString();
      const release = limits.openSyncStream(peer);
      if (!release) return refuse(stream, 'sync_streams', 'too many sync streams open');
      const wait = limits.syncRequest(peer);
      if (wait > 0) metrics.limited.labels('sync_rate').inc();
      const pause = (ms: number): Promise<unknown> =>
        new Promise((resolve) => setTimeout(resolve, ms).unref());
      // Each further page of a several-page request counts against the same rate.
      const nextPage = async (): Promise<void> => {
        const later = limits.syncRequest(peer);
        if (later <= 0) return;
        metrics.limited.labels('sync_rate').inc();
        await pause(later);
      };
      void (async () => {
        if (wait > 0) await pause(wait);
        await servePage(stream, options.store, options.logger, nextPage);
      })().finally(release);
    },
    // Above our own per-peer count, so that count (and its metric) decides.
    { maxInboundStreams: 64 },
  );
  await libp2p.handle(PEERS_PROTOCOL, ({ stream, connection }) => {
    if (!limits.peerExchangeWith(connection.remotePeer.toString(), 'serve')) {
      return refuse(stream, 'peer_exchange', 'too many peer-exchange requests');
    }
    servePeers(stream, libp2p, apiUrl).catch((error: Error) => stream.abort(error));
  });

  const self = libp2p.peerId.toString();
  const learn = async (from: PeerId): Promise<void> => {
    // A peer that re-identifies over and over (identify push) must not make this node ask it each time.
    if (!limits.peerExchangeWith(from.toString(), 'ask')) {
      metrics.limited.labels('peer_exchange').inc();
      return;
    }
    const list = await askPeers(libp2p, from, options.logger, {
      peers: limits.advertisedPeers,
      addrs: limits.advertisedAddrs,
    });
    if (!list) return;
    if (list.dropped > 0) metrics.limited.labels('advertised').inc(list.dropped);
    if (list.api) apis.set(from.toString(), list.api);
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    for (const peer of list.peers) {
      if (peer.id === self || peer.addrs.length === 0) continue;
      if (!known.has(peer.id) && known.size >= 1000) continue;
      const addrs = peer.addrs.map((a) => multiaddr(a));
      known.set(peer.id, addrs);
      if (!connected.has(peer.id)) void dialPeer(peer.id, addrs);
    }
  };
  // Advertised peers that stay unreachable are tried less and less often (up to every 5 min), and
  // forgotten after a day; a bootstrap address is always retried at the keeper's pace.
  const failures = new Map<string, { count: number; next: number; since: number }>();
  const dialPeer = async (id: string, addrs: Multiaddr[]): Promise<void> => {
    if (isolated) return;
    try {
      const peerId = peerIdFromString(id);
      await libp2p.peerStore.merge(peerId, { multiaddrs: addrs });
      await libp2p.dial(peerId, { signal: AbortSignal.timeout(10_000) });
      failures.delete(id);
    } catch {
      const now = Date.now();
      const failure = failures.get(id) ?? { count: 0, next: now, since: now };
      failure.count++;
      failure.next = now + Math.min(300_000, (options.redialIntervalMs ?? 5000) * 2 ** failure.count);
      failures.set(id, failure);
      if (now - failure.since > 86_400_000) {
        known.delete(id);
        failures.delete(id);
      }
    }
  };
  const updateGauge = (): void => metrics.peers.set(libp2p.getPeers().length);
  libp2p.addEventListener('peer:connect', updateGauge);
  libp2p.addEventListener('peer:disconnect', updateGauge);
  libp2p.addEventListener('peer:identify', (event: CustomEvent<IdentifyResult>) => {
    const { peerId, protocols } = event.detail;
    if (protocols.includes(PEERS_PROTOCOL)) void learn(peerId);
    if (protocols.includes(SYNC_PROTOCOL)) sync.schedule(peerId.toString());
  });

  const keep = async (): Promise<void> => {
    if (isolated) return;
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    const dials: Promise<unknown>[] = [];
    for (const addr of bootstrap) {
      const id = addr.getPeerId();
      if (id === self || (id && connected.has(id))) continue;
      // Without a /p2p/ part the address itself tells whether it is connected.
      if (!id && libp2p.getConnections().some((c) => c.remoteAddr.toString().startsWith(addr.toString())))
        continue;
      dials.push(libp2p.dial(addr, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined));
    }
    const now = Date.now();
    for (const [id, addrs] of known) {
      if (!connected.has(id) && (failures.get(id)?.next ?? 0) <= now) dials.push(dialPeer(id, addrs));
    }
    await Promise.all(dials);
  };
  let keeping: Promise<void> | undefined;
  const tick = (): void => {
    keeping ??= keep().finally(() => (keeping = undefined));
  };
  const keeper = setInterval(tick, options.redialIntervalMs ?? 5000);
  keeper.unref();
  tick();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(keeper);
      limits.close();
      await relay.close();
      await sync.close();
      await keeping;
      await libp2p.stop();
    })();
    return closing;
  };

  const node: P2pNode = {
    peerId: self,
    relay: {
      publish: (envelope: RelayEnvelope) => relay.publish(envelope),
      onEnvelope: (listener) => relay.onEnvelope(listener),
      close,
    },
    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    async peers() {
      return (await connectedPeers(libp2p)).map((p) => ({ ...p, api: apis.get(p.id) ?? null }));
    },
    relayPeers: () => libp2p.services.pubsub.getSubscribers(ENVELOPE_TOPIC).map((p) => p.toString()),
    // The service is a GossipSub; its type is narrowed to PubSub by the services map.
    peerScore: (id: string) =>
      (libp2p.services.pubsub as unknown as { getScore(id: string): number }).getScore(id),
    async describe() {
      return JSON.stringify({
        peerId: self,
        listenAddrs: node.multiaddrs(),
        api: apiUrl,
        peers: await node.peers(),
        relayPeers: node.relayPeers(),
      });
    },
    setApiUrl(url: string) {
      apiUrl = url;
    },
    async isolate(on: boolean) {
      isolated = on;
      if (on) await Promise.all(libp2p.getPeers().map((p) => libp2p.hangUp(p).catch(() => undefined)));
      else tick();
    },
    async syncNow() {
      const results: SyncResult[] = [];
      for (const peer of libp2p.getPeers()) results.push(await sync.syncWith(peer.toString()));
      return results;
    },
    close,
  };
  return node;
}
