// History sync between nodes: a libp2p request/response protocol on the peers' existing connections.
// Why libp2p and not the peer's HTTP API: the message API can only query by topic, and a node that was
// away does not know which topics it missed; the sync stream reads the peer's whole store in insertion
// order (store.ts `scan`), is authenticated by noise like the relay, and needs no second port open.
//
// One stream per request. The requester writes one length-prefixed JSON frame
//   {"after": "<position or null>", "limit": <envelopes>, "store": "<its store identity or null>",
//    "digests": bool, "want": "<base64 bitmap or absent>", "pages": <count, absent = 1>,
//    "first": <envelopes of the first page, absent = limit>}
// and the responder answers each page with length-prefixed frames:
//   0x01 ‖ envelopes as protobuf `repeated Envelope envelopes = 1` (the QueryResponse field, §1.3), in
//          insertion order, up to 4 MiB per frame (a frame per envelope cost a read and a decrypt each)
//   0x03 ‖ (with "digests": true, instead of 0x01) the first 16 bytes of each envelope's digest (§1.5),
//          concatenated, in the same order
//   0x02 ‖ JSON {"position": "...", "more": bool, "restarted": bool, "sameStore": bool}   (last frame)
// Anti-entropy asks for digests first, then for the same range again (same `after`, `limit` = the number
// of digests) with "want": bit i (LSB first) set for each envelope it lacks; the responder sends only
// those. The range is the same both times: a store hands out no envelope before a position it already
// handed out (store.ts `scan`), and the requester checks that both answers end at the same position.
// With "pages": k (whole pages only, at most MAX_PAGES_PER_STREAM), the responder sends up to k consecutive
// pages on the stream, each one's frames ending in its 0x02 frame, and stops after the first page without
// more. A catch-up asks this way so that the responder reads and sends the next page while the requester
// stores the last one: one request per page, answered only after the previous answer was read, left both
// nodes idle half the time (docs/benchmarks.md "History sync"). The stream's flow control (yamux's window)
// bounds what is read ahead; a responder that serves one page only simply closes the stream after it.
// With "first": n (and "pages"), the stream's first page holds at most n envelopes and each later one twice
// the one before, up to `limit`: a catch-up's store has its first page within a few ms of the request and
// starts writing while the responder reads the larger pages, where a full first page of 5,000 left the
// requester's writer idle for the 0.5–1.3 s it took to read, send and decode (docs/benchmarks.md "History
// sync"). A responder that ignores "first" sends full pages, which is only slower.
// Nodes on one PostgreSQL database see the same store identity: the responder then sends nothing.
// `position` is the responder's opaque store position after the page; the requester keeps it per peer
// and sends it back to resume. The page is bounded by count and by bytes, so both ends hold one page.
import type { Stream } from '@libp2p/interface';
import { lpStream } from 'it-length-prefixed-stream';
import type { Logger } from '@/network/http/handler';
import type { EnvelopeStore, NewEnvelope, ScanPage } from '@/network/store/store';
import { fromBase64, toBase64 } from '@/protocol/bytes';
import { decodeEnvelopeList, encodeEnvelopeFrames } from './page-codec';

export const SYNC_PROTOCOL = '/xmtp-inbox/sync/1.0.0';

export const FRAME_ENVELOPE = 0x01;
export const FRAME_END = 0x02;
export const FRAME_DIGESTS = 0x03;
/** Bytes of each digest in a digest frame: 128 bits, beyond reach of a crafted collision. */
export const DIGEST_PREFIX_BYTES = 16;

