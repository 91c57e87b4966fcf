-- Envelopes by digest = sha256(utf8(content_topic) ‖ message) (docs/protocol.md §1.5, §13.2).
-- A rowid table: messages can be up to 1 MiB, so rows stay out of the key b-trees.
CREATE TABLE envelopes (
  id INTEGER PRIMARY KEY,
  digest BLOB NOT NULL UNIQUE,
  content_topic TEXT NOT NULL,
  timestamp_ns INTEGER NOT NULL,
  message BLOB NOT NULL,
  received_at_ms INTEGER NOT NULL
);

-- Queries filter by topic and walk (timestamp, digest) in either direction (§1.5).
CREATE INDEX envelopes_topic_time ON envelopes (content_topic, timestamp_ns, digest);
