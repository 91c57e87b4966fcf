// Per-peer limits on what another node may make this one do (issue #7 hardening): envelopes accepted over
// gossip, history-sync pages served and sync streams open at once, envelopes taken in through sync,
// peer-exchange rounds, and the size of an advertised peer list. Each rate is a token bucket per peer id,
// the node's own continuously refilling buckets (src/network/limits/rate-limiter.ts) keyed by peer id
// instead of client IP. The two sync rates pace instead (pacer.ts): over them a sync waits, so it still
// completes, and nothing it already received is dropped.
//
// The defaults sit far above what an honest node does: a peer forwards every envelope of the network
// once, so the gossip limit is a cap on the whole network's publish rate as seen over one link (the
// network benchmark runs 50/s); an honest requester holds at most two sync pages in flight and catches up
// at a few pages per second; the envelopes a sync may bring in sit above the store's own insert rate
// (tens of thousands a second, npm run bench -- network), so they pace only a peer that floods, never a
// catch-up at the store's speed; peer exchange runs once per connection.
import { RateLimiter } from '@/network/limits/rate-limiter';
import type { BucketConfig } from '@/network/limits/rate-limiter';
import { Pacer } from './pacer';

export interface RateSpec {
  /** Tokens per second. */
  perSecond: number;
  /** Bucket size (what a peer may do at once after being quiet). */
  burst: number;
}

export interface PeerLimitsConfig {
  /** Envelopes accepted from one peer over gossip. */
  gossip: RateSpec;
  /** History-sync pages served to one peer (over it, a page is served late). */
  sync: RateSpec;
  /** History-sync streams one peer may have open at once. */
  syncStreams: number;
  /**
   * Envelopes of one peer's store that its sync pages bring in, listed by digest or sent whole (over it,
   * the next page is asked for later).
   */
  syncReceived: RateSpec;
  /** Peer-exchange rounds with one peer (answers served, and questions asked when it re-identifies). */
  peerExchange: RateSpec;
  /** Peers accepted from one advertisement. */
  advertisedPeers: number;
  /** Addresses accepted per advertised peer. */
  advertisedAddrs: number;
}

export const DEFAULT_PEER_LIMITS: PeerLimitsConfig = {
  gossip: { perSecond: 1000, burst: 10_000 },
  sync: { perSecond: 20, burst: 100 },
  syncStreams: 4,
  syncReceived: { perSecond: 200_000, burst: 2_000_000 },
  peerExchange: { perSecond: 1, burst: 10 },
  advertisedPeers: 200,
  advertisedAddrs: 8,
};

/** Longest multiaddr accepted from an advertisement (a dns name, port and peer id fit well within). */
export const MAX_ADVERTISED_ADDR_CHARS = 256;

/** Label values of `xmtp_p2p_peer_limited_total{kind}`. */
export type PeerLimitKind =
  | 'gossip_ignored'
  | 'gossip_rejected'
  | 'sync_rate'
  | 'sync_streams'
  | 'sync_received'
  | 'peer_exchange'
  | 'advertised';

export type GossipDecision = 'accept' | 'ignore' | 'reject';

const bucket = (spec: RateSpec): BucketConfig => ({ perMinute: spec.perSecond * 60, max: spec.burst });
const limiter = (spec: RateSpec): RateLimiter =>
  new RateLimiter({ publish: bucket(spec), default: bucket(spec) });

/** The per-peer buckets of one node. `false` limits (the CLI's `off`) let everything through. */
export class PeerLimiter {
  readonly config: PeerLimitsConfig | false;
  private readonly gossip?: RateLimiter;
  /**
   * Envelopes over the gossip limit that are only ignored: a tenth of the rate, and a tenth of the burst
   * but at least a second's worth of the rate, so a peer forwarding at the limit is not penalised for
   * timing jitter (its event loop may hold back and then send in one go what it accepted over a busy
   * moment); past it, rejected.
   */
  private readonly gossipGrace?: RateLimiter;
  private readonly sync?: Pacer;
  private readonly syncReceived?: Pacer;
  private readonly peerExchange?: RateLimiter;
  private readonly streams = new Map<string, number>();

  constructor(config: PeerLimitsConfig | false = DEFAULT_PEER_LIMITS) {
    this.config = config;
    if (!config) return;
    this.gossip = limiter(config.gossip);
    this.gossipGrace = limiter({
      perSecond: Math.max(1, config.gossip.perSecond / 10),
      burst: Math.max(1, Math.ceil(config.gossip.burst / 10), Math.ceil(config.gossip.perSecond)),
    });
    this.sync = new Pacer(config.sync.perSecond, config.sync.burst);
    this.syncReceived = new Pacer(config.syncReceived.perSecond, config.syncReceived.burst);
    this.peerExchange = limiter(config.peerExchange);
  }

