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