/** Envelope bytes gathered into one frame before it is sent. */
const FRAME_TARGET_BYTES = 4 * 1024 * 1024;
/** Largest frame: the target plus one 1 MiB envelope with its topic and framing. */
export const MAX_FRAME_BYTES = FRAME_TARGET_BYTES + 2 * 1024 * 1024;
/** Envelopes per page at most, whatever the requester asks. */
export const MAX_PAGE_ENVELOPES = 5000;
/** A responder stops adding store chunks to a page past this many message bytes. */
export const PAGE_BYTES = 4 * 1024 * 1024;
/** Whole pages one request may ask for (each one counts against the responder's page rate). */
export const MAX_PAGES_PER_STREAM = 16;
/** How long a responder waits for the request frame. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A page's digests (a digest request): `digests[i]` is the prefix of the i-th envelope of the range. */
export interface DigestPage {
  digests: Uint8Array[];
  position: string;
  more: boolean;
  restarted: boolean;
  sameStore: boolean;
}

export interface SyncPage {
  /** Checked against the publish limits; without digests (the store computes them, page-codec.ts). */
  envelopes: NewEnvelope[];
  position: string;
  more: boolean;
  restarted: boolean;
  /** Both nodes use the same database: there is nothing to sync. */
  sameStore: boolean;
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function frame(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

/**
 * Answers one request on `stream` from `store`: one page, or with "pages" up to that many. Before each
 * page after the first, `nextPage` may hold it back (the asking peer's page rate).
 */
export async function servePage(
  stream: Stream,
  store: EnvelopeStore,
  logger: Logger,
  nextPage?: () => Promise<void>,
): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: 4096 });
  try {
    // A peer that opens a stream and never asks must not hold it (and its slot, peer-limits.ts) forever.
    const asked = await lp.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const request = JSON.parse(new TextDecoder().decode(asked.subarray())) as {
      after?: unknown;
      limit?: unknown;
      store?: unknown;
      digests?: unknown;
      want?: unknown;
      pages?: unknown;
      first?: unknown;
    };
    const digestsOnly = request.digests === true;
    // Which envelopes of the range to send (absent: all); bit i, LSB first, for the i-th envelope.
    const want = typeof request.want === 'string' ? fromBase64(request.want) : undefined;
    let index = 0;
    const sameStore = store.identity !== undefined && request.store === store.identity;
    const after = typeof request.after === 'string' ? request.after : undefined;
    const wanted =
      typeof request.limit === 'number' && request.limit > 0 ? request.limit : MAX_PAGE_ENVELOPES;
    const limit = Math.min(Math.floor(wanted), MAX_PAGE_ENVELOPES);
    // Several pages only of whole envelopes: a digest list and its "want" describe one range.
    const pages =
      !digestsOnly && !want && typeof request.pages === 'number' && request.pages >= 1
        ? Math.min(Math.floor(request.pages), MAX_PAGES_PER_STREAM)
        : 1;
    // Growing pages (see the header); the first at least 1 envelope.
    let pageLimit =
      pages > 1 && typeof request.first === 'number' && request.first >= 1
        ? Math.min(Math.floor(request.first), limit)
        : limit;
    let position = after;
    for (let served = 0; served < pages; served++) {
      if (served > 0) {
        await nextPage?.();
        pageLimit = Math.min(limit, pageLimit * 2);
      }
      const end = await sendPage(position, pageLimit);
      position = end.position;
      if (!end.more) break;
    }
    await stream.close();

    /** Sends the page after `from`, ending in its 0x02 frame. */
    async function sendPage(
      from: string | undefined,
      limit: number,
    ): Promise<{ position: string | undefined; more: boolean }> {
      let position = from;
      let restarted = false;
      let more = false;
      if (store.scan && !sameStore) {
        let sent = 0;
        let bytes = 0;
        more = true;
        // Read the store in chunks sized to the envelopes seen so far, so a page of large envelopes
        // never loads thousands of them at once.
        let chunk = Math.min(limit, 500);
        while (sent < limit && bytes < PAGE_BYTES) {
          const wantedNow = Math.min(chunk, limit - sent);
          let page: ScanPage<NewEnvelope>;
          if (digestsOnly) {
            const listed = await store.scan(position, wantedNow);
            page = listed;
            const body = new Uint8Array(listed.envelopes.length * DIGEST_PREFIX_BYTES);
            listed.envelopes.forEach((e, i) =>
              body.set(e.digest.subarray(0, DIGEST_PREFIX_BYTES), i * DIGEST_PREFIX_BYTES),
            );
            if (body.length > 0) await lp.write(frame(FRAME_DIGESTS, body));
          } else {
            // Without their digests: the requester's store computes its own.
            page = await store.scan(position, wantedNow, { digests: false });
            const first = index;
            const include = want
              ? (i: number) => ((want[(first + i) >> 3] ?? 0) & (1 << ((first + i) & 7))) !== 0
              : undefined;
            for (const out of encodeEnvelopeFrames(
              page.envelopes,
              FRAME_ENVELOPE,
              FRAME_TARGET_BYTES,
              include,
            )) {
              await lp.write(out);
            }
          }
          if (page.restarted) restarted = true;
          position = page.position;
          index += page.envelopes.length;
          for (const envelope of page.envelopes) bytes += envelope.message.length;
          sent += page.envelopes.length;
          if (page.envelopes.length < wantedNow) {
            more = false;
            break;
          }
          const average = bytes / Math.max(sent, 1);
          chunk = Math.max(1, Math.min(500, Math.floor((PAGE_BYTES - bytes) / Math.max(average, 1))));
        }
      }
      await lp.write(frame(FRAME_END, json({ position: position ?? null, more, restarted, sameStore })));
      return { position, more };
    }
  } catch (error) {
    logger.warn(`sync: cannot serve a page: ${(error as Error).message}`);
    stream.abort(error as Error);
  }
}

