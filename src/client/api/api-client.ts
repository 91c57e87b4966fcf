// The client side of the message API (docs/protocol.md §1): publish, query with paging, batch query and
// subscriptions, over fetch and WebSocket only, so it runs in Node and in an MV3 service worker.
import { check } from '@/protocol/errors';
import { defaultSleep } from './backoff';
import {
  batchQueryRequestToJson,
  batchQueryResponseFromJson,
  publishRequestToJson,
  queryRequestToJson,
  queryResponseFromJson,
  type Cursor,
  type Envelope,
  type QueryResponse,
  type SortDirection,
} from './json';
import { NodeRequester, type Authenticator, type RetryOptions } from './node-requester';
import type { WebSocketConstructor } from './stream-connection';
import { Subscription, type SubscribeOptions } from './subscription';
import { SubscriptionGroup } from './subscription-group';
import { CLIENT_VERSION } from './version';

export interface ApiClientOptions {
  /** Node base URLs, e.g. `http://127.0.0.1:5555`; the first is used until it fails. */
  nodes: string[];
  /** Sent as `X-App-Version` when set (docs/protocol.md §1.4). */
  appVersion?: string;
  /** Supplies publish auth tokens; without it publishes carry no Authorization (a node with auth off). */
  authenticator?: Authenticator;
  fetch?: typeof fetch;
  /** Defaults to `globalThis.WebSocket`; Node 20 has none, so pass `ws`'s there. `null`: never use one. */
  WebSocket?: WebSocketConstructor | null;
  /** Clock in Unix ms. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  /** Defaults: 4 attempts per node, 100 ms base, 5 s max, waits of up to 30 s for a 429's Retry-After. */
  retry?: Partial<RetryOptions>;
  /** Per request. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface QueryOptions {
  /** Default ascending (the node's own default is descending). */
  direction?: SortDirection;
  /** Stop after this many envelopes in total. Default: all. */
  limit?: number;
  /** Envelopes per request, at most 100 (500 for a single userpreferences topic). Default the maximum. */
  pageSize?: number;
  /** Inclusive bounds on the envelopes' timestampNs. */
  startTimeNs?: bigint;
  endTimeNs?: bigint;
}

/** One query of a batch: a single page, no cursor following (as xmtp-js's canMessage does, §12.6). */
export interface BatchQueryItem {
  contentTopics: string[];
  direction?: SortDirection;
  /** Envelopes for this query, at most 100. Default 100. */
  limit?: number;
  startTimeNs?: bigint;
  endTimeNs?: bigint;
}

/** The node caps a batch at 50 queries (§13.5). */
const BATCH_SIZE = 50;

/** The node's row cap per query, and its exception for a single userpreferences topic (§1.5, §16). */
function maxPageSize(topics: string[]): number {
  return topics.length === 1 && (topics[0]!.split('/')[3] ?? '').startsWith('userpreferences-') ? 500 : 100;
}

function toTopics(topics: string | string[]): string[] {
  const list = typeof topics === 'string' ? [topics] : topics;
  check(list.length > 0, 'invalid_query', 'a query needs at least one content topic');
  return list;
}

export class ApiClient {
  private readonly requester: NodeRequester;
  private readonly headers: Record<string, string>;
  private readonly deps: {
    fetch: typeof fetch;
    WebSocket?: WebSocketConstructor;
    now: () => number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    random: () => number;
  };

