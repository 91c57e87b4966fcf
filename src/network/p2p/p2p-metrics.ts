// Peer metrics on the node's Prometheus registry (GET /metrics).
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export class P2pMetrics {
  readonly peers: Gauge;
  readonly relayed: Counter<'direction'>;
  readonly duplicates: Counter;
  readonly synced: Counter<'result'>;
  readonly limited: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.peers = new Gauge({ name: 'xmtp_p2p_peers_connected', help: 'Connected peer nodes', registers });
    this.relayed = new Counter({
      name: 'xmtp_p2p_envelopes_relayed_total',
      help: 'Envelopes relayed to peers (out) and accepted from peers (in)',
      labelNames: ['direction'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'xmtp_p2p_envelopes_duplicate_total',
      help: 'Envelopes from peers dropped as already seen (by digest)',
      registers,
    });
    this.synced = new Counter({
      name: 'xmtp_sync_envelopes_total',
      help: 'Envelopes of history sync: fetched and new (stored), fetched and already present, or skipped (known by digest)',
      labelNames: ['result'],
      registers,
    });
    this.limited = new Counter({
      name: 'xmtp_p2p_peer_limited_total',
      help: 'What peers asked for over their per-peer limits (peer-limits.ts), by limit kind',
      labelNames: ['kind'],
      registers,
    });
  }
}
