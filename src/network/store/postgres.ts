// The PostgreSQL envelope store, for operators who run several nodes on one database.
// Semantics: docs/protocol.md §1.5 (query, cursor) and §13 (dedupe by digest); contract in store.ts.
import pg from 'pg';
import { INT64_MAX } from '@/network/limits/sizes';
import { ProtocolError } from '@/protocol/errors';
import { migrate } from './postgres-migrations';
import { envelopeDigest } from './digest';
import type { EnvelopeStore, NewEnvelope, ScanPage, StoredEnvelope, StoreQuery } from './store';

/** Queries over at most this many topics use named prepared statements (one per shape and topic count). */
const MAX_PREPARED_TOPICS = 8;
/** Queries over more topics than this filter with ANY() and sort rather than merge per-topic scans. */
const MAX_MERGED_TOPICS = 500;

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db` or `postgresql://…`. */
  url: string;
  /** Pool size; several concurrent publishes and queries each hold one connection briefly. */
  maxConnections?: number;
}

/** Connects, applies pending migrations (safe when several nodes start at once) and returns the store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<EnvelopeStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // Plan every execution with its real topic and limit: a cached generic plan cannot tell a topic
    // with ten envelopes from one with a million, and may sort a whole topic to return one page.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // An idle connection that dies (database restart) must not crash the node: the next query reports it.
  pool.on('error', () => undefined);
  const description = `PostgreSQL at ${redactUrl(options.url)}`;
  let identity: string | undefined;
  try {
    await migrate(pool);
    identity = (await pool.query<{ id: string }>('SELECT id FROM store_identity LIMIT 1')).rows[0]?.id;
  } catch (error) {
    await pool.end();
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('store_unavailable', `cannot open ${description}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new PostgresStore(pool, description, identity);
}

class PostgresStore implements EnvelopeStore {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
    readonly identity?: string,
  ) {}

  async insert(envelopes: NewEnvelope[]): Promise<boolean[]> {
    this.assertOpen();
    if (envelopes.length === 0) return [];
    for (const envelope of envelopes) checkTimestamp(envelope.timestampNs);
    const digests = envelopes.map((e) => e.digest ?? envelopeDigest(e.contentTopic, e.message));
    // One statement per batch, so the batch is atomic. Rows go in digest order: two nodes inserting
    // overlapping batches then take the unique-index locks in the same order and cannot deadlock.
    const result = await retryOnDeadlock(() =>
      this.pool.query<{ digest: Buffer }>({
        name: 'xmtp_insert_envelopes',
        text: `INSERT INTO envelopes (digest, content_topic, timestamp_ns, message)
             SELECT digest, content_topic, timestamp_ns, message
             FROM unnest($1::bytea[], $2::text[], $3::bigint[], $4::bytea[])
                  AS batch (digest, content_topic, timestamp_ns, message)
             ORDER BY digest
             ON CONFLICT (digest) DO NOTHING
             RETURNING digest`,
        values: [
          digests,
          envelopes.map((e) => e.contentTopic),
          envelopes.map((e) => e.timestampNs),
          envelopes.map((e) => e.message),
        ],
      }),
    );
    // RETURNING lists the rows this statement created. A digest repeated inside the batch is created
    // once: the first occurrence is new, later ones are duplicates.
    const created = new Set(result.rows.map((r) => r.digest.toString('hex')));
    return digests.map((d) => created.delete(Buffer.from(d.buffer, d.byteOffset, d.length).toString('hex')));
  }

  async query(query: StoreQuery): Promise<StoredEnvelope[]> {
    this.assertOpen();
    const topics = [...new Set(query.contentTopics)];
    if (topics.length === 0 || query.limit <= 0) return [];
    const plan = planQuery(query, topics);
    if (!plan) return [];
    const result = await this.pool.query<EnvelopeRow>(plan);
    return result.rows.map(fromRow);
  }

  /** Insertion order as (xact, seq), final rows only (migration 002_scan_order.sql). Position: "xact:seq". */
  async scan(after: string | undefined, limit: number): Promise<ScanPage> {
    this.assertOpen();
    const match = after === undefined ? null : /^(\d+):(\d+)$/.exec(after);
    let from: [string, string] = match ? [match[1]!, match[2]!] : ['0', '0'];
    let restarted = false;
    // "0:0" is the start itself (an empty store's position): nothing can lie beyond it.
    if (match && !(from[0] === '0' && from[1] === '0')) {
      const beyond = await this.pool.query<{ beyond: boolean }>({
        name: 'xmtp_scan_beyond',
        // Handed-out positions are rows that stay, so a position past the last row means a new store.
        text: `SELECT NOT EXISTS (SELECT 1 FROM envelopes WHERE (xact, seq) >= ($1::xid8, $2::bigint)) AS beyond`,
        values: from,
      });
      if (beyond.rows[0]?.beyond) {
        from = ['0', '0'];
        restarted = true;
      }
    }
    const result = await this.pool.query<EnvelopeRow & { xact: string; seq: string }>({
      name: 'xmtp_scan',
      text: `SELECT content_topic, timestamp_ns, message, digest, xact::text AS xact, seq
             FROM envelopes
             WHERE (xact, seq) > ($1::xid8, $2::bigint) AND xact < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY xact, seq LIMIT $3`,
      values: [...from, Math.floor(limit)],
    });
    const last = result.rows[result.rows.length - 1];
    return {
      envelopes: result.rows.map(fromRow),
      position: last ? `${last.xact}:${last.seq}` : `${from[0]}:${from[1]}`,
      restarted,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new ProtocolError('store_closed', `store is closed: ${this.description}`);
  }
}

