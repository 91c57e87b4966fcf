// The SQLite store's statements shared by the writer thread (sqlite-write-session.ts), the store's reading
// connection (sqlite.ts, sqlite-tail.ts) and the benchmarks. Schema: migrations/sqlite.
export const MAX_ID_SQL = 'SELECT coalesce(max(id), 0) FROM envelopes';
export const FIND_TOPIC_SQL = 'SELECT id FROM topics WHERE name = ?';
export const ADD_TOPIC_SQL = 'INSERT INTO topics (name) VALUES (?)';
export const INSERT_SQL = `INSERT INTO envelopes (topic_id, timestamp_ns, digest, message, received_at_ms)
  VALUES (?, ?, ?, ?, ?)`;
/**
 * Bound on the topic-id caches (writer thread and store): ids never change, so any entry stays right; the
 * bound only keeps memory flat on a node that sees millions of topics.
 */
export const TOPIC_CACHE_LIMIT = 100_000;

// The deferred topic index (migrations/sqlite/003): rows above `indexed_through` are not in topic_index yet.
export const INDEXED_THROUGH_SQL = 'SELECT indexed_through FROM topic_index_state';
/** Indexes the rows with from < id <= to, sorted so that each leaf page of the index is written once. */
export const INDEX_ROWS_SQL = `INSERT INTO topic_index (topic_id, timestamp_ns, digest, id)
  SELECT topic_id, timestamp_ns, digest, id FROM envelopes WHERE id > ? AND id <= ?
  ORDER BY topic_id, timestamp_ns, digest, id`;
export const SET_INDEXED_THROUGH_SQL = 'UPDATE topic_index_state SET indexed_through = ?';
/**
 * Unindexed rows that make the writer index them (one transaction). More rows per pass write fewer index
 * pages per row (about one per active topic and pass) but hold the writer longer, and every query looks
 * through the unindexed rows of its topics in memory (sqlite-tail.ts). Measured on a 1,000,000-row store
 * under single publishes to 1,000 topics (docs/operating-a-node.md "Storage"): a pass of 8,192 rows takes ~45 ms, 16,384
 * ~60 ms and 32,768 ~85 ms; writer CPU per row was 19 µs at 8,192 and 15 µs at 32,768 (25 µs when
 * every insert updated the index).
 */
export const INDEX_BATCH_ROWS = 16_384;
