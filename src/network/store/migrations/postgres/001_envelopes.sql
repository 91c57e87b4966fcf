-- Envelopes by topic (docs/protocol.md §1.5, §13). The digest sha256(utf8(content_topic) || message) is the
-- primary key, so a republished envelope is stored once whatever its timestamp.
CREATE TABLE envelopes (
  digest        bytea       PRIMARY KEY,
  content_topic text        NOT NULL,
  timestamp_ns  bigint      NOT NULL,
  message       bytea       NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now()
);

-- Every query filters on one topic and walks (timestamp_ns, digest) in either direction.
CREATE INDEX envelopes_topic_time_digest ON envelopes (content_topic, timestamp_ns, digest);