interface PageRequest {
  after: string | undefined;
  limit: number;
  storeIdentity?: string;
  digests?: boolean;
  want?: Uint8Array;
  pages?: number;
  /** Envelopes of the first of several pages (the later ones grow, see the header). */
  first?: number;
}

type Lp = ReturnType<typeof lpStream<Stream>>;

/** Sends one request on a fresh `stream`; its answer is read page by page with `readPage`. */
async function ask(stream: Stream, request: PageRequest, signal?: AbortSignal): Promise<Lp> {
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
  await lp.write(
    json({
      after: request.after ?? null,
      limit: request.limit,
      store: request.storeIdentity ?? null,
      ...(request.digests ? { digests: true } : {}),
      ...(request.want ? { want: toBase64(request.want) } : {}),
      ...(request.pages && request.pages > 1 ? { pages: request.pages } : {}),
      ...(request.pages && request.pages > 1 && request.first ? { first: request.first } : {}),
    }),
    { signal },
  );
  return lp;
}

/** Sends one request on a fresh `stream` and reads its one page. */
async function exchange(
  stream: Stream,
  request: PageRequest,
  signal?: AbortSignal,
): Promise<SyncPage & { digests: Uint8Array[] }> {
  const lp = await ask(stream, request, signal);
  const page = await readPage(lp, request.after, signal);
  await stream.close();
  return page;
}

