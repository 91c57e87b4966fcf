-- The topic index moves out of the envelopes table into a table of its own that is filled in bulk.
-- Measured on a 1,000,000-row store with single publishes to 1,000 topics (docs/operating-a-node.md "Storage"): each new
-- row's index entry landed on a different leaf page (one per active topic), so every row cost a 4 KiB
-- WAL frame of index on top of its share of the table's pages: half of the writer's time. Now rows are
-- only appended to `envelopes`; the writer indexes the rows above `indexed_through` together, sorted,
-- once there are enough of them (sqlite-write-session.ts), so one leaf takes many entries at once.
-- Queries read topic_index and the few rows above the mark (sqlite-tail.ts).
CREATE TABLE topic_index (
  topic_id INTEGER NOT NULL,
  timestamp_ns INTEGER NOT NULL,
  digest BLOB NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (topic_id, timestamp_ns, digest, id)
) WITHOUT ROWID;
INSERT INTO topic_index (topic_id, timestamp_ns, digest, id)
  SELECT topic_id, timestamp_ns, digest, id FROM envelopes ORDER BY topic_id, timestamp_ns, digest, id;
DROP INDEX envelopes_topic_time;

-- Every row with an id up to here has its topic_index entry; the rows above it have none yet.
CREATE TABLE topic_index_state (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  indexed_through INTEGER NOT NULL
);
INSERT INTO topic_index_state (only_row, indexed_through) SELECT 1, coalesce(max(id), 0) FROM envelopes;
