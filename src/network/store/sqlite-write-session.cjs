// The SQLite store's write path: digests, dedupe and the insert transaction, on one connection.
// It runs in the store's writer thread (sqlite-writer.ts) and, when there is no thread, on the store's
// own connection (sqlite.ts): one implementation for both. Plain CommonJS, so a worker started with
// `eval` can require it the same way under tsx, vitest and node; types in sqlite-write-session.d.cts.
//
// Envelopes are deduplicated by digest (docs/protocol.md §1.5, §13.2) in memory. A UNIQUE index on 32 random
// bytes made every insert walk and dirty a random page of a large B-tree, the biggest part of a stored
// publish's cost (docs/benchmarks.md "Node benchmark"). The digest index is an open-addressing table that maps a
// digest to the rowids whose digest starts the same way, 8 bytes per slot: a hit is confirmed against the
// stored row, so the table may be wrong only towards "maybe" and never drops a new envelope. It is
// rebuilt from the database when the session opens (~2 s per million envelopes). Other connections may
// write the database too: each transaction first reads the rows written since this session last looked
// (it holds the write lock, so nothing can slip in between), so dedupe stays exact.
//
// The session also keeps the topic index (migrations/sqlite/003): once `indexBatchRows` rows are above
// `indexed_through`, `indexIfDue` adds their entries to topic_index in one sorted pass.
'use strict';
const nodeCrypto = require('node:crypto');

const EMPTY = 0; // rowids start at 1

/** A digest's first four bytes as a number: its key in the index. */
function keyOf(digest) {
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}

