// The search snapshot's compact parts. A worker restart reads the whole snapshot before its first search, and at
// 100,000 messages most of its time went to JSON.parse: FlexSearch's export is millions of message numbers
// (every prefix of every word lists its messages) and the documents repeated each topic and sender per message
// (npm run bench -- extension: ~0.8 s of parse at load 1 for 47 MB). Here integer lists become short strings
// (the differences between neighbours, zigzag-signed, 5 bits a character in a JSON-safe alphabet: a message
// number costs one or two characters instead of six), and the documents are stored by column with topics and
// senders listed once. The snapshot stays JSON (the cache seals it whole like every record).

/** 64 characters JSON writes as they are: a character is 5 bits of a value and a "more follows" bit. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/**
 * Integers in a packed list stay within ±2^29 (FlexSearch's message numbers, indexes into a column), so that a
 * difference, zigzag-signed, fits 31 bits and both ways run on 32-bit integer operations; a list with a larger
 * value is left as it is.
 */
const LIMIT = 2 ** 29;
/** Shorter lists are left as they are: the marker would cost more than it saves. */
const MIN_PACKED = 8;

/** A packed integer list, where the snapshot had an array. */
export interface PackedIntegers {
  z: string;
}

const isPackable = (list: unknown[]) =>
  list.length >= MIN_PACKED && list.every((v) => Number.isInteger(v) && Math.abs(v as number) <= LIMIT);

/** The list as a string: each value minus the one before, zigzag-signed, in 5-bit groups, low bits first. */
export function encodeIntegers(list: readonly number[]): string {
  const chars: string[] = [];
  let previous = 0;
  for (const value of list) {
    if (!Number.isInteger(value) || Math.abs(value) > LIMIT)
      throw new Error(`cannot pack ${value}: integers within ±2^29 only`);
    const delta = value - previous;
    previous = value;
    let rest = ((delta << 1) ^ (delta >> 31)) >>> 0;
    while (rest >= 32) {
      chars.push(ALPHABET[32 | (rest & 31)]!);
      rest >>>= 5;
    }
    chars.push(ALPHABET[rest]!);
  }
  return chars.join('');
}

/** The list encodeIntegers wrote; throws on any other text. */
export function decodeIntegers(text: string): number[] {
  const out: number[] = [];
  let previous = 0;
  let rest = 0;
  let shift = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = c < 128 ? DIGIT[c]! : -1;
    if (digit < 0 || shift > 30) throw new Error('not a packed integer list');
    rest |= (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    previous += (rest >>> 1) ^ -(rest & 1);
    out.push(previous);
    rest = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error('not a packed integer list');
  return out;
}

/** FlexSearch's export (arrays of arrays of numbers and terms) with every integer list in it packed. */
export function packIntegerLists(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  if (isPackable(value)) return { z: encodeIntegers(value as number[]) } satisfies PackedIntegers;
  return value.map(packIntegerLists);
}

const isPacked = (value: unknown): value is PackedIntegers =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  typeof (value as { z?: unknown }).z === 'string';

/** What packIntegerLists packed, as it was (plain arrays, as FlexSearch imports and later appends to them). */
export function unpackIntegerLists(value: unknown): unknown {
  if (isPacked(value)) return decodeIntegers(value.z);
  if (!Array.isArray(value)) return value;
  return value.map(unpackIntegerLists);
}

/** One indexed message, as the index holds it. */
export interface SnapshotDoc {
  n: number;
  id: string;
  topic: string;
  sentAt: number;
  senderAddress: string;
  text: string;
}

/** The messages by column: FlexSearch's numbers, and topics and senders as indexes into their own lists. */
export interface DocColumns {
  n: string;
  id: string[];
  topics: string[];
  topic: string;
  sentAt: number[];
  senders: string[];
  sender: string;
  text: string[];
}

export function encodeDocs(docs: Iterable<SnapshotDoc>): DocColumns {
  const columns = { n: [] as number[], id: [] as string[], sentAt: [] as number[], text: [] as string[] };
  const topic: number[] = [];
  const sender: number[] = [];
  const topics = new Map<string, number>();
  const senders = new Map<string, number>();
  const indexIn = (list: Map<string, number>, value: string) => {
    let at = list.get(value);
    if (at === undefined) list.set(value, (at = list.size));
    return at;
  };
  for (const d of docs) {
    columns.n.push(d.n);
    columns.id.push(d.id);
    columns.sentAt.push(d.sentAt);
    columns.text.push(d.text);
    topic.push(indexIn(topics, d.topic));
    sender.push(indexIn(senders, d.senderAddress));
  }
  return {
    n: encodeIntegers(columns.n),
    id: columns.id,
    topics: [...topics.keys()],
    topic: encodeIntegers(topic),
    sentAt: columns.sentAt,
    senders: [...senders.keys()],
    sender: encodeIntegers(sender),
    text: columns.text,
  };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The messages encodeDocs wrote; throws when the columns are not that (wrong types, lengths or indexes). */
export function decodeDocs(value: unknown): SnapshotDoc[] {
  const c = value as Partial<DocColumns> | null;
  if (
    !c ||
    typeof c.n !== 'string' ||
    typeof c.topic !== 'string' ||
    typeof c.sender !== 'string' ||
    !isStrings(c.id) ||
    !isStrings(c.topics) ||
    !isStrings(c.senders) ||
    !isStrings(c.text) ||
    !Array.isArray(c.sentAt) ||
    !c.sentAt.every((t) => typeof t === 'number')
  )
    throw new Error('not the columns of indexed messages');
  const n = decodeIntegers(c.n);
  const topic = decodeIntegers(c.topic);
  const sender = decodeIntegers(c.sender);
  const count = n.length;
  if ([c.id, c.sentAt, c.text, topic, sender].some((column) => column.length !== count))
    throw new Error('the columns of indexed messages differ in length');
  const docs: SnapshotDoc[] = new Array<SnapshotDoc>(count);
  for (let i = 0; i < count; i++) {
    const t = c.topics[topic[i]!];
    const s = c.senders[sender[i]!];
    if (t === undefined || s === undefined || !Number.isInteger(n[i]) || n[i]! < 0)
      throw new Error('an indexed message refers to no topic or sender');
    docs[i] = { n: n[i]!, id: c.id[i]!, topic: t, sentAt: c.sentAt[i]!, senderAddress: s, text: c.text[i]! };
  }
  return docs;
}
