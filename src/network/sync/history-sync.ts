// Runs history sync (sync-protocol.ts) against peers: when a peer connects (a node that joins late, comes
// back after downtime, or a healed partition) and every `intervalMs` as anti-entropy for anything gossip
// dropped. One peer at a time, page by page: each page is stored, then its position saved, so the memory
// used is one page and an interrupted sync resumes where it stopped.
//
// Order: each peer's store insertion order (store.ts `scan`), so positions are per peer. Duplicates (what
// gossip already brought, or what several peers all have) are skipped by the store's digest key.
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from '@/network/http/handler';
import type { StoredEnvelope } from '@/network/store/store';
import type { P2pMetrics } from '@/network/p2p/p2p-metrics';
import { MAX_PAGE_ENVELOPES, requestPage, SYNC_PROTOCOL } from './sync-protocol';
import type { SyncPositions } from './sync-positions';

export interface HistorySyncOptions {
  libp2p: Libp2p;
  positions: SyncPositions;
  /** Stores a page (and hands recent new envelopes to subscribers); returns how many were new. */
  accept(envelopes: StoredEnvelope[]): Promise<number>;
  metrics: P2pMetrics;
  logger: Logger;
  /** Anti-entropy period (default 60 s); 0 = only on connect. */
  intervalMs?: number;
  pageSize?: number;
  /** This node's store identity (store.ts), so peers on the same database skip the sync. */
  storeIdentity?: string;
}

export interface SyncResult {
  peer: string;
  envelopes: number;
  stored: number;
}

export class HistorySync {
  private readonly pending = new Set<string>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Ends a page read in flight when the node closes (a peer that stopped answering must not hold it). */
  private readonly abort = new AbortController();
  private readonly idle: (() => void)[] = [];

  constructor(private readonly options: HistorySyncOptions) {
    const interval = options.intervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        for (const peer of options.libp2p.getPeers()) this.schedule(peer.toString());
      }, interval);
      this.timer.unref();
    }
  }

  /** Queues a sync with `peer` (once, however often it is asked before it runs). */
  schedule(peer: string): void {
    if (this.closed) return;
    this.pending.add(peer);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0) this.schedule([...this.pending][0]!);
      else for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Resolves when nothing is queued or running. */
  async whenIdle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Pulls everything `peer` has after the saved position. The next page is requested while the
   * current one is stored, so at most two pages are held.
   */
  async syncWith(peer: string): Promise<SyncResult> {
    const result: SyncResult = { peer, envelopes: 0, stored: 0 };
    const peerId = peerIdFromString(peer);
    const fetchPage = async (after: string | undefined) =>
      requestPage(
        await this.options.libp2p.dialProtocol(peerId, SYNC_PROTOCOL, {
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)]),
        }),
        after,
        this.options.pageSize ?? MAX_PAGE_ENVELOPES,
        this.options.storeIdentity,
        this.abort.signal,
      );
    let after = this.options.positions.get(peer);
    let next = fetchPage(after);
    for (;;) {
      const page = await next;
      if (page.sameStore || this.closed) return result;
      if (page.restarted)
        this.options.logger.info(`sync: ${peer} has a new store; reading it from the start`);
      const position = page.position !== '' ? page.position : after;
      if (page.more) {
        next = fetchPage(position);
        // Handled when awaited; a failure while this page is stored must not go unobserved.
        next.catch(() => undefined);
      }
      if (page.envelopes.length > 0) {
        const stored = await this.options.accept(page.envelopes);
        result.envelopes += page.envelopes.length;
        result.stored += stored;
        this.options.metrics.synced.labels('new').inc(stored);
        this.options.metrics.synced.labels('present').inc(page.envelopes.length - stored);
      }
      if (position !== undefined && position !== after) this.options.positions.set(peer, position);
      if (!page.more) return result;
      after = position;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearInterval(this.timer);
    this.pending.clear();
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      const peer = [...this.pending][0]!;
      this.pending.delete(peer);
      try {
        const result = await this.syncWith(peer);
        if (result.stored > 0) {
          this.options.logger.info(`sync: stored ${result.stored} missed envelopes from ${peer}`);
        }
      } catch (error) {
        if (!this.closed) this.options.logger.warn(`sync with ${peer} failed: ${(error as Error).message}`);
      }
    }
  }
}
