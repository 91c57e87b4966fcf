// The behaviour every EnvelopeStore must have (src/network/store/store.ts, docs/protocol.md §1.5 and §13),
// run against SQLite (store.sqlite.test.ts) and PostgreSQL (store.postgres.test.ts).
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { compareBytes, concat, utf8 } from '@/protocol/bytes';
import type { EnvelopeStore, SortDirection, StoredEnvelope, StoreQuery } from '@/network/store/store';

export interface StoreHarness {
  /** A fresh, empty place for a store: a directory for SQLite, a database URL for PostgreSQL. */
  newLocation(): Promise<string>;
  open(location: string): Promise<EnvelopeStore>;
  /** Several store instances may be open on one location at once (several nodes on one database). */
  sharedByInstances: boolean;
}

const INT64_MAX = (1n << 63n) - 1n;
const SECOND = 1_000_000_000n;
const T0 = 1_718_000_000n * SECOND;

export function envelope(contentTopic: string, timestampNs: bigint, text: string): StoredEnvelope {
  const message = utf8(text);
  return { contentTopic, timestampNs, message, digest: sha256(concat(utf8(contentTopic), message)) };
}

/** The store's order: (timestampNs, digest), both ascending or both descending. */
function sorted(envelopes: StoredEnvelope[], direction: SortDirection): StoredEnvelope[] {
  const asc = [...envelopes].sort((a, b) =>
    a.timestampNs !== b.timestampNs
      ? a.timestampNs < b.timestampNs
        ? -1
        : 1
      : compareBytes(a.digest, b.digest),
  );
  return direction === 'ascending' ? asc : asc.reverse();
}

/** Compares what came back with what went in, as plain values (Buffer vs Uint8Array does not matter). */
function plain(envelopes: StoredEnvelope[]): unknown[] {
  return envelopes.map((e) => ({
    contentTopic: e.contentTopic,
    timestampNs: e.timestampNs,
    message: Array.from(e.message),
    digest: Array.from(e.digest),
  }));
}

/** Follows the store's cursor the way the API layer does: cursor = last envelope of the page. */
async function allPages(
  store: EnvelopeStore,
  query: StoreQuery,
  withSenderTime = true,
): Promise<StoredEnvelope[][]> {
  const pages: StoredEnvelope[][] = [];
  let cursor = query.cursor;
  for (let i = 0; i < 1000; i++) {
    const page = await store.query({ ...query, cursor });
    if (page.length === 0) return pages;
    pages.push(page);
    if (page.length < query.limit) return pages;
    const last = page[page.length - 1]!;
    cursor = withSenderTime
      ? { digest: last.digest, senderTimeNs: last.timestampNs }
      : { digest: last.digest };
  }
  throw new Error('paging did not end');
}