function sameBytes(a, b) {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class DigestIndex {
  // Slot i holds the digest's first 4 bytes (its key; the low bits pick the first slot to probe) and a
  // rowid (0 = empty). A key match is confirmed against the row; different digests sharing a key
  // (about one lookup in 4,000 at 1,000,000 envelopes) cost one extra row read.
  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.rowids = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
  }

  find(digest, digestOf) {
    const key = keyOf(digest);
    for (let slot = key & this.mask; ; slot = (slot + 1) & this.mask) {
      const rowid = this.rowids[slot];
      if (rowid === EMPTY) return undefined;
      if (this.keys[slot] === key && sameBytes(digestOf(rowid), digest)) return rowid;
    }
  }

  add(digest, rowid) {
    if (!Number.isSafeInteger(rowid) || rowid < 1 || rowid > 0xffffffff) {
      throw new RangeError(`rowid ${rowid} does not fit the digest index (1..2^32-1)`);
    }
    if ((this.size + 1) * 2 > this.rowids.length) this.grow();
    this.place(keyOf(digest), rowid);
    this.size++;
  }

  place(key, rowid) {
    let slot = key & this.mask;
    while (this.rowids[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.keys[slot] = key;
    this.rowids[slot] = rowid;
  }

  grow() {
    const keys = this.keys;
    const rowids = this.rowids;
    this.keys = new Uint32Array(keys.length * 2);
    this.rowids = new Uint32Array(rowids.length * 2);
    this.mask = this.rowids.length - 1;
    for (let slot = 0; slot < rowids.length; slot++) {
      if (rowids[slot] !== EMPTY) this.place(keys[slot], rowids[slot]);
    }
  }
}

// crypto.hash (Node 20.12+, 21.7+) hashes in one call, cheaper than a Hash object for small inputs.
const sha256 = nodeCrypto.hash
  ? (bytes) => nodeCrypto.hash('sha256', bytes, 'buffer')
  : (bytes) => nodeCrypto.createHash('sha256').update(bytes).digest();

/**
 * The topic-index pass on one connection (migrations/sqlite/003): adds the entries of every row above
 * `indexed_through` in one IMMEDIATE transaction, sorted so that each leaf page is written once.
 */
function openIndexPass(db, sql) {
  const indexedThrough = db.prepare(sql.indexedThrough).pluck();
  const maxId = db.prepare(sql.maxId).pluck();
  const indexRows = db.prepare(sql.indexRows);
  const setIndexedThrough = db.prepare(sql.setIndexedThrough);
  // The mark as this connection last read or moved it (other connections index too).
  let through = 0;
  const pass = db.transaction(() => {
    const from = indexedThrough.get();
    const to = maxId.get();
    if (to > from) {
      indexRows.run(from, to);
      setIndexedThrough.run(to);
    }
    through = to;
  });
  return {
    get through() {
      return through;
    },
    read() {
      through = indexedThrough.get();
      return through;
    },
    run() {
      pass.immediate();
    },
  };
}

function openWriteSession(db, options) {
  const { sql, topicCacheLimit } = options;
  if (!(options.indexBatchRows >= 1)) throw new RangeError('indexBatchRows must be at least 1');
  const maxId = db.prepare(sql.maxId).pluck();
  const findTopic = db.prepare(sql.findTopic).pluck();
  const addTopic = db.prepare(sql.addTopic);
  const insert = db.prepare(sql.insert);
  const rowsAfter = db.prepare('SELECT id, digest FROM envelopes WHERE id > ?').raw(true);
  // At open, every digest: read from the topic index, which holds them with their rowids and is smaller
  // than the table, and from the rows not indexed yet.
  const indexedDigests = db.prepare('SELECT id, digest FROM topic_index').raw(true);
  const indexPass = openIndexPass(db, sql);
  const digestAt = db.prepare('SELECT digest FROM envelopes WHERE id = ?').pluck(true);
  const readDigest = (rowid) => digestAt.get(rowid);

  const started = performance.now();
  const rows = maxId.get();
  // Sized for the rows there are (ids count them: rows are never deleted) and half as many again, so
  // neither loading nor the next many publishes regrow it (a regrow copies the whole table).
  const index = new DigestIndex(rows + Math.ceil(rows / 2));
  // Every digest up to this rowid is in the index.
  let seenUpTo = 0;
  const catchUp = () => {
    for (const [id, digest] of rowsAfter.iterate(seenUpTo)) {
      index.add(digest, id);
      if (id > seenUpTo) seenUpTo = id;
    }
  };
  db.transaction(() => {
    seenUpTo = indexPass.read();
    for (const [id, digest] of indexedDigests.iterate()) index.add(digest, id);
    catchUp();
  })();
  const loadSeconds = (performance.now() - started) / 1000;

  // Topic ids never change once given, so they are cached (bounded); a rolled-back batch may have added
  // topics, so a failure clears the cache.
  const topicIds = new Map();
  const topicId = (name) => {
    let id = topicIds.get(name);
    if (id === undefined) {
      id = findTopic.get(name) ?? Number(addTopic.run(name).lastInsertRowid);
      if (topicIds.size >= topicCacheLimit) topicIds.clear();
      topicIds.set(name, id);
    }
    return id;
  };

  // (digest, rowid) pairs written by the open transaction: indexed once it commits.
  const written = [];
  const transaction = db.transaction((blob, ends, timestamps, flags) => {
    if (maxId.get() !== seenUpTo) catchUp();
    const now = Date.now();
    // A digest repeated inside the batch is new once, like consecutive inserts (§13.2).
    const inBatch = timestamps.length > 1 ? new Set() : undefined;
    let from = 0;
    for (let i = 0; i < timestamps.length; i++) {
      const topicEnd = ends[2 * i];
      const end = ends[2 * i + 1];
      // topic ‖ message lie side by side in the blob: the digest's input as is.
      const digest = sha256(blob.subarray(from, end));
      const start = from;
      from = end;
      if (index.find(digest, readDigest) !== undefined) continue;
      if (inBatch) {
        const key = digest.toString('latin1');
        if (inBatch.has(key)) continue;
        inBatch.add(key);
      }
      const topic = blob.toString('utf8', start, topicEnd);
      const result = insert.run(topicId(topic), timestamps[i], digest, blob.subarray(topicEnd, end), now);
      written.push(digest, Number(result.lastInsertRowid));
      flags[i] = 1;
    }
  });

  return {
    rows,
    loadSeconds,
    get size() {
      return index.size;
    },
    write(blob, ends, timestamps) {
      const flags = new Uint8Array(timestamps.length);
      written.length = 0;
      try {
        transaction.immediate(blob, ends, timestamps, flags);
      } catch (error) {
        topicIds.clear();
        written.length = 0;
        throw error;
      }
      for (let j = 0; j < written.length; j += 2) {
        index.add(written[j], written[j + 1]);
        if (written[j + 1] > seenUpTo) seenUpTo = written[j + 1];
      }
      written.length = 0;
      return flags;
    },
    indexIfDue() {
      if (seenUpTo - indexPass.through < options.indexBatchRows) return false;
      try {
        indexPass.run();
      } catch {
        // A failed pass (e.g. a busy database) changes nothing and is tried again after the next batch;
        // until then queries read the rows from the table (sqlite-tail.ts).
        return false;
      }
      return true;
    },
  };
}

/**
 * Lowers the calling thread's scheduling priority (Linux: a thread's own nice value, found through
 * /proc/thread-self). Background threads (writer, checkpointer) use it so that, when the cores are busy,
 * the event loop that parses requests and answers them runs first; meanwhile batches grow, which the
 * writer handles at a lower cost per row. Anywhere else, or when not allowed, nothing changes.
 */
function lowerThreadPriority(nice) {
  try {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0) require('node:os').setPriority(tid, nice);
  } catch {
    // Not Linux: the thread keeps the process's priority.
  }
}

module.exports = { DigestIndex, keyOf, openIndexPass, openWriteSession, lowerThreadPriority, sha256 };
