// Request decoding and response encoding for the JSON mapping of the message API
// (protojson as grpc-gateway v2 uses it, docs/protocol.md §1.2): camelCase or snake_case names,
// unknown fields ignored, null = unset, bytes as standard or URL-safe base64 (padded or not),
// uint64 as decimal strings or integral numbers, enums by name or number. Output is
// EmitUnpopulated: every field present.
import { INT64_MAX, MAX_TOPICS_PER_REQUEST } from '@/network/limits/sizes';
import { invalidArgument } from './errors';

export type Json = Record<string, unknown>;

export interface EnvelopeInput {
  contentTopic: string;
  timestampNs: bigint;
  message: Uint8Array;
}

export type Direction = 'ascending' | 'descending';

export interface QueryInput {
  contentTopics: string[];
  startTimeNs: bigint;
  endTimeNs: bigint;
  /** 0 = unset. */
  limit: number;
  /** undefined when the request left it unspecified (the node then uses descending). */
  direction: Direction | undefined;
  cursor: { digest: Uint8Array; senderTimeNs: bigint } | undefined;
}

const UINT32_MAX = 2 ** 32 - 1;

/** Field by its lowerCamelCase or proto (snake_case) name; null counts as unset. */
function field(obj: Json, camel: string, snake: string): unknown {
  const v = obj[camel];
  if (v !== undefined && v !== null) return v;
  const s = obj[snake];
  return s === null ? undefined : s;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parsed body must be a JSON object (an empty body is the empty message). */
export function requireObject(v: unknown, where: string): Json {
  if (!isObject(v)) throw invalidArgument(`${where} must be a JSON object`);
  return v;
}

const BASE64_STD = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_URL = /^[A-Za-z0-9\-_]*={0,2}$/;

/** Strict base64 (std or URL-safe, padded or not): Buffer alone would skip bad characters. */
export function decodeBytes(v: unknown, where: string): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (typeof v !== 'string') throw invalidArgument(`${where} must be a base64 string`);
  const padded = v.endsWith('=');
  if (!(BASE64_STD.test(v) || BASE64_URL.test(v)) || v.length % 4 === 1 || (padded && v.length % 4 !== 0)) {
    throw invalidArgument(`invalid base64 in ${where}`);
  }
  const buf = Buffer.from(v, padded || v.includes('+') || v.includes('/') ? 'base64' : 'base64url');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** uint64 that must also fit the store's int64 (values above 2^63−1 are rejected). */
export function decodeUint64(v: unknown, where: string): bigint {
  if (v === undefined) return 0n;
  let n: bigint;
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v))
      throw invalidArgument(`${where} must be a non-negative integer, got ${quote(v)}`);
    n = BigInt(v);
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) {
      throw invalidArgument(`${where} must be a non-negative integer, got ${v}`);
    }
    // 1e18 and the like parse to a double that may not be the integer that was meant.
    if (!Number.isSafeInteger(v))
      throw invalidArgument(`${where} is not exact as a number; send it as a decimal string`);
    n = BigInt(v);
  } else {
    throw invalidArgument(`${where} must be a decimal string or a number`);
  }
  if (n > INT64_MAX) throw invalidArgument(`${where} is out of range (max 2^63-1): ${v}`);
  return n;
}

function decodeUint32(v: unknown, where: string): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > UINT32_MAX) {
    throw invalidArgument(`${where} must be an integer between 0 and ${UINT32_MAX}`);
  }
  return n;
}

function decodeString(v: unknown, where: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw invalidArgument(`${where} must be a string`);
  return v;
}

export function decodeTopics(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidArgument(`${where} must be an array of strings`);
  // Checked before the elements, so a huge array costs no walk over it.
  if (v.length > MAX_TOPICS_PER_REQUEST)
    throw invalidArgument(`${where}: at most ${MAX_TOPICS_PER_REQUEST} topics per request, got ${v.length}`);
  if (!v.every((t) => typeof t === 'string')) throw invalidArgument(`${where} must be an array of strings`);
  return v as string[];
}

function decodeDirection(v: unknown, where: string): Direction | undefined {
  switch (v) {
    case undefined:
    case 0:
    case 'SORT_DIRECTION_UNSPECIFIED':
      return undefined;
    case 1:
    case 'SORT_DIRECTION_ASCENDING':
      return 'ascending';
    case 2:
    case 'SORT_DIRECTION_DESCENDING':
      return 'descending';
    default:
      throw invalidArgument(`invalid ${where}: ${quote(v)}`);
  }
}

export function decodeEnvelope(v: unknown, where: string): EnvelopeInput {
  if (!isObject(v)) throw invalidArgument(`${where} must be an object`);
  return {
    contentTopic: decodeString(field(v, 'contentTopic', 'content_topic'), `${where}.contentTopic`),
    timestampNs: decodeUint64(field(v, 'timestampNs', 'timestamp_ns'), `${where}.timestampNs`),
    message: decodeBytes(field(v, 'message', 'message'), `${where}.message`),
  };
}

const INT64_MAX_DIGITS = INT64_MAX.toString();
const DIGITS = /^\d{1,19}$/;

