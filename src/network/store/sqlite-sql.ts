// The SQLite store's write statements, shared by the writer thread (sqlite-writer.ts) and the store's
// own connection (sqlite.ts), which writes when there is no writer thread. Schema: migrations/sqlite.
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

// The topic index in passes (migrations/sqlite/003, sqlite-write-session.cjs: openTopicIndexer).
export const INDEX_STATE_SQL = 'SELECT indexed_through, pass_through, pass_topic FROM topic_index_state';
export const SET_INDEX_STATE_SQL =
  'UPDATE topic_index_state SET indexed_through = ?, pass_through = ?, pass_topic = ?';
/** A pass's rows (from < id <= to, from topic on), sorted so that each leaf page of the index is written once. */
export const PASS_ROWS_SQL = `SELECT topic_id, timestamp_ns, digest, id FROM envelopes
  WHERE id > ? AND id <= ? AND topic_id >= ? ORDER BY topic_id, timestamp_ns, digest, id`;
export const ADD_INDEX_ENTRY_SQL =
  'INSERT INTO topic_index (topic_id, timestamp_ns, digest, id) VALUES (?, ?, ?, ?)';
/**
 * Unindexed rows that start a pass. More rows per pass write fewer index pages per row (about one per
 * active topic and pass), and every query looks through the unindexed rows of its topics in memory
 * (sqlite-tail.ts). Measured on a 1,000,000-row store under single publishes to 1,000 topics (README
 * "Storage"): writer CPU per row 19 µs with passes of 8,192 rows, 17.6–17.9 with 16,384 and 15 with 32,768
 * (25 µs when every insert updated the index).
 */
export const INDEX_BATCH_ROWS = 16_384;
/**
 * Rows per step of a pass (rounded up to a whole topic): one transaction each, with publishes written in
 * between, so a pass holds the writer for a few ms at a time instead of ~60 ms.
 */
export const INDEX_STEP_ROWS = 2_048;
