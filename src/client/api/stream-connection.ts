import type { Envelope } from './json';

/** Why a stream connection ended. `code` is the WebSocket close code when there was one. */
export interface StreamEnd {
  reason: string;
  code?: number;
  error?: unknown;
  /** True when we ended it ourselves to change topics (NDJSON): reconnect at once, no backoff. */
  topicChange?: boolean;
}

/** One open subscription stream to one node, over either transport. */
export interface StreamConnection {
  readonly transport: 'ws' | 'ndjson';
  readonly node: string;
  /** The topic set the node has registered for this connection. */
  readonly topics: ReadonlySet<string>;
  /** Settles once, when the connection is over (never rejects). */
  readonly ended: Promise<StreamEnd>;
  /** Replaces the topic set on the open connection; resolves once the node confirms. WebSocket only. */
  setTopics?(topics: string[]): Promise<void>;
  /** Ends the connection; `ended` settles with this reason. */
  close(reason?: string, topicChange?: boolean): void;
}

export interface StreamHandlers {
  onEnvelope(envelope: Envelope): void;
  /** A problem that does not end the stream (an error frame, an unparsable frame). */
  onError(error: unknown): void;
}

/** The minimal WebSocket surface we use: the browser's, and what the `ws` package also offers. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;
