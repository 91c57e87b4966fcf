// Peer metrics on the node's Prometheus registry (GET /metrics).
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export class P2pMetrics {
  readonly peers: Gauge;
  readonly relayed: Counter<'direction'>;
  readonly duplicates: Counter;
  readonly synced: Counter<'result'>;

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
      help: 'Envelopes fetched by history sync, new (stored) or already present',
      labelNames: ['result'],
      registers,
    });
  }
}
