// Which peers this node stays connected to: the --bootstrap addresses and the peers that connected peers advertise
// (peer-exchange.ts). A keeper loop redials the ones that dropped, so a restarted or partitioned node comes back
// by itself. Advertised peers that stay unreachable are tried less and less often (up to every 5 min) and
// forgotten after a day; a bootstrap address is always retried at the keeper's pace.
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '@/network/http/handler';
import type { P2pMetrics } from './p2p-metrics';
import { askPeers } from './peer-exchange';
import type { PeerLimiter } from './peer-limits';

/** Advertised peers remembered at most. */
const MAX_KNOWN = 1000;
const DIAL_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;
const FORGET_AFTER_MS = 86_400_000;

export interface PeerKeeperOptions {
  libp2p: Libp2p;
  bootstrap: readonly string[];
  /** The keeper's pace, and the first backoff step of an unreachable advertised peer. */
  redialIntervalMs: number;
  limits: PeerLimiter;
  metrics: P2pMetrics;
  logger: Logger;
}

export class PeerKeeper {
  /** The HTTP API URL each peer advertised, by peer id. */
  readonly apis = new Map<string, string>();
  /** Cut off from every peer (tests of partitions): nothing is dialed and the connection gater refuses all. */
  isolated = false;
  /** Peers learnt from advertisements, by id, with their addresses. */
  private readonly known = new Map<string, Multiaddr[]>();
  private readonly failures = new Map<string, { count: number; next: number; since: number }>();
  private readonly bootstrap: Multiaddr[];
  private timer: ReturnType<typeof setInterval> | undefined;
  private keeping: Promise<void> | undefined;

  constructor(private readonly options: PeerKeeperOptions) {
    this.bootstrap = options.bootstrap.map((a) => multiaddr(a));
  }

  /** Dials the bootstrap and known peers now, then every `redialIntervalMs`. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.redialIntervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Asks a peer which peers it knows, and dials the ones not connected. */
  async learn(from: PeerId): Promise<void> {
    const { libp2p, limits, metrics } = this.options;
    // A peer that re-identifies over and over (identify push) must not make this node ask it each time.
    if (!limits.peerExchangeWith(from.toString(), 'ask')) {
      metrics.limited.labels('peer_exchange').inc();
      return;
    }
    const list = await askPeers(libp2p, from, this.options.logger, {
      peers: limits.advertisedPeers,
      addrs: limits.advertisedAddrs,
    });
    if (!list) return;
    if (list.dropped > 0) metrics.limited.labels('advertised').inc(list.dropped);
    if (list.api) this.apis.set(from.toString(), list.api);
    const self = libp2p.peerId.toString();
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    for (const peer of list.peers) {
      if (peer.id === self || peer.addrs.length === 0) continue;
      if (!this.known.has(peer.id) && this.known.size >= MAX_KNOWN) continue;
      const addrs = peer.addrs.map((a) => multiaddr(a));
      this.known.set(peer.id, addrs);
      if (!connected.has(peer.id)) void this.dial(peer.id, addrs);
    }
  }

  /** Redials what dropped, at most one round at a time. */
  tick(): void {
    this.keeping ??= this.keep().finally(() => (this.keeping = undefined));
  }

  async isolate(on: boolean): Promise<void> {
    const { libp2p } = this.options;
    this.isolated = on;
    if (on) await Promise.all(libp2p.getPeers().map((p) => libp2p.hangUp(p).catch(() => undefined)));
    else this.tick();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.keeping;
  }

  private async dial(id: string, addrs: Multiaddr[]): Promise<void> {
    if (this.isolated) return;
    const { libp2p } = this.options;
    try {
      const peerId = peerIdFromString(id);
      await libp2p.peerStore.merge(peerId, { multiaddrs: addrs });
      await libp2p.dial(peerId, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      this.failures.delete(id);
    } catch {
      const now = Date.now();
      const failure = this.failures.get(id) ?? { count: 0, next: now, since: now };
      failure.count++;
      failure.next = now + Math.min(MAX_BACKOFF_MS, this.options.redialIntervalMs * 2 ** failure.count);
      this.failures.set(id, failure);
      if (now - failure.since > FORGET_AFTER_MS) {
        this.known.delete(id);
        this.failures.delete(id);
      }
    }
  }

  private async keep(): Promise<void> {
    if (this.isolated) return;
    const { libp2p } = this.options;
    const self = libp2p.peerId.toString();
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    const dials: Promise<unknown>[] = [];
    for (const addr of this.bootstrap) {
      const id = addr.getPeerId();
      if (id === self || (id && connected.has(id))) continue;
      // Without a /p2p/ part the address itself tells whether it is connected.
      if (!id && libp2p.getConnections().some((c) => c.remoteAddr.toString().startsWith(addr.toString())))
        continue;
      dials.push(libp2p.dial(addr, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch(() => undefined));
    }
    const now = Date.now();
    for (const [id, addrs] of this.known) {
      if (!connected.has(id) && (this.failures.get(id)?.next ?? 0) <= now) dials.push(this.dial(id, addrs));
    }
    await Promise.all(dials);
  }
}
