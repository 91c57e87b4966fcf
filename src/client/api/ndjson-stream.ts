// The HTTP subscribe stream every XMTP node offers (docs/protocol.md §1.6): `POST /message/v1/subscribe`
// answered with newline-delimited JSON, one `{"result":<envelope>}` per line. The topic set is fixed
// per request, so changing it means a new request.
import { ApiError, apiErrorFromResponse, grpcCodeName } from './api-error';
import { parseRetryAfter } from './backoff';
import { streamFrameFromJson } from './json';
import type { StreamConnection, StreamEnd, StreamHandlers } from './stream-connection';

export interface NdjsonStreamOptions {
  fetch: typeof fetch;
  node: string;
  topics: string[];
  headers: Record<string, string>;
  handlers: StreamHandlers;
  connectTimeoutMs: number;
  now: () => number;
}

/**
 * Opens the stream; resolves once the node has answered with its response headers (a TS node sends them
 * as soon as the subscription is registered). An empty topic set opens nothing (the node refuses it) and
 * idles until closed.
 */
export async function openNdjsonStream(opts: NdjsonStreamOptions): Promise<StreamConnection> {
  const url = opts.node + '/message/v1/subscribe';
  const controller = new AbortController();
  const topics = new Set(opts.topics);
  let finished = false;
  let endResolve!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (endResolve = resolve));
  function finish(end: StreamEnd): void {
    if (finished) return;
    finished = true;
    controller.abort();
    endResolve(end);
  }
  const connection: StreamConnection = {
    transport: 'ndjson',
    node: opts.node,
    topics,
    ended,
    close(reason = 'closed by client', topicChange = false) {
      finish({ reason, topicChange });
    },
  };
  if (topics.size === 0) return connection;

  const timer = setTimeout(() => controller.abort(), opts.connectTimeoutMs);
  let res: Response;
  try {
    res = await opts.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...opts.headers },
      body: JSON.stringify({ contentTopics: [...topics] }),
      signal: controller.signal,
    });
    if (!res.ok) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), opts.now());
      throw apiErrorFromResponse(res.status, await res.text(), url, retryAfter);
    }
    if (!res.body) throw new ApiError('bad_response', `subscribe response from ${url} has no body`, { url });
  } catch (e) {
    finish({ reason: 'connect failed', error: e });
    if (e instanceof ApiError) throw e;
    const reason = controller.signal.aborted ? `no answer within ${opts.connectTimeoutMs} ms` : String(e);
    throw new ApiError('network_error', `cannot open ${url}: ${reason}`, { url }, { cause: e });
  } finally {
    clearTimeout(timer);
  }
  void readLines(res.body, opts.handlers, url).then(
    (end) => finish(end),
    (e: unknown) => finish({ reason: `stream failed: ${String(e)}`, error: e }),
  );
  return connection;
}

async function readLines(
  body: ReadableStream<Uint8Array>,
  handlers: StreamHandlers,
  url: string,
): Promise<StreamEnd> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { reason: 'node ended the stream' };
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line === '') continue;
      let frame;
      try {
        frame = streamFrameFromJson(line);
      } catch (e) {
        handlers.onError(e);
        continue;
      }
      if (frame.kind === 'envelope') handlers.onEnvelope(frame.envelope);
      else if (frame.kind === 'error') {
        // A mid-stream error line is the node's last word on this stream (§1.6).
        const error = new ApiError(grpcCodeName(frame.code), `node stream error: ${frame.message}`, {
          grpcCode: frame.code,
          nodeMessage: frame.message,
          url,
        });
        void reader.cancel().catch(() => {});
        return { reason: error.message, error };
      }
    }
  }
}
