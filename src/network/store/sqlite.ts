// The embedded default store: SQLite through better-sqlite3 (a publish is stored before its answer is
// written). Semantics: docs/protocol.md §1.5 and §13. Every write (digests, dedupe in memory, the insert
// transaction, the topic-index passes) runs in one writer thread, and WAL checkpoints in a second one
// (both sqlite-writer-thread.ts); this connection reads, and runs the migrations before they start.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { FIND_TOPIC_SQL, INDEX_BATCH_ROWS, MAX_ID_SQL, TOPIC_CACHE_LIMIT } from './sqlite-sql';
import { compareRows, UnindexedTail } from './sqlite-tail';
import { encodeBatch, SqliteCheckpointer, SqliteWriter, type SqliteWriterOptions } from './sqlite-writer';
import type { EnvelopeStore, NewEnvelope, ScanPage, StoredEnvelope, StoreQuery } from './store';

/** Nice value of the writer and checkpointer threads (Linux): the event loop comes first. */
const BACKGROUND_NICE = 10;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations', 'sqlite');

interface Row {
  topic_id: number;
  timestamp_ns: bigint;
  message: Buffer | null;
  digest: Buffer;
}

export interface SqliteStoreOptions {
  /**
   * `normal` (default) survives a killed process: WAL commits are in the OS page cache before
   * the publish is answered. `full` also fsyncs every commit, which survives power loss too.
   */
  synchronous?: 'normal' | 'full';
  /** Hears about long work at open: migrations of a database that holds envelopes. */
  progress?: (message: string) => void;
  /**
   * Unindexed rows that make the writer add them to the topic index in one pass (default
   * INDEX_BATCH_ROWS, sqlite-sql.ts); tests use a few rows so that queries cross the mark.
   */
  indexBatchRows?: number;
}

/**
 * Applies the numbered migrations in migrations/sqlite that are not yet in schema_migrations; `progress` hears
 * about each one applied to a database that already holds envelopes (002 rewrites the table: ~11 s per million).
 */
