// The node's peer-to-peer side (docs/design.md §1): libp2p over TCP with noise and yamux, gossipsub for the
// relay (libp2p-relay.ts), identify, peer advertisement (peer-exchange.ts) and history sync
// (src/network/sync), each served within the asking peer's limits (serve-protocols.ts). Peers come from
// --bootstrap addresses and from what connected peers advertise; peer-keeper.ts redials the ones that dropped.
import './polyfill';
import { join } from 'node:path';
import { gossipsub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { IdentifyResult, PrivateKey } from '@libp2p/interface';
import { StrictNoSign } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import type { Registry } from 'prom-client';
import type { Logger } from '@/network/http/handler';
import type { Relay, RelayEnvelope } from '@/network/relay';
import type { EnvelopeStore } from '@/network/store/store';
import { HistorySync } from '@/network/sync/history-sync';
import type { SyncResult } from '@/network/sync/history-sync';
import { SyncPositions } from '@/network/sync/sync-positions';
import { SYNC_PROTOCOL } from '@/network/sync/sync-protocol';
import { ENVELOPE_TOPIC, Libp2pRelay } from './libp2p-relay';
import { loadOrCreateNodeKey } from './node-key';
import { P2pMetrics } from './p2p-metrics';
import { connectedPeers, PEERS_PROTOCOL } from './peer-exchange';
import { PeerKeeper } from './peer-keeper';
import { DEFAULT_PEER_LIMITS, PeerLimiter } from './peer-limits';
import type { PeerLimitsConfig } from './peer-limits';
import { serveProtocols } from './serve-protocols';

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
  // The keeper is made once libp2p exists; until then nothing is isolated.
  const made: { keeper?: PeerKeeper } = {};
  const gate = (): boolean => made.keeper?.isolated === true;

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
  await serveProtocols(libp2p, {
    store: options.store,
    limits,
    metrics,
    logger: options.logger,
    apiUrl: () => apiUrl,
  });
  const self = libp2p.peerId.toString();
  const peers = new PeerKeeper({
    libp2p,
    bootstrap: options.bootstrap ?? [],
    redialIntervalMs: options.redialIntervalMs ?? 5000,
    limits,
    metrics,
    logger: options.logger,
  });
  made.keeper = peers;
  const updateGauge = (): void => metrics.peers.set(libp2p.getPeers().length);
  libp2p.addEventListener('peer:connect', updateGauge);
  libp2p.addEventListener('peer:disconnect', updateGauge);
  libp2p.addEventListener('peer:identify', (event: CustomEvent<IdentifyResult>) => {
    const { peerId, protocols } = event.detail;
    if (protocols.includes(PEERS_PROTOCOL)) void peers.learn(peerId);
    if (protocols.includes(SYNC_PROTOCOL)) sync.schedule(peerId.toString());
  });

  peers.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      limits.close();
      await relay.close();
      await sync.close();
      await peers.close();
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
      return (await connectedPeers(libp2p)).map((p) => ({ ...p, api: peers.apis.get(p.id) ?? null }));
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
    isolate: (on: boolean) => peers.isolate(on),
    async syncNow() {
      const results: SyncResult[] = [];
      for (const peer of libp2p.getPeers()) results.push(await sync.syncWith(peer.toString()));
      return results;
    },
    close,
  };
  return node;
}