/** A decimal string of at most 2^63−1 (a sender timestamp is 19 digits today). */
function isInt64String(s: string): boolean {
  return DIGITS.test(s) && (s.length < 19 || s <= INT64_MAX_DIGITS);
}

/**
 * Padded standard base64 decoded without a validating regex: Buffer skips characters outside the
 * alphabet (and accepts URL-safe ones), so the input was valid exactly when nothing was skipped,
 * i.e. the output has the length the input implies, and it has no URL-safe characters (mixing the
 * alphabets is refused, as by decodeBytes). Anything else returns undefined: the caller falls back
 * to decodeBytes, which names the error.
 */
function decodeStdBase64Fast(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return undefined;
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const buf = Buffer.from(s, 'base64');
  return buf.length === (s.length / 4) * 3 - padding ? buf : undefined;
}

export function decodePublish(body: Json): EnvelopeInput[] {
  const list = field(body, 'envelopes', 'envelopes');
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalidArgument('envelopes must be an array');
  const out: EnvelopeInput[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    // Hot path (publish): a well-formed envelope is read without building error locations.
    const topic = isObject(e) ? (e.contentTopic ?? e.content_topic) : undefined;
    const ts = isObject(e) ? (e.timestampNs ?? e.timestamp_ns) : undefined;
    const message = isObject(e) ? e.message : undefined;
    const buf =
      typeof topic === 'string' && typeof ts === 'string' && isInt64String(ts) && typeof message === 'string'
        ? decodeStdBase64Fast(message)
        : undefined;
    if (buf) {
      out[i] = {
        contentTopic: topic as string,
        timestampNs: BigInt(ts as string),
        message: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
      };
    } else {
      out[i] = decodeEnvelope(e, `envelopes[${i}]`);
    }
  }
  return out;
}

export function decodeQuery(v: unknown, where: string): QueryInput {
  if (!isObject(v)) throw invalidArgument(`${where === '' ? 'request' : where} must be an object`);
  const p = where === '' ? '' : `${where}.`;
  const paging = field(v, 'pagingInfo', 'paging_info');
  let limit = 0;
  let direction: Direction | undefined;
  let cursor: QueryInput['cursor'];
  if (paging !== undefined) {
    if (!isObject(paging)) throw invalidArgument(`${p}pagingInfo must be an object`);
    limit = decodeUint32(field(paging, 'limit', 'limit'), `${p}pagingInfo.limit`);
    direction = decodeDirection(field(paging, 'direction', 'direction'), `${p}pagingInfo.direction`);
    const c = field(paging, 'cursor', 'cursor');
    if (c !== undefined) {
      if (!isObject(c)) throw invalidArgument(`${p}pagingInfo.cursor must be an object`);
      const index = field(c, 'index', 'index');
      if (index !== undefined) {
        if (!isObject(index)) throw invalidArgument(`${p}pagingInfo.cursor.index must be an object`);
        cursor = {
          digest: decodeBytes(field(index, 'digest', 'digest'), `${p}pagingInfo.cursor.index.digest`),
          senderTimeNs: decodeUint64(
            field(index, 'senderTimeNs', 'sender_time_ns'),
            `${p}pagingInfo.cursor.index.senderTimeNs`,
          ),
        };
      }
    }
  }
  return {
    contentTopics: decodeTopics(field(v, 'contentTopics', 'content_topics'), `${p}contentTopics`),
    startTimeNs: decodeUint64(field(v, 'startTimeNs', 'start_time_ns'), `${p}startTimeNs`),
    endTimeNs: decodeUint64(field(v, 'endTimeNs', 'end_time_ns'), `${p}endTimeNs`),
    limit,
    direction,
    cursor,
  };
}

export function decodeBatchQuery(body: Json): QueryInput[] {
  const list = field(body, 'requests', 'requests');
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalidArgument('requests must be an array');
  return list.map((q, i) => decodeQuery(q, `requests[${i}]`));
}

// Numbers above 2^53 lose precision in JSON.parse, so integer literals of 16+ digits are turned
// into strings before parsing (tokens outside strings only). Number tokens follow `:`, `[` or
// `,`, none of which occur in base64, so the cheap test skips almost every body.
const BIG_NUMBER_HINT = /[:,[]\s*-?\d{16}/;
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const BIG_INTEGER_PART = /^-?\d{16}/;

/** JSON.parse that keeps large integers exact (as strings); throws on malformed JSON. */
export function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  if (BIG_NUMBER_HINT.test(text)) {
    text = text.replace(TOKENS, (t) => (BIG_INTEGER_PART.test(t) ? `"${t}"` : t));
  }
  return JSON.parse(text);
}

function quote(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ── output ──

export interface EnvelopeOutput {
  contentTopic: string;
  timestampNs: bigint;
  message: Uint8Array;
}

/** One Envelope in EmitUnpopulated JSON. */
export function envelopeJson(e: EnvelopeOutput): string {
  return `{"contentTopic":${JSON.stringify(e.contentTopic)},"timestampNs":"${e.timestampNs}","message":"${base64(e.message)}"}`;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function directionName(d: Direction): string {
  return d === 'ascending' ? 'SORT_DIRECTION_ASCENDING' : 'SORT_DIRECTION_DESCENDING';
}
