// The embedded default store: SQLite through better-sqlite3 (synchronous, so a publish is
// stored before its answer is written). Semantics: protocol.md §1.5 and §13.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { SqliteWriter } from './sqlite-writer';
import type { EnvelopeStore, ScanPage, StoredEnvelope, StoreQuery } from './store';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations', 'sqlite');

interface Row {
  content_topic: string;
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
}

const INSERT_SQL = `INSERT INTO envelopes (digest, content_topic, timestamp_ns, message, received_at_ms)
  VALUES (?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING`;

/** Applies the numbered migrations in migrations/sqlite that are not yet in schema_migrations. */
function migrate(db: Database.Database): void {
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
    db.transaction(() => {
      db.exec(sql);
      record.run(version, file.slice(4, -4), Date.now());
    })();
  }
}

export class SqliteStore implements EnvelopeStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly insertOne: Database.Statement;
  private readonly insertMany: (envelopes: StoredEnvelope[]) => boolean[];
  // Query statements differ by shape (topic count, bounds, cursor kind, direction); each shape
  // is prepared once.
  private readonly queries = new Map<string, Database.Statement>();
  private scanStatement: Database.Statement | undefined;
  private readonly checkpointer: SqliteCheckpointer | undefined;
  private readonly writer: SqliteWriter | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
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
        sql: INSERT_SQL,
        synchronous: options.synchronous === 'full' ? 'FULL' : 'NORMAL',
        // 64 MiB of page cache instead of 2: every insert walks two random-key indexes, whose
        // upper levels then stay in memory instead of being re-read (~10 % less CPU per row at
        // 1,000,000 envelopes).
        pragmas: [...pragmas, 'cache_size = -65536'],
      });
    }
    this.description = path === ':memory:' ? 'SQLite in memory' : `SQLite at ${path}`;
    this.insertOne = this.db.prepare(INSERT_SQL);
    this.insertMany = this.db.transaction((envelopes: StoredEnvelope[]) => {
      const now = Date.now();
      return envelopes.map(
        (e) => this.insertOne.run(e.digest, e.contentTopic, e.timestampNs, e.message, now).changes === 1,
      );
    });
  }

  async insert(envelopes: StoredEnvelope[]): Promise<boolean[]> {
    if (envelopes.length === 0) return [];
    if (this.writer?.alive) return this.writer.insert(envelopes);
    return this.insertMany(envelopes);
  }

  async query(q: StoreQuery): Promise<StoredEnvelope[]> {
    const cursorKind = !q.cursor ? 'n' : q.cursor.senderTimeNs !== undefined ? 't' : 'd';
    const asc = q.direction === 'ascending';
    const key = `${q.contentTopics.length}|${q.startTimeNs !== undefined}|${q.endTimeNs !== undefined}|${cursorKind}|${asc}`;
    let statement = this.queries.get(key);
    if (!statement) {
      statement = this.prepareQuery(q.contentTopics.length, q, cursorKind, asc);
      this.queries.set(key, statement);
    }
    const params: unknown[] = [...q.contentTopics];
    if (q.startTimeNs !== undefined) params.push(q.startTimeNs);
    if (q.endTimeNs !== undefined) params.push(q.endTimeNs);
    if (q.cursor) {
      if (q.cursor.senderTimeNs !== undefined) params.push(q.cursor.senderTimeNs);
      params.push(q.cursor.digest);
    }
    params.push(q.limit);
    const rows = statement.all(...params) as Row[];
    return rows.map((r) => ({
      contentTopic: r.content_topic,
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
        `SELECT id, content_topic, timestamp_ns, message, digest FROM envelopes WHERE id > ? ORDER BY id LIMIT ?`,
      )
      .safeIntegers(true);
    let from = after === undefined || !/^\d+$/.test(after) ? 0n : BigInt(after);
    let restarted = false;
    if (from > 0n) {
      const last = this.db.prepare('SELECT max(id) AS id FROM envelopes').safeIntegers(true).get() as {
        id: bigint | null;
      };
      if (from > (last.id ?? 0n)) {
        from = 0n;
        restarted = true;
      }
    }
    const rows = this.scanStatement.all(from, limit) as (Row & { id: bigint })[];
    const envelopes = rows.map((r) => ({
      contentTopic: r.content_topic,
      timestampNs: r.timestamp_ns,
      message: r.message ?? new Uint8Array(0),
      digest: r.digest,
    }));
    const lastRow = rows[rows.length - 1];
    return { envelopes, position: String(lastRow ? lastRow.id : from), restarted };
  }

  private prepareQuery(topics: number, q: StoreQuery, cursorKind: string, asc: boolean): Database.Statement {
    const where = [`content_topic IN (${new Array(topics).fill('?').join(',')})`];
    if (q.startTimeNs !== undefined) where.push('timestamp_ns >= ?');
    if (q.endTimeNs !== undefined) where.push('timestamp_ns <= ?');
    const op = asc ? '>' : '<';
    // Strictly after the cursor in (timestamp, digest) order; with only a digest, the digest
    // alone decides, as in the reference node (§1.5). BLOBs compare with memcmp, like bytea.
    if (cursorKind === 't') where.push(`(timestamp_ns, digest) ${op} (?, ?)`);
    if (cursorKind === 'd') where.push(`digest ${op} ?`);
    const dir = asc ? 'ASC' : 'DESC';
    const sql = `SELECT content_topic, timestamp_ns, message, digest FROM envelopes
      WHERE ${where.join(' AND ')} ORDER BY timestamp_ns ${dir}, digest ${dir} LIMIT ?`;
    return this.db.prepare(sql).safeIntegers(true);
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.db.open) return;
      await this.writer?.close();
      await this.checkpointer?.close();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    })();
    return this.closing;
  }
}