  constructor(options: ApiClientOptions) {
    check(options.nodes.length > 0, 'invalid_options', 'ApiClient needs at least one node URL');
    const nodes = options.nodes.map((url) => {
      check(/^https?:\/\/[^/]/.test(url), 'invalid_options', `invalid node URL: ${url}`);
      return url.replace(/\/+$/, '');
    });
    this.headers = { 'X-Client-Version': `xmtp-inbox/${CLIENT_VERSION}` };
    if (options.appVersion) this.headers['X-App-Version'] = options.appVersion;
    const globalWs = (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketConstructor | undefined;
    this.deps = {
      // Bound: a service worker's fetch throws "Illegal invocation" when called as a method of another object.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      WebSocket: options.WebSocket === null ? undefined : (options.WebSocket ?? globalWs),
      now: options.now ?? (() => Date.now()),
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
    };
    this.requester = new NodeRequester({
      nodes,
      headers: this.headers,
      authenticator: options.authenticator,
      fetch: this.deps.fetch,
      now: this.deps.now,
      sleep: this.deps.sleep,
      random: this.deps.random,
      retry: {
        maxAttempts: 4,
        baseDelayMs: 100,
        maxDelayMs: 5000,
        maxRetryAfterMs: 30_000,
        ...options.retry,
      },
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    });
  }

  /** The node requests currently go to. */
  get nodeUrl(): string {
    return this.requester.currentNode;
  }

  /** Publishes envelopes in one request (with the auth token when an authenticator is set). */
  async publish(envelopes: Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    await this.requester.post('/message/v1/publish', publishRequestToJson(envelopes), { auth: true });
  }

  /** Every envelope of `topics` within the options' bounds, following cursors up to `limit`. */
  async query(topics: string | string[], options: QueryOptions = {}): Promise<Envelope[]> {
    const all: Envelope[] = [];
    for await (const page of this.queryPages(topics, options)) all.push(...page);
    return all;
  }

  /** The same as `query`, one page at a time. */
  queryPages(topics: string | string[], options: QueryOptions = {}): AsyncGenerator<Envelope[]> {
    return this.pagesFrom(toTopics(topics), options, undefined);
  }

  private async *pagesFrom(
    contentTopics: string[],
    options: QueryOptions,
    startCursor: Cursor | undefined,
  ): AsyncGenerator<Envelope[]> {
    const pageSize = Math.min(options.pageSize ?? Infinity, maxPageSize(contentTopics));
    check(pageSize >= 1, 'invalid_query', `invalid page size: ${options.pageSize}`);
    let remaining = options.limit ?? Infinity;
    check(remaining >= 0, 'invalid_query', `invalid limit: ${options.limit}`);
    let cursor = startCursor;
    while (remaining > 0) {
      const json = await this.requester.post(
        '/message/v1/query',
        queryRequestToJson({
          contentTopics,
          startTimeNs: options.startTimeNs,
          endTimeNs: options.endTimeNs,
          pagingInfo: {
            limit: Math.min(pageSize, remaining),
            direction: options.direction ?? 'ascending',
            cursor,
          },
        }),
      );
      const response = queryResponseFromJson(json);
      const page = response.envelopes.slice(0, remaining);
      remaining -= page.length;
      if (page.length > 0) yield page;
      // A full last page still carries a cursor; the next request then returns nothing (§1.5).
      if (response.envelopes.length === 0 || !response.pagingInfo?.cursor) return;
      cursor = response.pagingInfo.cursor;
    }
  }

  /** One page per query; sent in batches of 50, in parallel. Results are in the order of `requests`. */
  async batchQuery(requests: BatchQueryItem[]): Promise<Envelope[][]> {
    return (await this.batchPages(requests)).map((r) => r.envelopes);
  }

  /**
   * Every envelope of each query (no `limit`): first pages in batches of 50, then cursor paging only for
   * the queries whose first page was full. Catch-up after a gap uses it, so hundreds of topics cost a
   * handful of requests.
   */
  async batchQueryAll(requests: Omit<BatchQueryItem, 'limit'>[]): Promise<Envelope[][]> {
    const firstPages = await this.batchPages(requests);
    return Promise.all(
      firstPages.map(async (first, i) => {
        const all = [...first.envelopes];
        const cursor = first.pagingInfo?.cursor;
        if (first.envelopes.length === 0 || !cursor) return all;
        const r = requests[i]!;
        const rest = this.pagesFrom(toTopics(r.contentTopics), { ...r, limit: undefined }, cursor);
        for await (const page of rest) all.push(...page);
        return all;
      }),
    );
  }

  private async batchPages(requests: BatchQueryItem[]): Promise<QueryResponse[]> {
    const batches: BatchQueryItem[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
    const answers = await Promise.all(
      batches.map(async (batch) => {
        const json = await this.requester.post(
          '/message/v1/batch-query',
          batchQueryRequestToJson(
            batch.map((r) => ({
              contentTopics: toTopics(r.contentTopics),
              startTimeNs: r.startTimeNs,
              endTimeNs: r.endTimeNs,
              pagingInfo: {
                limit: Math.min(r.limit ?? 100, maxPageSize(r.contentTopics)),
                direction: r.direction ?? 'ascending',
              },
            })),
          ),
        );
        const responses = batchQueryResponseFromJson(json);
        check(
          responses.length === batch.length,
          'bad_response',
          `batch query of ${batch.length} got ${responses.length} responses`,
        );
        return responses;
      }),
    );
    return answers.flat();
  }

  /**
   * Like `subscribe`, for any number of topics: spread over as many subscriptions (connections) as the node's
   * limit per stream takes (SubscriptionGroup). For streams whose topic set grows with the inbox.
   */
  subscribeMany(
    topics: string[],
    onEnvelope: (envelope: Envelope) => void,
    options: SubscribeOptions = {},
  ): SubscriptionGroup {
    return new SubscriptionGroup(
      (part, since) => this.subscribe(part, onEnvelope, { ...options, ...(since ? { since } : {}) }),
      topics,
      options,
    );
  }

  /**
   * Streams envelopes of `topics` to `onEnvelope`, reconnecting and catching up after every gap so each
   * envelope arrives once. See `Subscription` for events and topic changes.
   */
  subscribe(
    topics: string[],
    onEnvelope: (envelope: Envelope) => void,
    options: SubscribeOptions = {},
  ): Subscription {
    return new Subscription(
      {
        currentNode: () => this.requester.currentNode,
        nodeFailed: (node) => this.requester.nodeFailed(node),
        fetch: this.deps.fetch,
        WebSocket: this.deps.WebSocket,
        headers: this.headers,
        now: this.deps.now,
        sleep: this.deps.sleep,
        random: this.deps.random,
        catchUp: (queries) =>
          this.batchQueryAll(
            queries.map((q) => ({
              contentTopics: [q.topic],
              startTimeNs: q.startTimeNs,
              direction: 'ascending',
            })),
          ),
      },
      topics,
      onEnvelope,
      options,
    );
  }
}
