// Size limits of publish (docs/protocol.md §13.1).

/** Topic length in bytes. */
export const MAX_TOPIC_BYTES = 300;
/** 1 MiB libp2p message limit − 300 − 62. */
export const MAX_MESSAGE_BYTES = 1_048_214;
/** Request body cap: the reference's gRPC max receive size (50 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;
/** Queries per batch-query (§13.5). */
export const MAX_BATCH_QUERIES = 50;
/** Rows per query (§1.5); a query whose only topic is a userpreferences topic may ask for 500. */
export const MAX_ROWS = 100;
export const MAX_USERPREFERENCES_ROWS = 500;
/** Largest int64: stored timestamps are int64 (SQLite integers, PostgreSQL bigint), the wire's are uint64. */
export const INT64_MAX = (1n << 63n) - 1n;