interface EnvelopeRow {
  content_topic: string;
  timestamp_ns: string;
  message: Buffer;
  digest: Buffer;
}

function fromRow(row: EnvelopeRow): StoredEnvelope {
  return {
    contentTopic: row.content_topic,
    timestampNs: BigInt(row.timestamp_ns),
    message: view(row.message),
    digest: view(row.digest),
  };
}

/** A plain Uint8Array over the Buffer's bytes (no copy), so results compare equal to what was inserted. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Runs a statement again when PostgreSQL aborted it as a deadlock victim. Sorted inserts make that
 * unlikely, but a batch is one statement, so replaying it is always safe.
 */
async function retryOnDeadlock<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 * Math.random()));
    }
  }
}

function checkTimestamp(timestampNs: bigint): void {
  if (timestampNs < 0n || timestampNs > INT64_MAX) {
    throw new ProtocolError(
      'timestamp_out_of_range',
      `envelope timestamp does not fit in int64: ${timestampNs}`,
    );
  }
}

/**
 * Builds the SQL for one query shape. Each shape (bounds present, cursor kind, direction, one topic or
 * several) gets its own named prepared statement, so plans never hinge on NULL-tolerant conditions.
 * Returns undefined when the bounds exclude every storable timestamp.
 */
function planQuery(query: StoreQuery, topics: string[]): pg.QueryConfig | undefined {
  const ascending = query.direction === 'ascending';
  // Up to MAX_MERGED_TOPICS, topics are $1..$n, one per branch; past it, $1 is the array of them. Every
  // other parameter follows and is shared by the branches.
  const perTopic = topics.length <= MAX_MERGED_TOPICS;
  const values: unknown[] = perTopic ? [...topics] : [topics];
  const where: string[] = [];
  const shape: string[] = [`${topics.length}t`, ascending ? 'asc' : 'desc'];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };

  // Bounds are uint64 on the wire; stored timestamps are int64, so a bound past INT64_MAX is either
  // vacuous (end) or excludes everything (start).
  if (query.startTimeNs !== undefined && query.startTimeNs > 0n) {
    if (query.startTimeNs > INT64_MAX) return undefined;
    where.push(`timestamp_ns >= ${param(query.startTimeNs)}`);
    shape.push('start');
  }
  if (query.endTimeNs !== undefined && query.endTimeNs <= INT64_MAX) {
    if (query.endTimeNs < 0n) return undefined;
    where.push(`timestamp_ns <= ${param(query.endTimeNs)}`);
    shape.push('end');
  }

  // §1.5: with a sender time, strictly after (T, digest) in the query direction; with only a digest,
  // the digest alone decides (bytea order, as the reference node compares ids).
  const cursor = query.cursor;
  const after = ascending ? '>' : '<';
  if (cursor && cursor.senderTimeNs !== undefined) {
    const t = cursor.senderTimeNs;
    if (t > INT64_MAX || t < 0n) {
      // Every stored (timestamp, digest) is below a T past INT64_MAX and above a negative T.
      const nothingAfter = t > INT64_MAX === ascending;
      if (nothingAfter) return undefined;
    } else {
      where.push(`(timestamp_ns, digest) ${after} (${param(t)}, ${param(cursor.digest)})`);
      shape.push('cursor');
    }
  } else if (cursor) {
    where.push(`digest ${after} ${param(cursor.digest)}`);
    shape.push('digest');
  }

  const order = ascending ? 'ASC' : 'DESC';
  const limit = param(Math.floor(query.limit));
  const orderBy = `ORDER BY timestamp_ns ${order}, digest ${order} LIMIT ${limit}`;
  const branch = (topicParam: number): string =>
    `SELECT content_topic, timestamp_ns, message, digest FROM envelopes
     WHERE ${[`content_topic = $${topicParam}`, ...where].join(' AND ')} ${orderBy}`;
  // Several topics: one ordered index range scan per topic, merged (PostgreSQL plans a Merge Append)
  // and cut at the limit. `content_topic = ANY(...)` or a LATERAL over unnest() would instead read and
  // sort every row of every topic once the planner misjudges a topic's size.
  // Past MAX_MERGED_TOPICS the statement itself gets too big to plan quickly: filter and sort instead.
  const text = !perTopic
    ? `SELECT content_topic, timestamp_ns, message, digest FROM envelopes
       WHERE ${['content_topic = ANY($1::text[])', ...where].join(' AND ')} ${orderBy}`
    : topics.length === 1
      ? branch(1)
      : `SELECT * FROM (${topics.map((_, i) => `(${branch(i + 1)})`).join(' UNION ALL ')}) AS merged ${orderBy}`;
  // Few shapes are worth a named (per-connection, parse-once) statement; a long topic list is parsed each time.
  return topics.length <= MAX_PREPARED_TOPICS
    ? { name: `xmtp_query_${shape.join('_')}`, text, values }
    : { text, values };
}

/** The URL without its password, for logs and the start-up banner. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparseable URL';
  }
}
