// The node's HTTP/JSON mapping as seen from the client (docs/protocol.md §1.2, §1.3): camelCase field
// names (snake_case accepted on input), bytes as padded standard base64, uint64 as decimal strings,
// enums as name strings. The paging cursor is opaque: it goes back to the node exactly as received (§1.5).
import { ProtocolError } from '@/protocol/errors';
import { fromBase64, toBase64 } from '@/protocol/bytes';

/** An XMTP envelope (`xmtp.message_api.v1.Envelope`). */
export interface Envelope {
  contentTopic: string;
  /** Sender timestamp in nanoseconds (uint64). */
  timestampNs: bigint;
  message: Uint8Array;
}

export type SortDirection = 'ascending' | 'descending';

/** A paging cursor exactly as the node sent it (a JSON object); only ever echoed back. */
export type Cursor = Record<string, unknown>;

export interface PagingInfo {
  limit: number;
  cursor: Cursor | null;
  direction: SortDirection | 'unspecified';
}

export interface QueryRequest {
  contentTopics: string[];
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  pagingInfo?: { limit?: number; direction?: SortDirection; cursor?: Cursor };
}

export interface QueryResponse {
  envelopes: Envelope[];
  pagingInfo: PagingInfo | null;
}

/** One line of a subscribe stream (§1.6): an envelope, an error, or (WebSocket only) a keepalive. */
export type StreamFrame =
  | { kind: 'envelope'; envelope: Envelope }
  | { kind: 'error'; code: number; message: string; id?: unknown }
  | { kind: 'reply'; id: unknown; result: unknown }
  | { kind: 'ping' }
  | { kind: 'unknown' };

const MAX_UINT64 = (1n << 64n) - 1n;
const DIRECTION_NAMES: Record<SortDirection, string> = {
  ascending: 'SORT_DIRECTION_ASCENDING',
  descending: 'SORT_DIRECTION_DESCENDING',
};

function bad(what: string): never {
  throw new ProtocolError('invalid_node_json', what);
}

