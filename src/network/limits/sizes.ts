// Size limits of publish (docs/protocol.md §13.1).

/** Topic length in bytes. */
export const MAX_TOPIC_BYTES = 300;
/** 1 MiB libp2p message limit − 300 − 62. */
export const MAX_MESSAGE_BYTES = 1_048_214;
/**
 * Request body cap. The reference takes up to 50 MiB (its gRPC max receive size); a publish of one envelope of
 * the largest message is about 1.4 MiB of JSON (base64), so 2 MiB is enough for every real client and keeps a
 * stranger from making the node hold 50 MiB per connection. Configurable (`--max-body-bytes`).
 */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Topics in one query, one subscription request or one WebSocket (a clear 400 above). */
export const MAX_TOPICS_PER_REQUEST = 10_000;
/** Open WebSockets from one client IP; the next upgrade gets 429. */
export const DEFAULT_MAX_SOCKETS_PER_IP = 64;
/** Queries per batch-query (§13.5). */
export const MAX_BATCH_QUERIES = 50;
/** Rows per query (§1.5); a query whose only topic is a userpreferences topic may ask for 500. */
export const MAX_ROWS = 100;
export const MAX_USERPREFERENCES_ROWS = 500;
/** Largest int64: stored timestamps are int64 (SQLite integers, PostgreSQL bigint), the wire's are uint64. */
export const INT64_MAX = (1n << 63n) - 1n;