export function describeEnvelopeStore(name: string, harness: StoreHarness): void {
  describe(name, () => {
    const withStore = async <T>(fn: (store: EnvelopeStore) => Promise<T>): Promise<T> => {
      const store = await harness.open(await harness.newLocation());
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    };
    const topic = (label: string): string => `/xmtp/0/${label}-${Math.random().toString(36).slice(2)}/proto`;

    it('scans an empty store from its own start position without calling it a new store', () =>
      withStore(async (store) => {
        const scan = store.scan!.bind(store);
        const empty = await scan(undefined, 10);
        expect(empty).toMatchObject({ envelopes: [], restarted: false });
        // A peer syncing from an empty store hands this position back on its next sync (src/network/sync).
        expect(await scan(empty.position, 10)).toMatchObject({
          envelopes: [],
          position: empty.position,
          restarted: false,
        });
      }));

    it('says per envelope whether it was new or a duplicate', () =>
      withStore(async (store) => {
        const t = topic('flags');
        const [a, b, c] = [envelope(t, T0, 'a'), envelope(t, T0 + 1n, 'b'), envelope(t, T0 + 2n, 'c')];
        expect(await store.insert([a, b])).toEqual([true, true]);
        expect(await store.insert([b, c])).toEqual([false, true]);
        expect(await store.insert([c, a, b])).toEqual([false, false, false]);
        expect(await store.insert([])).toEqual([]);
      }));

    it('counts a digest repeated inside one batch as new once', () =>
      withStore(async (store) => {
        const t = topic('batch-dup');
        const d = envelope(t, T0, 'd');
        expect(await store.insert([d, envelope(t, T0, 'e'), d])).toEqual([true, true, false]);
        expect(await store.query({ contentTopics: [t], limit: 100, direction: 'ascending' })).toHaveLength(2);
      }));

    it('stores a republished envelope once, keeping the first timestamp, even with a new timestamp', () =>
      withStore(async (store) => {
        const t = topic('dedupe');
        const first = envelope(t, T0, 'same bytes');
        const again = { ...envelope(t, T0 + 5n * SECOND, 'same bytes') };
        expect(await store.insert([first])).toEqual([true]);
        expect(await store.insert([again])).toEqual([false]);
        const rows = await store.query({ contentTopics: [t], limit: 100, direction: 'descending' });
        expect(plain(rows)).toEqual(plain([first]));
      }));

    it('keeps the same message on two topics as two envelopes (the digest covers the topic)', () =>
      withStore(async (store) => {
        const [t1, t2] = [topic('one'), topic('two')];
        expect(await store.insert([envelope(t1, T0, 'hello'), envelope(t2, T0, 'hello')])).toEqual([
          true,
          true,
        ]);
        expect(
          await store.query({ contentTopics: [t1, t2], limit: 10, direction: 'ascending' }),
        ).toHaveLength(2);
      }));

    it('returns message bytes exactly, including large and binary ones', () =>
      withStore(async (store) => {
        const t = topic('bytes');
        const big = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
        const binary = new Uint8Array([0, 255, 0, 1, 92, 39, 34, 0]);
        const envelopes = [big, binary, new Uint8Array(0)].map((message, i) => ({
          contentTopic: t,
          timestampNs: T0 + BigInt(i),
          message,
          digest: sha256(concat(utf8(t), message)),
        }));
        await store.insert(envelopes);
        const rows = await store.query({ contentTopics: [t], limit: 10, direction: 'ascending' });
        expect(plain(rows)).toEqual(plain(envelopes));
      }));

    for (const direction of ['ascending', 'descending'] as const) {
      it(`orders by (timestamp, digest) ${direction}, whatever the insertion order`, () =>
        withStore(async (store) => {
          const t = topic('order');
          // Several envelopes share a timestamp so the digest decides between them.
          const envelopes = Array.from({ length: 24 }, (_, i) =>
            envelope(t, T0 + BigInt(i % 4) * SECOND, `m${i}`),
          );
          await store.insert(envelopes.slice(12));
          await store.insert(envelopes.slice(0, 12).reverse());
          const rows = await store.query({ contentTopics: [t], limit: 100, direction });
          expect(plain(rows)).toEqual(plain(sorted(envelopes, direction)));
          const firstFive = await store.query({ contentTopics: [t], limit: 5, direction });
          expect(plain(firstFive)).toEqual(plain(sorted(envelopes, direction).slice(0, 5)));
        }));
    }

    it('merges several topics into one order and applies the limit to the merge', () =>
      withStore(async (store) => {
        const [t1, t2, t3] = [topic('m1'), topic('m2'), topic('m3')];
        const envelopes = Array.from({ length: 30 }, (_, i) =>
          envelope([t1, t2, t3][i % 3]!, T0 + BigInt(i % 7) * SECOND, `x${i}`),
        );
        await store.insert(envelopes);
        const wanted = envelopes.filter((e) => e.contentTopic !== t3);
        for (const direction of ['ascending', 'descending'] as const) {
          const rows = await store.query({ contentTopics: [t2, t1], limit: 100, direction });
          expect(plain(rows)).toEqual(plain(sorted(wanted, direction)));
          const limited = await store.query({ contentTopics: [t1, t2], limit: 7, direction });
          expect(plain(limited)).toEqual(plain(sorted(wanted, direction).slice(0, 7)));
        }
        // Naming a topic twice does not return its envelopes twice.
        const twice = await store.query({ contentTopics: [t1, t1], limit: 100, direction: 'ascending' });
        expect(plain(twice)).toEqual(
          plain(
            sorted(
              envelopes.filter((e) => e.contentTopic === t1),
              'ascending',
            ),
          ),
        );
      }));

    for (const count of [9, 70, 600]) {
      it(`merges a query over ${count} topics in order`, () =>
        withStore(async (store) => {
          const topics = Array.from({ length: count }, (_, i) => topic(`wide${i}`));
          const envelopes = topics.flatMap((t, i) =>
            [0, 1, 2].map((k) => envelope(t, T0 + BigInt((i * 7 + k * 13) % 40) * SECOND, `w${i}.${k}`)),
          );
          await store.insert(envelopes);
          for (const direction of ['ascending', 'descending'] as const) {
            const pages = await allPages(store, { contentTopics: topics, limit: 50, direction });
            expect(plain(pages.flat())).toEqual(plain(sorted(envelopes, direction)));
          }
        }));
    }

    it('returns nothing for a topic that has no envelopes', () =>
      withStore(async (store) => {
        await store.insert([envelope(topic('other'), T0, 'x')]);
        expect(
          await store.query({ contentTopics: [topic('none')], limit: 10, direction: 'descending' }),
        ).toEqual([]);
      }));

    it('returns nothing for an empty topic list (the API layer rejects it before the store)', () =>
      withStore(async (store) => {
        await store.insert([envelope(topic('any'), T0, 'x')]);
        expect(await store.query({ contentTopics: [], limit: 10, direction: 'descending' })).toEqual([]);
      }));

    it('treats start and end times as inclusive bounds', () =>
      withStore(async (store) => {
        const t = topic('bounds');
        const envelopes = Array.from({ length: 10 }, (_, i) => envelope(t, T0 + BigInt(i) * SECOND, `b${i}`));
        await store.insert(envelopes);
        const q = { contentTopics: [t], limit: 100, direction: 'ascending' as const };
        const between = await store.query({
          ...q,
          startTimeNs: T0 + 2n * SECOND,
          endTimeNs: T0 + 5n * SECOND,
        });
        expect(plain(between)).toEqual(plain(envelopes.slice(2, 6)));
        expect(plain(await store.query({ ...q, startTimeNs: T0 + 7n * SECOND }))).toEqual(
          plain(envelopes.slice(7)),
        );
        expect(plain(await store.query({ ...q, endTimeNs: T0 + 1n * SECOND }))).toEqual(
          plain(envelopes.slice(0, 2)),
        );
        expect(
          plain(await store.query({ ...q, startTimeNs: T0 + 4n * SECOND, endTimeNs: T0 + 4n * SECOND })),
        ).toEqual(plain(envelopes.slice(4, 5)));
        expect(
          await store.query({ ...q, startTimeNs: T0 + 6n * SECOND, endTimeNs: T0 + 5n * SECOND }),
        ).toEqual([]);
      }));

    for (const direction of ['ascending', 'descending'] as const) {
      it(`continues strictly after a (senderTimeNs, digest) cursor, ${direction}, across timestamp ties`, () =>
        withStore(async (store) => {
          const [t1, t2] = [topic('c1'), topic('c2')];
          const envelopes = Array.from({ length: 23 }, (_, i) =>
            envelope(i % 2 ? t1 : t2, T0 + BigInt(i % 5) * SECOND, `c${i}`),
          );
          await store.insert(envelopes);
          const pages = await allPages(store, { contentTopics: [t1, t2], limit: 4, direction });
          expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 3]);
          expect(plain(pages.flat())).toEqual(plain(sorted(envelopes, direction)));
        }));

      it(`continues after a digest-only cursor by digest alone, ${direction}`, () =>
        withStore(async (store) => {
          const t = topic('digest-cursor');
          const envelopes = Array.from({ length: 12 }, (_, i) =>
            envelope(t, T0 + BigInt(i) * SECOND, `d${i}`),
          );
          await store.insert(envelopes);
          const pivot = envelopes[5]!.digest;
          const rows = await store.query({
            contentTopics: [t],
            limit: 100,
            direction,
            cursor: { digest: pivot },
          });
          // §1.5: only `id > digest` (ascending) or `id < digest` (descending), in the usual order.
          const expected = envelopes.filter((e) =>
            direction === 'ascending' ? compareBytes(e.digest, pivot) > 0 : compareBytes(e.digest, pivot) < 0,
          );
          expect(plain(rows)).toEqual(plain(sorted(expected, direction)));
        }));
    }

    it('pages the reference vector: 10 envelopes 1 s apart, start = 3rd, end = 9th, limit 3, descending', () =>
      withStore(async (store) => {
        // xmtp-node-go pkg/api/server_test.go (docs/protocol.md §14.2): pages [8,7,6], [5,4,3], [2].
        const t = topic('vector');
        const envelopes = Array.from({ length: 10 }, (_, i) =>
          envelope(t, T0 + BigInt(i) * SECOND, `msg-${i}`),
        );
        await store.insert(envelopes);
        const pages = await allPages(store, {
          contentTopics: [t],
          startTimeNs: envelopes[2]!.timestampNs,
          endTimeNs: envelopes[8]!.timestampNs,
          limit: 3,
          direction: 'descending',
        });
        expect(
          pages.map((page) => page.map((e) => envelopes.findIndex((x) => x.timestampNs === e.timestampNs))),
        ).toEqual([[8, 7, 6], [5, 4, 3], [2]]);
      }));

    it('stores and bounds timestamps at the int64 extremes', () =>
      withStore(async (store) => {
        const t = topic('extremes');
        const envelopes = [
          envelope(t, 0n, 'zero'),
          envelope(t, 1n, 'one'),
          envelope(t, INT64_MAX - 1n, 'max-1'),
          envelope(t, INT64_MAX, 'max'),
        ];
        expect(await store.insert(envelopes)).toEqual([true, true, true, true]);
        const q = { contentTopics: [t], limit: 100 };
        expect(plain(await store.query({ ...q, direction: 'ascending' }))).toEqual(plain(envelopes));
        expect(plain(await store.query({ ...q, direction: 'descending' }))).toEqual(
          plain([...envelopes].reverse()),
        );
        expect(plain(await store.query({ ...q, direction: 'ascending', startTimeNs: INT64_MAX }))).toEqual(
          plain(envelopes.slice(3)),
        );
        expect(plain(await store.query({ ...q, direction: 'ascending', endTimeNs: 1n }))).toEqual(
          plain(envelopes.slice(0, 2)),
        );
        const afterMax = { digest: envelopes[3]!.digest, senderTimeNs: INT64_MAX };
        expect(await store.query({ ...q, direction: 'ascending', cursor: afterMax })).toEqual([]);
        expect(plain(await store.query({ ...q, direction: 'descending', cursor: afterMax }))).toEqual(
          plain(envelopes.slice(0, 3).reverse()),
        );
      }));

    it('refuses a timestamp beyond int64 and stores nothing of that batch', () =>
      withStore(async (store) => {
        const t = topic('overflow');
        await expect(
          store.insert([envelope(t, T0, 'fine'), envelope(t, INT64_MAX + 1n, 'too late')]),
        ).rejects.toThrow();
        expect(await store.query({ contentTopics: [t], limit: 10, direction: 'ascending' })).toEqual([]);
      }));

    it('keeps envelopes across close and reopen', async () => {
      const location = await harness.newLocation();
      const t = topic('durable');
      const envelopes = Array.from({ length: 5 }, (_, i) => envelope(t, T0 + BigInt(i), `p${i}`));
      const first = await harness.open(location);
      await first.insert(envelopes);
      await first.close();
      const second = await harness.open(location);
      try {
        expect(await second.insert([envelopes[0]!])).toEqual([false]);
        const rows = await second.query({ contentTopics: [t], limit: 10, direction: 'ascending' });
        expect(plain(rows)).toEqual(plain(envelopes));
      } finally {
        await second.close();
      }
    });

    if (harness.sharedByInstances) {
      it('lets two store instances on one database insert the same envelopes at once, storing each once', async () => {
        const location = await harness.newLocation();
        const [a, b] = await Promise.all([harness.open(location), harness.open(location)]);
        try {
          const t = topic('race');
          const envelopes = Array.from({ length: 200 }, (_, i) => envelope(t, T0 + BigInt(i % 10), `r${i}`));
          // Overlapping batches in opposite orders: the worst case for lock ordering.
          const rounds = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 ? a : b).insert(i % 2 ? envelopes : [...envelopes].reverse()),
            ),
          );
          const inOrder = rounds.map((flags, i) => (i % 2 ? flags : [...flags].reverse()));
          for (let k = 0; k < envelopes.length; k++) {
            expect(inOrder.filter((flags) => flags[k]).length).toBe(1);
          }
          const rows = await a.query({ contentTopics: [t], limit: 500, direction: 'ascending' });
          expect(plain(rows)).toEqual(plain(sorted(envelopes, 'ascending')));
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
    }
  });
}
