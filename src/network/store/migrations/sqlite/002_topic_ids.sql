-- Topic ids, and no UNIQUE index on the digest. Measured per stored row over a 1,000,000-row store
-- (test/bench/_store-variants.ts): the random 32-byte UNIQUE key and the topic names repeated in the
-- query index were most of an insert's cost. Dedupe by digest (docs/protocol.md §1.5, §13.2) is now done by
-- the store in memory (src/network/store/digest-index.ts), checked against the row, so every writer must go through
-- SqliteStore. Row ids are kept: they are history-sync positions (src/network/sync).
CREATE TABLE topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
INSERT INTO topics (name) SELECT DISTINCT content_topic FROM envelopes ORDER BY content_topic;

CREATE TABLE envelopes_v2 (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL REFERENCES topics (id),
  timestamp_ns INTEGER NOT NULL,
  digest BLOB NOT NULL,
  message BLOB NOT NULL,
  received_at_ms INTEGER NOT NULL
);
INSERT INTO envelopes_v2 (id, topic_id, timestamp_ns, digest, message, received_at_ms)
  SELECT e.id, t.id, e.timestamp_ns, e.digest, e.message, e.received_at_ms
  FROM envelopes e JOIN topics t ON t.name = e.content_topic ORDER BY e.id;
DROP TABLE envelopes;
ALTER TABLE envelopes_v2 RENAME TO envelopes;

-- Queries filter by topic and walk (timestamp, digest) in either direction (§1.5). The index also
-- holds every (digest, rowid) pair, so the in-memory dedupe index is rebuilt from it, not the table.
CREATE INDEX envelopes_topic_time ON envelopes (topic_id, timestamp_ns, digest);