function field(obj: Record<string, unknown>, camel: string, snake: string): unknown {
  return obj[camel] !== undefined ? obj[camel] : obj[snake];
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad(`${what} is not an object: ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  return value as Record<string, unknown>;
}

/** uint64 from JSON: a decimal string (what nodes emit) or a safe integer number (also valid input). */
export function parseUint64(value: unknown, what: string): bigint {
  if (value === undefined || value === null) return 0n;
  let n: bigint;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) n = BigInt(value);
  else bad(`invalid ${what}: ${JSON.stringify(value)}`);
  if (n > MAX_UINT64) bad(`invalid ${what}: ${String(value)} exceeds uint64`);
  return n;
}

function parseBytes(value: unknown, what: string): Uint8Array {
  if (value === undefined || value === null || value === '') return new Uint8Array(0);
  if (typeof value !== 'string') bad(`invalid ${what}: ${JSON.stringify(value)?.slice(0, 80)}`);
  try {
    return fromBase64(value);
  } catch (e) {
    throw new ProtocolError('invalid_node_json', `invalid ${what}: ${(e as Error).message}`);
  }
}

function parseDirection(value: unknown): SortDirection | 'unspecified' {
  if (value === 'SORT_DIRECTION_ASCENDING' || value === 1) return 'ascending';
  if (value === 'SORT_DIRECTION_DESCENDING' || value === 2) return 'descending';
  if (value === undefined || value === null || value === 'SORT_DIRECTION_UNSPECIFIED' || value === 0) {
    return 'unspecified';
  }
  bad(`invalid sort direction: ${JSON.stringify(value)}`);
}

export function envelopeToJson(envelope: Envelope): Record<string, string> {
  return {
    contentTopic: envelope.contentTopic,
    timestampNs: envelope.timestampNs.toString(),
    message: toBase64(envelope.message),
  };
}

export function envelopeFromJson(json: unknown): Envelope {
  const obj = asObject(json, 'envelope');
  const topic = field(obj, 'contentTopic', 'content_topic');
  if (typeof topic !== 'string') bad(`invalid envelope contentTopic: ${JSON.stringify(topic)}`);
  return {
    contentTopic: topic,
    timestampNs: parseUint64(field(obj, 'timestampNs', 'timestamp_ns'), 'envelope timestampNs'),
    message: parseBytes(obj.message, 'envelope message'),
  };
}

export function publishRequestToJson(envelopes: Envelope[]): { envelopes: Record<string, string>[] } {
  return { envelopes: envelopes.map(envelopeToJson) };
}

/** Builds the JSON of a QueryRequest, leaving out unset fields as xmtp-js does (§1.2). */
export function queryRequestToJson(request: QueryRequest): Record<string, unknown> {
  const json: Record<string, unknown> = { contentTopics: request.contentTopics };
  if (request.startTimeNs !== undefined) json.startTimeNs = request.startTimeNs.toString();
  if (request.endTimeNs !== undefined) json.endTimeNs = request.endTimeNs.toString();
  const paging = request.pagingInfo;
  if (paging) {
    const p: Record<string, unknown> = {};
    if (paging.limit !== undefined) p.limit = paging.limit;
    if (paging.cursor) p.cursor = paging.cursor;
    if (paging.direction) p.direction = DIRECTION_NAMES[paging.direction];
    json.pagingInfo = p;
  }
  return json;
}

export function pagingInfoFromJson(json: unknown): PagingInfo | null {
  if (json === undefined || json === null) return null;
  const obj = asObject(json, 'pagingInfo');
  const limit = obj.limit ?? 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    bad(`invalid pagingInfo limit: ${JSON.stringify(limit)}`);
  }
  const cursor = obj.cursor;
  if (cursor !== undefined && cursor !== null) asObject(cursor, 'cursor');
  return {
    limit,
    cursor: (cursor as Cursor | undefined) ?? null,
    direction: parseDirection(obj.direction),
  };
}

export function queryResponseFromJson(json: unknown): QueryResponse {
  const obj = asObject(json, 'query response');
  const envelopes = obj.envelopes ?? [];
  if (!Array.isArray(envelopes)) bad(`query response envelopes is not an array`);
  return {
    envelopes: envelopes.map(envelopeFromJson),
    pagingInfo: pagingInfoFromJson(field(obj, 'pagingInfo', 'paging_info')),
  };
}

export function batchQueryRequestToJson(requests: QueryRequest[]): { requests: Record<string, unknown>[] } {
  return { requests: requests.map(queryRequestToJson) };
}

export function batchQueryResponseFromJson(json: unknown): QueryResponse[] {
  const obj = asObject(json, 'batch query response');
  const responses = obj.responses ?? [];
  if (!Array.isArray(responses)) bad(`batch query response responses is not an array`);
  return responses.map(queryResponseFromJson);
}

/**
 * Parses one frame of a subscription: an NDJSON line (§1.6) or a WebSocket text frame
 * (docs/node-api.md §3): `{"result":<envelope>}`, `{"error":{code,message}}`, `{"id":…,"result":…}`,
 * `{"ping":…}`. Throws on text that is not a JSON object.
 */
export function streamFrameFromJson(text: string): StreamFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    bad(`stream frame is not JSON: ${text.slice(0, 80)}`);
  }
  const obj = asObject(json, 'stream frame');
  if (obj.error !== undefined && obj.error !== null) {
    const err = asObject(obj.error, 'stream error');
    return {
      kind: 'error',
      code: typeof err.code === 'number' ? err.code : 2,
      message: typeof err.message === 'string' ? err.message : 'unknown error',
      ...(obj.id !== undefined ? { id: obj.id } : {}),
    };
  }
  if (obj.id !== undefined && obj.id !== null) return { kind: 'reply', id: obj.id, result: obj.result };
  if (obj.result !== undefined && obj.result !== null) {
    return { kind: 'envelope', envelope: envelopeFromJson(obj.result) };
  }
  if (obj.ping !== undefined) return { kind: 'ping' };
  return { kind: 'unknown' };
}
