// Runs history sync (sync-protocol.ts) against peers: when a peer connects (a node that joins late, comes
// back after downtime, or a healed partition) and every `intervalMs` as anti-entropy for anything gossip
// dropped. One peer at a time, page by page: each page is stored, then its position saved, so the memory
// used is one page and an interrupted sync resumes where it stopped.
//
// Order: each peer's store insertion order (store.ts `scan`), so positions are per peer. Duplicates (what
// gossip already brought, or what several peers all have) are skipped by the store's digest key.
//
// Anti-entropy mostly re-reads what gossip already delivered. So while most of what a peer sends is
// already known to be stored here (`isStored`, the relay's bounded cache), a page is asked for as digests
// first (16 bytes an envelope) and then only the envelopes missing here are fetched; when most are
// missing (a node catching up, or a first sync with a peer) pages are fetched whole, several per stream
// (sync-protocol.ts "pages"), the next one read while the last is stored. The mode follows the last page. An envelope whose digest fell out of the cache is simply fetched again.
//
// Pacing (peer-limits.ts `sync-in`): every page's range counts against the peer's budget of envelopes;
// over it, the next page is asked for only once the debt is paid, so a peer that answers as fast as it
// likes (or never ends) brings in no more than the rate, and nothing received is dropped. Peers take
// turns: while others are queued, a sync that must wait, or has run 20 pages, saves its position and
// goes to the back of the queue, so one endless or slow peer cannot keep the others from syncing.
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from '@/network/http/handler';
import { envelopeDigest } from '@/network/store/digest';
import type { NewEnvelope } from '@/network/store/store';
import type { P2pMetrics } from '@/network/p2p/p2p-metrics';
import {
  MAX_PAGE_ENVELOPES,
  MAX_PAGES_PER_STREAM,
  requestDigests,
  requestPage,
  requestPages,
  SYNC_PROTOCOL,
} from './sync-protocol';
import type { PageReader, SyncPage } from './sync-protocol';
import type { SyncPositions } from './sync-positions';

/** Envelopes of a whole page checked to decide whether the next page starts with digests. */
const MODE_SAMPLE = 64;
/** Pages handed to the store at once while whole pages stream in (see `hand`). */
const STORE_DEPTH = 2;
/**
 * Envelopes of the first page of each stream of whole pages; the later pages double up to the page size
 * (sync-protocol.ts "first"), so the store gets its first page at once and has the next one queued by the
 * time it is done.
 */
const FIRST_PAGE_ENVELOPES = 500;
/** Pages one peer's sync runs before letting queued peers go first. */
const TURN_PAGES = 20;

export interface HistorySyncOptions {
  libp2p: Libp2p;
  positions: SyncPositions;
  /** Stores a page (and hands recent new envelopes to subscribers); returns how many were new. */
  accept(envelopes: NewEnvelope[]): Promise<number>;
  metrics: P2pMetrics;
  logger: Logger;
  /** Anti-entropy period (default 60 s); 0 = only on connect. */
  intervalMs?: number;
  pageSize?: number;
  /** This node's store identity (store.ts), so peers on the same database skip the sync. */
  storeIdentity?: string;
  /** Whether an envelope with this digest (or 16-byte prefix) is known to be stored here. */
  isStored?(digest: Uint8Array): boolean;
  /**
   * Counts `envelopes` of `peer`'s store covered by a page against its budget; returns the ms to wait
   * before the next request to it (0: none). Without it, no pacing.
   */
  pace?(peer: string, envelopes: number): number;
}

export interface SyncResult {
  peer: string;
  /** Envelopes transferred. */
  envelopes: number;
  stored: number;
  /** Envelopes not transferred: their digest showed they were already stored here. */
  skipped: number;
  /** Time spent waiting for the peer's sync budget (`pace`). */
  pausedMs: number;
}

/** One turn of a sync: the result so far, and when to go on if it stopped before the peer's end. */
interface Turn {
  result: SyncResult;
  resumeAt?: number;
}

export class HistorySync {
  private readonly pending = new Set<string>();
  /** Queued peers whose turn ended on their budget: not before this time (ms). */
  private readonly notBefore = new Map<string, number>();
  /** Ends the queue's wait for a budget when a peer is queued. */
  private wake: (() => void) | undefined;
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
    this.wake?.();
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
   * Pulls everything `peer` has after the saved position, paced by its budget. Whole pages: the next page
   * is requested while the current one is stored, so at most two pages are held. Digest pages: one at a
   * time.
   */
  async syncWith(peer: string): Promise<SyncResult> {
    return (await this.turn(peer, () => false)).result;
  }

