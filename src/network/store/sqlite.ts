// The embedded default store: SQLite through better-sqlite3 (synchronous, so a publish is
// stored before its answer is written). Semantics: protocol.md §1.5 and §13. Envelopes are
// deduplicated by digest in memory (digest-index.ts) against what this store has seen of the
// database; a batch is written only if no other connection wrote meanwhile, else checked again.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DigestIndex, keyOf } from './digest-index';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { ADD_TOPIC_SQL, FIND_TOPIC_SQL, INSERT_SQL, MAX_ID_SQL, TOPIC_CACHE_LIMIT } from './sqlite-sql';
import { SqliteWriter, type WriteResult } from './sqlite-writer';
import type { EnvelopeStore, ScanPage, StoredEnvelope, StoreQuery } from './store';

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
  /** Checkpoint the WAL from a worker thread (default true for a file database). */
  checkpointWorker?: boolean;
  /** Run inserts in a writer thread, off the event loop (default true for a file database). */
  writerThread?: boolean;
  /** Hears about long work at open: migrations of a database that holds envelopes. */
  progress?: (message: string) => void;
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

export class SqliteStore implements EnvelopeStore {
  readonly description: string;
  private readonly db: Database.Database;
  // Query statements differ by shape (topic count, bounds, cursor kind, direction); each shape
  // is prepared once.
  private readonly queries = new Map<string, Database.Statement>();
  private scanStatement: Database.Statement | undefined;
  private readonly checkpointer: SqliteCheckpointer | undefined;
  private readonly writer: SqliteWriter | undefined;
  // What this store has seen of the database: every digest up to rowid `seenUpTo`.
  private readonly digests: DigestIndex;
  private seenUpTo = 0;
  private readonly rowsAfter: Database.Statement;
  private readonly allDigests: Database.Statement;
  private readonly digestAt: Database.Statement;
  private readonly maxId: Database.Statement;
  private readonly topicIdOf: Database.Statement;
  private readonly topicIds = new Map<string, number>();
  // Digest keys (keyOf) of the batches being written, with counts, and who waits for them all.
  private readonly writing = new Map<number, number>();
  private readonly waiters: (() => void)[] = [];
  private writeHere:
    ((envelopes: StoredEnvelope[], expect: number, rowids: Float64Array) => boolean) | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, options.progress);
    const pragmas: string[] = [];
    if (path !== ':memory:' && options.checkpointWorker !== false) {
      this.checkpointer = new SqliteCheckpointer(path);
      // 64 MiB of WAL before a commit checkpoints by itself (only if the worker falls behind);
      // the file is trimmed back to that size after a checkpoint.
      pragmas.push('wal_autocheckpoint = 16384', `journal_size_limit = ${64 * 1024 * 1024}`);
      for (const pragma of pragmas) this.db.pragma(pragma);
    }
    if (path !== ':memory:' && options.writerThread !== false) {
      // Opened after the migrations, so the writer never sees an old schema.
      this.writer = new SqliteWriter({
        path,
        synchronous: options.synchronous === 'full' ? 'FULL' : 'NORMAL',
        // 64 MiB of page cache instead of 2: the upper levels of the table and the topic index stay
        // in memory instead of being re-read.
        pragmas: [...pragmas, 'cache_size = -65536'],
      });
    }

    this.rowsAfter = this.db.prepare('SELECT id, digest FROM envelopes WHERE id > ?').raw(true);
    this.allDigests = this.db
      .prepare('SELECT id, digest FROM envelopes INDEXED BY envelopes_topic_time WHERE id > ?')
      .raw(true);
    this.digestAt = this.db.prepare('SELECT digest FROM envelopes WHERE id = ?').pluck(true);
    this.topicIdOf = this.db.prepare(FIND_TOPIC_SQL).pluck(true);
    this.maxId = this.db.prepare(MAX_ID_SQL).pluck(true);
    // Sized for the rows there are (ids count them: rows are never deleted) and half as many again, so
    // neither loading nor the next many publishes regrow it (a regrow copies the whole table).
    const rows = this.maxId.get() as number;
    this.digests = new DigestIndex(rows + Math.ceil(rows / 2));
    const loading = performance.now();
    this.catchUp();
    // The start-up banner says how much was loaded: ~1.8 s per million envelopes.
    const seconds = (performance.now() - loading) / 1000;
    const loaded = `${this.digests.size.toLocaleString('en-US')} envelopes${seconds >= 0.1 ? `; digest index loaded in ${seconds.toFixed(1)} s` : ''}`;
    this.description = path === ':memory:' ? 'SQLite in memory' : `SQLite at ${path} (${loaded})`;
  }

  async insert(envelopes: StoredEnvelope[]): Promise<boolean[]> {
    if (envelopes.length === 0) return [];
    const flags = new Array<boolean>(envelopes.length).fill(false);
    for (;;) {
      // A digest that a batch still being written also carries is new or not depending on how that
      // batch ends: wait for the writes in flight. (Otherwise batches overlap: the writer thread
      // takes the next one while the main thread answers the last.) Keys are digests' first four
      // bytes, so an unrelated digest may wait too, rarely.
      if (this.writing.size > 0 && envelopes.some((e) => this.writing.has(keyOf(e.digest)))) {
        await this.allWritten();
        continue;
      }
      const fresh: StoredEnvelope[] = [];
      const at: number[] = [];
      // A digest repeated inside the batch is new once, like consecutive inserts (§13.2).
      const inBatch = envelopes.length > 1 ? new Set<string>() : undefined;
      for (let i = 0; i < envelopes.length; i++) {
        const e = envelopes[i]!;
        if (this.digests.find(e.digest, this.readDigest) !== undefined) continue;
        if (inBatch) {
          const key = Buffer.from(e.digest.buffer, e.digest.byteOffset, e.digest.byteLength).toString(
            'latin1',
          );
          if (inBatch.has(key)) continue;
          inBatch.add(key);
        }
        fresh.push(e);
        at.push(i);
      }
      if (fresh.length === 0) return flags;
      for (const e of fresh) {
        const key = keyOf(e.digest);
        this.writing.set(key, (this.writing.get(key) ?? 0) + 1);
      }
      let rowids: WriteResult;
      try {
        rowids = await this.write(fresh);
        if (rowids !== 'stale') {
          for (let j = 0; j < fresh.length; j++) {
            this.digests.add(fresh[j]!.digest, rowids[j]!);
            flags[at[j]!] = true;
          }
          this.seenUpTo = Math.max(this.seenUpTo, rowids[fresh.length - 1]!);
        }
      } finally {
        for (const e of fresh) {
          const key = keyOf(e.digest);
          const left = this.writing.get(key)! - 1;
          if (left === 0) this.writing.delete(key);
          else this.writing.set(key, left);
        }
        if (this.writing.size === 0) for (const wake of this.waiters.splice(0)) wake();
      }
      if (rowids !== 'stale') return flags;
      this.catchUp();
    }
  }

  private allWritten(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async write(envelopes: StoredEnvelope[]): Promise<WriteResult> {
    for (const e of envelopes) {
      if (e.digest.length !== 32) throw new RangeError(`digest must be 32 bytes, got ${e.digest.length}`);
    }
    if (this.writer?.alive) {
      try {
        return await this.writer.insert(envelopes, this.seenUpTo);
      } catch (error) {
        // The thread died with the batch in flight (it may or may not have committed): write here,
        // where a committed batch shows up as 'stale' and is checked again.
        if (this.writer.alive) throw error;
      }
    }
    this.writeHere ??= this.prepareWriteHere();
    const rowids = new Float64Array(envelopes.length);
    return this.writeHere(envelopes, this.seenUpTo, rowids) ? rowids : 'stale';
  }

  /** The writer thread's transaction, on this connection (no thread, or the thread died). */
  private prepareWriteHere(): (envelopes: StoredEnvelope[], expect: number, rowids: Float64Array) => boolean {
    const addTopic = this.db.prepare(ADD_TOPIC_SQL);
    const insert = this.db.prepare(INSERT_SQL);
    const transaction = this.db.transaction(
      (envelopes: StoredEnvelope[], expect: number, rowids: Float64Array) => {
        if (this.maxId.get() !== expect) return false;
        const now = Date.now();
        envelopes.forEach((e, i) => {
          const topicId =
            this.topicId(e.contentTopic) ?? Number(addTopic.run(e.contentTopic).lastInsertRowid);
          rowids[i] = Number(insert.run(topicId, e.timestampNs, e.digest, e.message, now).lastInsertRowid);
        });
        return true;
      },
    );
    return (envelopes, expect, rowids) => {
      try {
        return transaction.immediate(envelopes, expect, rowids);
      } catch (error) {
        // Topics added by the rolled-back transaction may have been cached.
        this.topicIds.clear();
        throw error;
      }
    };
  }

  private readonly readDigest = (rowid: number): Uint8Array | undefined =>
    this.digestAt.get(rowid) as Buffer | undefined;

  /**
   * Adds the digests of rows written after `seenUpTo` (by anyone) to the dedupe index. At open, all
   * of them, read from the topic index (which holds every digest and rowid) rather than the table.
   */
  private catchUp(): void {
    const rows = this.seenUpTo === 0 ? this.allDigests : this.rowsAfter;
    for (const [id, digest] of rows.iterate(this.seenUpTo) as Iterable<[number, Buffer]>) {
      this.digests.add(digest, id);
      if (id > this.seenUpTo) this.seenUpTo = id;
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
    const rows = statement.all(...params) as Row[];
    return rows.map((r) => ({
      contentTopic: names.get(Number(r.topic_id))!,
      timestampNs: r.timestamp_ns,
      message: r.message ?? new Uint8Array(0),
      digest: r.digest,
    }));
  }

  /**
   * Insertion order is the rowid: writes are serialised and rows are never deleted, so a new row
   * always gets a larger id than every row already visible (history sync, src/network/sync).
   */
  async scan(after: string | undefined, limit: number): Promise<ScanPage> {
    this.scanStatement ??= this.db
      .prepare(
        `SELECT e.id, t.name, e.timestamp_ns, e.message, e.digest FROM envelopes e
         JOIN topics t ON t.id = e.topic_id WHERE e.id > ? ORDER BY e.id LIMIT ?`,
      )
      .safeIntegers(true);
    let from = after === undefined || !/^\d+$/.test(after) ? 0n : BigInt(after);
    let restarted = false;
    if (from > 0n) {
      const last = BigInt(this.maxId.get() as number);
      if (from > last) {
        from = 0n;
        restarted = true;
      }
    }
    const rows = this.scanStatement.all(from, limit) as {
      id: bigint;
      name: string;
      timestamp_ns: bigint;
      message: Buffer | null;
      digest: Buffer;
    }[];
    const envelopes = rows.map((r) => ({
      contentTopic: r.name,
      timestampNs: r.timestamp_ns,
      message: r.message ?? new Uint8Array(0),
      digest: r.digest,
    }));
    const lastRow = rows[rows.length - 1];
    return { envelopes, position: String(lastRow ? lastRow.id : from), restarted };
  }

  private prepareQuery(topics: number, q: StoreQuery, cursorKind: string, asc: boolean): Database.Statement {
    const where = [`topic_id IN (${new Array(topics).fill('?').join(',')})`];
    if (q.startTimeNs !== undefined) where.push('timestamp_ns >= ?');
    if (q.endTimeNs !== undefined) where.push('timestamp_ns <= ?');
    const op = asc ? '>' : '<';
    // Strictly after the cursor in (timestamp, digest) order; with only a digest, the digest
    // alone decides, as in the reference node (§1.5). BLOBs compare with memcmp, like bytea.
    if (cursorKind === 't') where.push(`(timestamp_ns, digest) ${op} (?, ?)`);
    if (cursorKind === 'd') where.push(`digest ${op} ?`);
    const dir = asc ? 'ASC' : 'DESC';
    const sql = `SELECT topic_id, timestamp_ns, message, digest FROM envelopes
      WHERE ${where.join(' AND ')} ORDER BY timestamp_ns ${dir}, digest ${dir} LIMIT ?`;
    return this.db.prepare(sql).safeIntegers(true);
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.db.open) return;
      if (this.writing.size > 0) await this.allWritten();
      await this.writer?.close();
      await this.checkpointer?.close();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    })();
    return this.closing;
  }
}
