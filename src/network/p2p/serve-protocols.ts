// What this node answers other nodes on its own protocols, within each asking peer's limits (peer-limits.ts):
// history-sync pages (src/network/sync) and peer lists (peer-exchange.ts). Peer lists and sync streams open at
// once over the limits are refused by resetting the stream (the peer's sync fails and is retried at its next
// interval). Sync pages over the peer's rate are served late instead: its sync slows down but completes. The wait
// holds one of the peer's few stream slots, so it is short (at most the slots' worth of tokens).
import type { Libp2p, Stream } from '@libp2p/interface';
import type { Logger } from '@/network/http/handler';
import type { EnvelopeStore } from '@/network/store/store';
import { servePage, SYNC_PROTOCOL } from '@/network/sync/sync-protocol';
import type { P2pMetrics } from './p2p-metrics';
import { PEERS_PROTOCOL, servePeers } from './peer-exchange';
import type { PeerLimiter, PeerLimitKind } from './peer-limits';

export interface ServeProtocolsOptions {
  store: EnvelopeStore;
  limits: PeerLimiter;
  metrics: P2pMetrics;
  logger: Logger;
  /** This node's HTTP API URL, advertised with its peers (null until it is known). */
  apiUrl(): string | null;
}

const pause = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export async function serveProtocols(libp2p: Libp2p, options: ServeProtocolsOptions): Promise<void> {
  const { limits, metrics } = options;
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
    servePeers(stream, libp2p, options.apiUrl()).catch((error: Error) => stream.abort(error));
  });
}
