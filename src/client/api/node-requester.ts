// Unary HTTP calls to a list of nodes: retries with backoff, Retry-After on 429, one token refresh on
// 401 for publish, and basic failover to the next node when one stays unreachable or answers 5xx.
import { ApiError, apiErrorFromResponse } from './api-error';
import { backoffDelay, parseRetryAfter, type BackoffPolicy } from './backoff';

/** Supplies the publish auth token (docs/protocol.md §2.2): the base64 of an encoded Token. */
export interface Authenticator {
  /** With `refresh: true`, a fresh token: the node refused the previous one. */
  getToken(opts: { refresh: boolean }): Promise<string>;
}

export interface RetryOptions extends BackoffPolicy {
  /** Attempts per node, the first included. */
  maxAttempts: number;
  /** A 429 asking for a longer wait than this fails at once instead of waiting. */
  maxRetryAfterMs: number;
}

export interface RequesterDeps {
  nodes: string[];
  headers: Record<string, string>;
  authenticator?: Authenticator;
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  retry: RetryOptions;
  requestTimeoutMs: number;
}

export class NodeRequester {
  private index = 0;

  constructor(private readonly deps: RequesterDeps) {}

  /** The node requests go to first. */
  get currentNode(): string {
    return this.deps.nodes[this.index]!;
  }

  /** Moves to the next node if `url` is still the current one (it failed). */
  nodeFailed(url: string): void {
    if (this.deps.nodes.length > 1 && this.currentNode === url) {
      this.index = (this.index + 1) % this.deps.nodes.length;
    }
  }

  /** POSTs `body` as JSON to `path` and returns the parsed JSON answer. */
  async post(path: string, body: unknown, opts: { auth?: boolean } = {}): Promise<unknown> {
    const { nodes } = this.deps;
    let lastError: unknown;
    for (let n = 0; n < nodes.length; n++) {
      const url = this.currentNode;
      try {
        return await this.postToNode(url, path, body, opts.auth === true);
      } catch (e) {
        lastError = e;
        if (!(e instanceof ApiError && e.isTransient)) throw e;
        this.nodeFailed(url);
      }
    }
    throw lastError;
  }

  private async postToNode(base: string, path: string, body: unknown, auth: boolean): Promise<unknown> {
    const { authenticator, retry } = this.deps;
    const text = JSON.stringify(body);
    let token = auth && authenticator ? await authenticator.getToken({ refresh: false }) : undefined;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let error: ApiError;
      try {
        return await this.once(base + path, text, token);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        error = e;
      }
      // An expired or rejected token: refresh it once and replay, as xmtp-js does (§1.7, §2.2).
      if (error.status === 401 && token !== undefined && authenticator && !refreshed) {
        refreshed = true;
        token = await authenticator.getToken({ refresh: true });
        attempt--;
        continue;
      }
      // Unlike xmtp-js (§17.11) we never replay a 4xx other than 429: it would fail the same way.
      const retryable = error.isTransient || error.status === 429;
      if (!retryable || attempt >= retry.maxAttempts) throw error;
      let delay = backoffDelay(retry, attempt - 1, this.deps.random);
      if (error.status === 429 && error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > retry.maxRetryAfterMs) throw error;
        delay = error.retryAfterMs;
      }
      await this.deps.sleep(delay);
    }
  }

  private async once(url: string, body: string, token: string | undefined): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...this.deps.headers };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.deps.requestTimeoutMs);
    let status: number;
    let responseText: string;
    let retryAfter: string | null;
    try {
      const res = await this.deps.fetch(url, { method: 'POST', headers, body, signal: controller.signal });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      responseText = await res.text();
    } catch (e) {
      const reason = controller.signal.aborted
        ? `timed out after ${this.deps.requestTimeoutMs} ms`
        : String(e);
      throw new ApiError('network_error', `cannot reach ${url}: ${reason}`, { url }, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status >= 300) {
      throw apiErrorFromResponse(status, responseText, url, parseRetryAfter(retryAfter, this.deps.now()));
    }
    try {
      return JSON.parse(responseText);
    } catch {
      throw new ApiError(
        'bad_response',
        `node answered ${status} with invalid JSON: ${responseText.slice(0, 80)}`,
        {
          status,
          url,
        },
      );
    }
  }
}