/** Reads one page's frames, up to and with its 0x02 frame. */
async function readPage(
  lp: Lp,
  after: string | undefined,
  signal?: AbortSignal,
): Promise<SyncPage & { digests: Uint8Array[] }> {
  const envelopes: NewEnvelope[] = [];
  /** Envelopes the page's frames held, kept or dropped. */
  let received = 0;
  const digests: Uint8Array[] = [];
  for (;;) {
    const data = (await lp.read({ signal })).subarray();
    if (data[0] === FRAME_DIGESTS) {
      if ((data.length - 1) % DIGEST_PREFIX_BYTES !== 0) throw new Error('sync: malformed digest list');
      const body = Uint8Array.from(data.subarray(1));
      for (let o = 0; o < body.length; o += DIGEST_PREFIX_BYTES) {
        digests.push(body.subarray(o, o + DIGEST_PREFIX_BYTES));
      }
      if (digests.length > MAX_PAGE_ENVELOPES) throw new Error('sync: too many digests in a page');
      continue;
    }
    if (data[0] === FRAME_ENVELOPE) {
      // Copied out of the stream's buffers once; envelopes below are views of this copy.
      const decoded = decodeEnvelopeList(Uint8Array.from(data.subarray(1)));
      for (const e of decoded.envelopes) envelopes.push(e);
      // Dropped ones count too: no honest responder sends more than a page holds.
      received += decoded.envelopes.length + decoded.dropped;
      if (received > MAX_PAGE_ENVELOPES) throw new Error('sync: too many envelopes in a page');
      continue;
    }
    if (data[0] !== FRAME_END) throw new Error(`sync: unexpected frame ${data[0]}`);
    const end = JSON.parse(new TextDecoder().decode(data.subarray(1))) as {
      position: string | null;
      more: boolean;
      restarted: boolean;
      sameStore?: boolean;
    };
    return {
      envelopes,
      digests,
      position: end.position ?? after ?? '',
      more: end.more === true,
      restarted: end.restarted === true,
      sameStore: end.sameStore === true,
    };
  }
}

/**
 * Requests one page after `after` on a fresh `stream` and reads it whole; with `want`, only the
 * envelopes of the range whose bit is set (see the header).
 */
export async function requestPage(
  stream: Stream,
  after: string | undefined,
  limit: number,
  storeIdentity?: string,
  signal?: AbortSignal,
  want?: Uint8Array,
): Promise<SyncPage> {
  const { digests: _digests, ...page } = await exchange(
    stream,
    { after, limit, storeIdentity, want },
    signal,
  );
  return page;
}

/** Requests the digests of the page after `after` on a fresh `stream`. */
export async function requestDigests(
  stream: Stream,
  after: string | undefined,
  limit: number,
  storeIdentity?: string,
  signal?: AbortSignal,
): Promise<DigestPage> {
  const { envelopes: _envelopes, ...page } = await exchange(
    stream,
    { after, limit, storeIdentity, digests: true },
    signal,
  );
  return page;
}

export interface PageReader {
  next(): Promise<SyncPage | undefined>;
  /** Ends the stream early: the pages still coming are not wanted. */
  cancel(): void;
}

/**
 * Asks for up to `pages` whole pages after `after` on a fresh `stream`; `next` reads them one at a time
 * (call it again before storing the page it gave, so the next one arrives meanwhile). It resolves with
 * undefined once the stream has served what it will: after `pages` pages, after a page without more, or
 * when a responder that serves one page per request closes the stream after it. With `first`, the first
 * page holds at most that many envelopes and each later one twice the one before, up to `limit`.
 */
export async function requestPages(
  stream: Stream,
  after: string | undefined,
  limit: number,
  pages: number,
  storeIdentity?: string,
  signal?: AbortSignal,
  first?: number,
): Promise<PageReader> {
  const lp = await ask(stream, { after, limit, storeIdentity, pages, first }, signal);
  let read = 0;
  let position = after;
  let done = false;
  const finish = async (): Promise<undefined> => {
    done = true;
    await stream.close().catch(() => stream.abort(new Error('sync: closing the page stream failed')));
    return undefined;
  };
  return {
    async next() {
      if (done || read >= pages) return finish();
      let page: SyncPage & { digests: Uint8Array[] };
      try {
        page = await readPage(lp, position, signal);
      } catch (error) {
        // The end of the stream before a further page: the responder served fewer pages than asked.
        if (read > 0 && (error as { code?: string }).code === 'ERR_UNEXPECTED_EOF') return finish();
        throw error;
      }
      read++;
      position = page.position;
      if (!page.more || page.sameStore) done = true;
      const { digests: _digests, ...rest } = page;
      if (done || read >= pages) await finish();
      return rest;
    },
    cancel() {
      if (done) return;
      done = true;
      stream.abort(new Error('sync: no more pages wanted'));
    },
  };
}