function migrate(db: Database.Database, progress?: (message: string) => void): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)');
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (applied.has(version)) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    const started = performance.now();
    const hasRows = applied.size > 0 && db.prepare('SELECT 1 FROM envelopes LIMIT 1').get() !== undefined;
    if (hasRows) progress?.(`applying store migration ${file.slice(0, -4)}…`);
    db.transaction(() => {
      db.exec(sql);
      record.run(version, file.slice(4, -4), Date.now());
    })();
    if (hasRows)
      progress?.(
        `store migration ${file.slice(0, -4)} done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
  }
}

/** "1,204 envelopes; digest index loaded in 2.1 s" (the time only when it is worth saying). */
function describeLoad(rows: number, seconds: number): string {
  return `${rows.toLocaleString('en-US')} envelopes${seconds >= 0.1 ? `; digest index loaded in ${seconds.toFixed(1)} s` : ''}`;
}

/** Prepared query shapes kept at once (see SqliteStore.queries). */
export const MAX_QUERY_STATEMENTS = 256;

export class SqliteStore implements EnvelopeStore {
  description: string;
  private readonly db: Database.Database;
  // Query statements differ by shape (topic count, bounds, cursor kind, direction); each shape is prepared
  // once and kept, up to MAX_QUERY_STATEMENTS: the topic count is the client's choice (up to 10,000), so the
  // oldest shape is dropped to make room rather than letting a stranger fill memory with statements.
  private readonly queries = new Map<string, Database.Statement>();
  /** How many query shapes are prepared now (bounded by MAX_QUERY_STATEMENTS; the tests read it). */
  get preparedQueryCount(): number {
    return this.queries.size;
  }
  private scanStatement: Database.Statement | undefined;
  private scanWithoutDigests: Database.Statement | undefined;
  // Replaced by a new thread if it dies (it reloads the digest index, so dedupe stays exact).
  private writer: SqliteWriter;
  private readonly writerOptions: SqliteWriterOptions;
  private readonly checkpointer: SqliteCheckpointer;
  private readonly maxId: Database.Statement;
  private readonly topicIdOf: Database.Statement;
  private readonly topicIds = new Map<string, number>();
  private readonly topicNameOf: Database.Statement;
  private readonly topicNames = new Map<number, string>();
  private readonly tail: UnindexedTail;
  private readonly messageAt: Database.Statement;
  /** Runs a query in one read transaction: topic_index, the table and the index mark as one snapshot. */
  private readonly snapshot: <T>(read: () => T) => T;
  // Inserts under way, and who waits for them all (close).
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  /** Resolves once the store takes writes at full speed (the writer thread has loaded its digest index). */
  readonly ready: Promise<void>;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    // The writer thread opens the database by its path: an in-memory database could not be shared with it.
    if (path === '' || path === ':memory:' || path.startsWith('file:')) {
      throw new Error(
        `the SQLite store needs a file path (the writer thread opens it too): ${path || '(empty)'}`,
      );
    }
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    const synchronous = options.synchronous === 'full' ? 'FULL' : 'NORMAL';
    this.db.pragma(`synchronous = ${synchronous}`);
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, options.progress);
    // 64 MiB of WAL before a commit checkpoints by itself (only if the writer's checkpoints fall behind);
    // the file is trimmed back to that size after a checkpoint.
    const walPragmas = ['wal_autocheckpoint = 16384', `journal_size_limit = ${64 * 1024 * 1024}`];
    for (const pragma of walPragmas) this.db.pragma(pragma);
    // Started after the migrations, so the writer never sees an old schema.
    this.writerOptions = {
      path,
      synchronous,
      // 64 MiB of page cache instead of 2: the upper levels of the table and the topic index stay in
      // memory instead of being re-read.
      pragmas: [...walPragmas, 'cache_size = -65536'],
      indexBatchRows: options.indexBatchRows ?? INDEX_BATCH_ROWS,
      nice: BACKGROUND_NICE,
    };
    this.writer = new SqliteWriter(this.writerOptions);
    this.checkpointer = new SqliteCheckpointer({ path, nice: BACKGROUND_NICE, intervalMs: 200 });

    this.topicIdOf = this.db.prepare(FIND_TOPIC_SQL).pluck(true);
    this.topicNameOf = this.db.prepare('SELECT name FROM topics WHERE id = ?').pluck(true);
    this.maxId = this.db.prepare(MAX_ID_SQL).pluck(true);
    this.tail = new UnindexedTail(this.db);
    this.messageAt = this.db.prepare('SELECT message FROM envelopes WHERE id = ?').pluck(true);
    const inTransaction = this.db.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T): T => inTransaction(read) as T;
    const where = `SQLite at ${path}`;
    this.description = `${where} (${(this.maxId.get() as number).toLocaleString('en-US')} envelopes)`;
    this.ready = this.writer.ready.then((loaded) => {
      this.description = `${where} (${describeLoad(loaded.rows, loaded.seconds)})`;
    });
  }

  async insert(envelopes: NewEnvelope[]): Promise<boolean[]> {
    if (envelopes.length === 0) return [];
    if (!this.db.open) throw new Error('the SQLite store is closed');
    const batch = encodeBatch(envelopes);
    this.inFlight++;
    try {
      // A thread that died (its batches in flight rejected: committed or not, a retry comes out as
      // duplicates) is replaced before the next batch.
      if (!this.writer.alive && !this.closing) this.writer = new SqliteWriter(this.writerOptions);
      const flags = await this.writer.write(batch);
      return Array.from(flags, (f) => f === 1);
    } finally {
      if (--this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** The id of a topic already stored (ids never change, so they are cached). */
  private topicId(name: string): number | undefined {
    let id = this.topicIds.get(name);
    if (id === undefined) {
      id = this.topicIdOf.get(name) as number | undefined;
      if (id === undefined) return undefined;
      if (this.topicIds.size >= TOPIC_CACHE_LIMIT) this.topicIds.clear();
      this.topicIds.set(name, id);
    }
    return id;
  }

  async query(q: StoreQuery): Promise<StoredEnvelope[]> {
    // Topics never stored have no id and no envelopes.
    const names = new Map<number, string>();
    for (const name of q.contentTopics) {
      const id = this.topicId(name);
      if (id !== undefined) names.set(id, name);
    }
    if (names.size === 0) return [];
    const cursorKind = !q.cursor ? 'n' : q.cursor.senderTimeNs !== undefined ? 't' : 'd';
    const asc = q.direction === 'ascending';
    const key = `${names.size}|${q.startTimeNs !== undefined}|${q.endTimeNs !== undefined}|${cursorKind}|${asc}`;
    let statement = this.queries.get(key);
    if (!statement) {
      statement = this.prepareQuery(names.size, q, cursorKind, asc);
      if (this.queries.size >= MAX_QUERY_STATEMENTS) this.queries.delete(this.queries.keys().next().value!);
      this.queries.set(key, statement);
    }
    const params: unknown[] = [...names.keys()];
    if (q.startTimeNs !== undefined) params.push(q.startTimeNs);
    if (q.endTimeNs !== undefined) params.push(q.endTimeNs);
    if (q.cursor) {
      if (q.cursor.senderTimeNs !== undefined) params.push(q.cursor.senderTimeNs);
      params.push(q.cursor.digest);
    }
    params.push(q.limit);
    return this.snapshot(() => {
      this.tail.sync();
      const indexed = (statement.all(...params) as Row[]).map((r) => ({
        contentTopic: names.get(Number(r.topic_id))!,
        timestampNs: r.timestamp_ns,
        message: r.message ?? new Uint8Array(0),
        digest: r.digest,
      }));
      const unindexed = this.tail.select(names.keys(), {
        startTimeNs: q.startTimeNs,
        endTimeNs: q.endTimeNs,
        after:
          q.cursor?.senderTimeNs !== undefined
            ? { timestampNs: q.cursor.senderTimeNs, digest: q.cursor.digest }
            : undefined,
        afterDigest: q.cursor && q.cursor.senderTimeNs === undefined ? q.cursor.digest : undefined,
        ascending: asc,
        limit: q.limit,
      });
      if (unindexed.length === 0) return indexed;
      const fromTail = unindexed.map((r) => ({
        contentTopic: names.get(r.topicId)!,
        timestampNs: r.timestampNs,
        message: (this.messageAt.get(r.id) as Buffer | null) ?? new Uint8Array(0),
        digest: r.digest,
      }));
      const sign = asc ? 1 : -1;
      return [...indexed, ...fromTail].sort((a, b) => compareRows(a, b) * sign).slice(0, q.limit);
    });
  }

  /**
   * Insertion order is the rowid: writes are serialised and rows are never deleted, so a new row
   * always gets a larger id than every row already visible (history sync, src/network/sync).
   */
  async scan(after: string | undefined, limit: number): Promise<ScanPage>;
  async scan(
    after: string | undefined,
    limit: number,
    options: { digests: false },
  ): Promise<ScanPage<NewEnvelope>>;
  async scan(
    after: string | undefined,
    limit: number,
    options?: { digests: false },
  ): Promise<ScanPage<NewEnvelope>> {
    // Rows as arrays and topic names from a cache instead of a join: a catch-up reads every row of the
    // store through here, and a row object and a topic string each per row were most of the scan's time.
    const prepare = (columns: string): Database.Statement =>
      this.db
        .prepare(`SELECT ${columns} FROM envelopes WHERE id > ? ORDER BY id LIMIT ?`)
        .safeIntegers(true)
        .raw(true);
    const statement = options
      ? (this.scanWithoutDigests ??= prepare('id, topic_id, timestamp_ns, message'))
      : (this.scanStatement ??= prepare('id, topic_id, timestamp_ns, message, digest'));
    let from = after === undefined || !/^\d+$/.test(after) ? 0n : BigInt(after);
    let restarted = false;
    if (from > 0n) {
      const last = BigInt(this.maxId.get() as number);
      if (from > last) {
        from = 0n;
        restarted = true;
      }
    }
    const rows = statement.all(from, limit) as [bigint, bigint, bigint, Buffer | null, Buffer][];
    // One object shape per call (a digest that is sometimes there would make every row's shape vary).
    const envelopes: NewEnvelope[] = options
      ? rows.map(([, topicId, timestampNs, message]) => ({
          contentTopic: this.topicName(Number(topicId)),
          timestampNs,
          message: message ?? new Uint8Array(0),
        }))
      : rows.map(([, topicId, timestampNs, message, digest]) => ({
          contentTopic: this.topicName(Number(topicId)),
          timestampNs,
          message: message ?? new Uint8Array(0),
          digest,
        }));
    const lastRow = rows[rows.length - 1];
    return { envelopes, position: String(lastRow ? lastRow[0] : from), restarted };
  }

  /** The name of a stored topic by its id (ids never change, so names are cached like the ids). */
  private topicName(id: number): string {
    let name = this.topicNames.get(id);
    if (name === undefined) {
      name = this.topicNameOf.get(id) as string | undefined;
      if (name === undefined) throw new Error(`the SQLite store has a row of an unknown topic id ${id}`);
      if (this.topicNames.size >= TOPIC_CACHE_LIMIT) this.topicNames.clear();
      this.topicNames.set(id, name);
    }
    return name;
  }

  private prepareQuery(topics: number, q: StoreQuery, cursorKind: string, asc: boolean): Database.Statement {
    const where = [`i.topic_id IN (${new Array(topics).fill('?').join(',')})`];
    if (q.startTimeNs !== undefined) where.push('i.timestamp_ns >= ?');
    if (q.endTimeNs !== undefined) where.push('i.timestamp_ns <= ?');
    const op = asc ? '>' : '<';
    // Strictly after the cursor in (timestamp, digest) order; with only a digest, the digest
    // alone decides, as in the reference node (§1.5). BLOBs compare with memcmp, like bytea.
    if (cursorKind === 't') where.push(`(i.timestamp_ns, i.digest) ${op} (?, ?)`);
    if (cursorKind === 'd') where.push(`i.digest ${op} ?`);
    const dir = asc ? 'ASC' : 'DESC';
    // The indexed rows; sqlite-tail.ts adds the rest.
    const sql = `SELECT i.topic_id, i.timestamp_ns, e.message, i.digest FROM topic_index i
      JOIN envelopes e ON e.id = i.id
      WHERE ${where.join(' AND ')} ORDER BY i.timestamp_ns ${dir}, i.digest ${dir} LIMIT ?`;
    return this.db.prepare(sql).safeIntegers(true);
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.db.open) return;
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
      await this.writer.close();
      await this.checkpointer.close();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    })();
    return this.closing;
  }
}