  /** Syncs with `peer` until its end, or until it should let one of the `othersQueued` go first. */
  private async turn(peer: string, othersQueued: () => boolean): Promise<Turn> {
    const result: SyncResult = { peer, envelopes: 0, stored: 0, skipped: 0, pausedMs: 0 };
    const pace = this.options.pace;
    // A debt left by an earlier turn is paid before asking again.
    await this.pauseFor(result, pace?.(peer, 0) ?? 0);
    let pages = 0;
    const peerId = peerIdFromString(peer);
    const limit = this.options.pageSize ?? MAX_PAGE_ENVELOPES;
    const signal = (): AbortSignal => AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)]);
    const dial = async () => this.options.libp2p.dialProtocol(peerId, SYNC_PROTOCOL, { signal: signal() });
    const identity = this.options.storeIdentity;
    const fetchPage = async (after: string | undefined, count = limit, want?: Uint8Array) =>
      requestPage(await dial(), after, count, identity, this.abort.signal, want);
    // Whole pages come several per stream; the reader goes on from the last page it gave.
    let reader: PageReader | undefined;
    const stopReading = (): void => {
      reader?.cancel();
      reader = undefined;
    };
    const nextWhole = async (from: string | undefined): Promise<SyncPage> => {
      const page = await reader?.next();
      if (page) return page;
      // No more pages than the turn has left, so that ending the turn does not cut a stream short.
      const pagesLeft = Math.max(1, Math.min(MAX_PAGES_PER_STREAM, TURN_PAGES - (pages % TURN_PAGES)));
      reader = await requestPages(
        await dial(),
        from,
        limit,
        pagesLeft,
        identity,
        this.abort.signal,
        Math.min(limit, FIRST_PAGE_ENVELOPES),
      );
      const first = await reader.next();
      if (!first) throw new Error('sync: the peer answered no page');
      return first;
    };
    const isStored = this.options.isStored;
    let after = this.options.positions.get(peer);
    // Pages handed to the store, oldest first. While whole pages stream in, the next one goes to the
    // store before the last one is stored, so the writer always has a page queued instead of waiting for
    // this thread between pages (the writer was the busiest thread of a catch-up). Each page's position
    // is saved only once it and every page before it are stored, in order: a failure or a kill loses no
    // envelope, it only makes the next sync read those pages again (the digest key skips what is there).
    let inStore: Promise<void>[] = [];
    /** The position last saved for this peer. */
    let saved = after;
    const hand = async (envelopes: NewEnvelope[], position: string | undefined): Promise<void> => {
      if (inStore.length >= STORE_DEPTH) await inStore.shift();
      const previous = inStore[inStore.length - 1];
      const storing = envelopes.length > 0 ? this.options.accept(envelopes) : Promise.resolve(0);
      const done = Promise.all([previous, storing]).then(([, stored]) => {
        result.envelopes += envelopes.length;
        result.stored += stored;
        this.options.metrics.synced.labels('new').inc(stored);
        this.options.metrics.synced.labels('present').inc(envelopes.length - stored);
        if (position !== undefined && position !== saved) {
          this.options.positions.set(peer, position);
          saved = position;
        }
      });
      // Awaited below (drain, or when a later page needs its slot).
      done.catch(() => undefined);
      inStore.push(done);
    };
    const drain = async (): Promise<void> => {
      const pending = inStore;
      inStore = [];
      for (const done of pending) await done;
    };
    const finish = async (turn: Turn): Promise<Turn> => {
      await drain();
      return turn;
    };
    const loop = async (): Promise<Turn> => {
      /**
       * Pages of digests first while most of what arrives is already here; not on a first sync with a
       * peer (a node catching up on its whole store).
       */
      let digestsFirst = isStored !== undefined && after !== undefined;
      let next: Promise<SyncPage> | undefined;
      for (;;) {
        let page: Omit<SyncPage, 'envelopes'>;
        let envelopes: NewEnvelope[];
        /** Envelopes of the peer's store this page covers (listed by digest or sent whole). */
        let covered: number;
        if (next || !digestsFirst || !isStored) {
          const whole = await (next ?? nextWhole(after));
          next = undefined;
          page = whole;
          envelopes = whole.envelopes;
          covered = envelopes.length;
          // A sample decides the mode: checking every envelope of a catch-up costs time for nothing.
          const sample = envelopes.slice(0, MODE_SAMPLE);
          const known = isStored
            ? sample.filter((e) => isStored(e.digest ?? envelopeDigest(e.contentTopic, e.message))).length
            : 0;
          digestsFirst = isStored !== undefined && sample.length > 0 && known * 2 >= sample.length;
        } else {
          const summary = await requestDigests(await dial(), after, limit, identity, this.abort.signal);
          page = summary;
          covered = summary.digests.length;
          const want = new Uint8Array(Math.ceil(summary.digests.length / 8));
          let wanted = 0;
          summary.digests.forEach((digest, i) => {
            if (isStored(digest)) return;
            want[i >> 3]! |= 1 << (i & 7);
            wanted++;
          });
          envelopes = [];
          if (wanted > 0 && !summary.sameStore) {
            const rest = await fetchPage(after, summary.digests.length, want);
            if (rest.position !== summary.position) {
              throw new Error(
                'sync: the peer answered a different range for the envelopes than for their digests',
              );
            }
            envelopes = rest.envelopes;
          }
          result.skipped += summary.digests.length - wanted;
          this.options.metrics.synced.labels('skipped').inc(summary.digests.length - wanted);
          digestsFirst = wanted * 2 <= summary.digests.length;
        }
        if (page.sameStore || this.closed) return finish({ result });
        if (page.restarted)
          this.options.logger.info(`sync: ${peer} has a new store; reading it from the start`);
        const position = page.position !== '' ? page.position : after;
        const receivedAt = Date.now();
        const wait = pace?.(peer, covered) ?? 0;
        if (wait > 0 && page.more) this.options.metrics.limited.labels('sync_received').inc();
        pages++;
        const yieldTurn = page.more && (wait > 0 || pages >= TURN_PAGES) && othersQueued();
        if (digestsFirst) stopReading();
        if (page.more && !digestsFirst && wait === 0 && !yieldTurn) {
          next = nextWhole(position);
          // Handled when awaited; a failure while this page is stored must not go unobserved.
          next.catch(() => undefined);
        }
        await hand(envelopes, position);
        // Only while the next page is already on its way; otherwise the turn waits or ends here.
        if (!next) await drain();
        if (!page.more) return finish({ result });
        after = position;
        if (yieldTurn) return finish({ result, resumeAt: receivedAt + wait });
        await this.pauseFor(result, receivedAt + wait - Date.now());
        if (this.closed) return finish({ result });
      }
    };
    try {
      return await loop();
    } finally {
      stopReading();
      // After a failure, what was handed over still finishes (and saves its position) before the next turn.
      await Promise.allSettled(inStore);
      // Positions saved less often while pages flow (sync-positions.ts) are on disk when the turn ends.
      try {
        this.options.positions.flush();
      } catch (error) {
        this.options.logger.warn(`sync: cannot save the sync positions: ${(error as Error).message}`);
      }
    }
  }

  /** Waits `ms` (if above 0) unless the sync closes first, adding the time to `result.pausedMs`. */
  private async pauseFor(result: SyncResult, ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return;
    const started = Date.now();
    await this.sleep(ms);
    result.pausedMs += Date.now() - started;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearInterval(this.timer);
    this.pending.clear();
    this.notBefore.clear();
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      // The first queued peer whose budget allows a page now; if none, wait for the soonest.
      const now = Date.now();
      const queued = [...this.pending];
      const peer = queued.find((p) => (this.notBefore.get(p) ?? 0) <= now);
      if (peer === undefined) {
        const soonest = Math.min(...queued.map((p) => this.notBefore.get(p) ?? now));
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.sleep(soonest - now).then(resolve);
        });
        this.wake = undefined;
        continue;
      }
      this.pending.delete(peer);
      this.notBefore.delete(peer);
      try {
        // (The peer itself may be queued again meanwhile, by the anti-entropy timer.)
        const others = (): boolean => [...this.pending].some((p) => p !== peer);
        const { result, resumeAt } = await this.turn(peer, others);
        if (resumeAt !== undefined && !this.closed) {
          // Its position is saved: the next turn goes on from there.
          this.pending.add(peer);
          this.notBefore.set(peer, resumeAt);
        }
        if (result.stored > 0) {
          this.options.logger.info(`sync: stored ${result.stored} missed envelopes from ${peer}`);
        }
      } catch (error) {
        if (!this.closed) this.options.logger.warn(`sync with ${peer} failed: ${(error as Error).message}`);
      }
    }
  }
}