  /**
   * An envelope gossiped by `peer`: within its rate it is accepted; a little over (a busy moment) it is
   * ignored, costing the peer nothing (history sync fetches it later); far over, it is rejected, which
   * gossipsub counts against the peer's score until the peer is pruned and its messages are dropped.
   */
  gossipFrom(peer: string): GossipDecision {
    if (!this.gossip || !this.gossipGrace) return 'accept';
    if (this.gossip.take(peer, 'PUB', 1).ok) return 'accept';
    return this.gossipGrace.take(peer, 'PUB', 1).ok ? 'ignore' : 'reject';
  }

  /** A sync page requested by `peer`: how long to wait before serving it (0 within its rate). */
  syncRequest(peer: string): number {
    return this.sync ? this.sync.take(peer, 1) : 0;
  }

  /**
   * A sync page from `peer` covering `envelopes` of its store: how long to wait before asking it for the
   * next page (0 within its rate). A peer cannot answer faster than it is asked, so this paces it.
   */
  syncReceivedFrom(peer: string, envelopes: number): number {
    return this.syncReceived ? this.syncReceived.take(peer, envelopes) : 0;
  }

  /** Opens a sync stream for `peer` if it has fewer than the limit open; the result closes it again. */
  openSyncStream(peer: string): (() => void) | undefined {
    const open = this.streams.get(peer) ?? 0;
    if (this.config && open >= this.config.syncStreams) return undefined;
    this.streams.set(peer, open + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.streams.get(peer) ?? 1) - 1;
      if (left > 0) this.streams.set(peer, left);
      else this.streams.delete(peer);
    };
  }

  /** A peer-exchange round with `peer` (`direction` keeps asking and answering apart). */
  peerExchangeWith(peer: string, direction: 'serve' | 'ask'): boolean {
    return this.peerExchange ? this.peerExchange.take(`${direction}:${peer}`, 'PUB', 1).ok : true;
  }

  get advertisedPeers(): number {
    return this.config ? this.config.advertisedPeers : DEFAULT_PEER_LIMITS.advertisedPeers;
  }

  get advertisedAddrs(): number {
    return this.config ? this.config.advertisedAddrs : DEFAULT_PEER_LIMITS.advertisedAddrs;
  }

  close(): void {
    for (const l of [this.gossip, this.gossipGrace, this.peerExchange]) l?.close();
  }
}

const RATE = /^(\d+(?:\.\d+)?):(\d+)$/;

/**
 * Parses the CLI's `--peer-limits`: `off`, or comma-separated `NAME=VALUE` overriding the defaults:
 * `gossip=PER_S:BURST`, `sync=PER_S:BURST`, `sync-streams=N`, `sync-in=PER_S:BURST`,
 * `peer-exchange=PER_S:BURST`, `advertised=PEERS:ADDRS`. Throws an Error naming the bad part.
 */
export function parsePeerLimits(text: string): PeerLimitsConfig | false {
  if (text.trim() === 'off') return false;
  const out: PeerLimitsConfig = { ...DEFAULT_PEER_LIMITS };
  const rate = (name: string, value: string): RateSpec => {
    const m = RATE.exec(value);
    const perSecond = Number(m?.[1]);
    const burst = Number(m?.[2]);
    if (!m || perSecond <= 0 || burst < 1) {
      throw new Error(`${name}: expected PER_SECOND:BURST (rate above 0, burst at least 1), got "${value}"`);
    }
    return { perSecond, burst };
  };
  for (const part of text.split(',')) {
    const [name = '', value = '', ...extra] = part.trim().split('=');
    if (extra.length > 0 || value === '') throw new Error(`expected NAME=VALUE or off, got "${part}"`);
    switch (name) {
      case 'gossip':
        out.gossip = rate(name, value);
        break;
      case 'sync':
        out.sync = rate(name, value);
        break;
      case 'sync-in':
        out.syncReceived = rate(name, value);
        break;
      case 'peer-exchange':
        out.peerExchange = rate(name, value);
        break;
      case 'sync-streams':
        if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) {
          throw new Error(`sync-streams: expected an integer from 1 to 64, got "${value}"`);
        }
        out.syncStreams = Number(value);
        break;
      case 'advertised': {
        const m = /^(\d+):(\d+)$/.exec(value);
        const peers = Number(m?.[1]);
        const addrs = Number(m?.[2]);
        if (!m || peers < 1 || peers > 1000 || addrs < 1 || addrs > 32) {
          throw new Error(`advertised: expected PEERS:ADDRS (1-1000 and 1-32), got "${value}"`);
        }
        out.advertisedPeers = peers;
        out.advertisedAddrs = addrs;
        break;
      }
      default:
        throw new Error(
          `unknown limit "${name}" (gossip, sync, sync-streams, sync-in, peer-exchange, advertised, or off)`,
        );
    }
  }
  return out;
}
