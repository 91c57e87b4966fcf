// The node on PostgreSQL end to end: the HTTP API over a real cluster, and several nodes sharing one
// database (the reason an operator picks PostgreSQL).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '@/network/node';
import type { XmtpNode } from '@/network/node';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import { envelopeJson, post, subscribe, T0 } from './helpers';

const SECOND = 1_000_000_000n;

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

const startOn = (storeUrl: string): Promise<XmtpNode> =>
  startNode({ storeUrl, port: 0, auth: false, rateLimit: false });

async function rowCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM envelopes');
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function queryAll(
  node: XmtpNode,
  topics: string[],
): Promise<{ contentTopic: string; message: string }[]> {
  const reply = await post(node, '/message/v1/query', {
    contentTopics: topics,
    pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING' },
  });
  expect(reply.status).toBe(200);
  return reply.json.envelopes;
}

describe('node on PostgreSQL', () => {
  it('serves publish, paged query and subscribe over HTTP from a PostgreSQL store', async () => {
    const url = await cluster.newDatabase();
    const node = await startOn(url);
    try {
      expect(node.storeDescription).toMatch(/^PostgreSQL at postgres:\/\//);
      const topic = '/xmtp/0/m-postgres-e2e/proto';
      const stream = subscribe(node, '/message/v1/subscribe', { contentTopics: [topic] });
      expect(await stream.status).toBe(200);

      const envelopes = Array.from({ length: 10 }, (_, i) =>
        envelopeJson(topic, T0 + BigInt(i) * SECOND, `m${i}`),
      );
      expect((await post(node, '/message/v1/publish', { envelopes })).status).toBe(200);
      expect((await stream.next()).result).toEqual(envelopes[0]);
      stream.close();

      // §14.2 paging vector, through the API: start = 3rd, end = 9th, limit 3, descending.
      const pages: string[][] = [];
      let cursor: unknown = undefined;
      for (;;) {
        const reply = await post(node, '/message/v1/query', {
          contentTopics: [topic],
          startTimeNs: envelopes[2]!.timestampNs,
          endTimeNs: envelopes[8]!.timestampNs,
          pagingInfo: { limit: 3, direction: 'SORT_DIRECTION_DESCENDING', cursor },
        });
        expect(reply.status).toBe(200);
        if (reply.json.envelopes.length === 0) break;
        pages.push(
          reply.json.envelopes.map((e: { message: string }) => Buffer.from(e.message, 'base64').toString()),
        );
        cursor = reply.json.pagingInfo.cursor;
        if (!cursor) break;
      }
      expect(pages).toEqual([['m8', 'm7', 'm6'], ['m5', 'm4', 'm3'], ['m2']]);
    } finally {
      await node.close();
    }
  });

  it('lets two nodes on one database serve every envelope, storing each once', async () => {
    const url = await cluster.newDatabase();
    const [a, b] = await Promise.all([startOn(url), startOn(url)]);
    try {
      const topics = ['/xmtp/0/m-shared-1/proto', '/xmtp/0/m-shared-2/proto'];
      const envelopes = Array.from({ length: 40 }, (_, i) =>
        envelopeJson(topics[i % 2]!, T0 + BigInt(i) * SECOND, `shared ${i}`),
      );
      // Each node gets its own share, and both get the same overlapping batch at the same moment.
      const replies = await Promise.all([
        post(a, '/message/v1/publish', { envelopes: envelopes.slice(0, 15) }),
        post(b, '/message/v1/publish', { envelopes: envelopes.slice(15, 30) }),
        post(a, '/message/v1/publish', { envelopes: envelopes.slice(25) }),
        post(b, '/message/v1/publish', { envelopes: envelopes.slice(25).reverse() }),
      ]);
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);

      const expected = envelopes.map((e) => ({ contentTopic: e.contentTopic, message: e.message }));
      for (const node of [a, b]) {
        const got = (await queryAll(node, topics)).map((e) => ({
          contentTopic: e.contentTopic,
          message: e.message,
        }));
        expect(got).toEqual(expected);
      }
      expect(await rowCount(url)).toBe(envelopes.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses to start on a database it cannot reach, naming the store', async () => {
    await expect(startOn('postgres://postgres:pw@127.0.0.1:1/none')).rejects.toThrow(
      /cannot open PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
    );
  });
});
