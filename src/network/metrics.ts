// Prometheus metrics of one node, on its own registry so several nodes can share a process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  // The hot path (every request, every publish) adds to plain numbers; they are moved into the
  // prom-client counters when the registry is read (their `collect` hooks). prom-client's own inc
  // validates and hashes labels on every call: ~2 % of a single publish's CPU (--cpu-prof).
  private readonly pendingRequests = new Map<string, { route: string; status: string; count: number }>();
  private pendingPublished = 0;
  private pendingStored = 0;
  readonly published: Counter;
  readonly stored: Counter;
  readonly queryDuration: Histogram;
  readonly subscriptions: Gauge<'transport'>;
  readonly rateLimited: Counter<'kind'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const pendingRequests = this.pendingRequests;
    new Counter({
      name: 'xmtp_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers,
      collect() {
        for (const pending of pendingRequests.values()) {
          if (pending.count === 0) continue;
          this.labels(pending.route, pending.status).inc(pending.count);
          pending.count = 0;
        }
      },
    });
    const flushPublished = (counter: Counter) => {
      if (this.pendingPublished > 0) counter.inc(this.pendingPublished);
      this.pendingPublished = 0;
    };
    const flushStored = (counter: Counter) => {
      if (this.pendingStored > 0) counter.inc(this.pendingStored);
      this.pendingStored = 0;
    };
    this.published = new Counter({
      name: 'xmtp_envelopes_published_total',
      help: 'Envelopes accepted by publish (duplicates and ephemeral ones included)',
      registers,
      collect() {
        flushPublished(this);
      },
    });
    this.stored = new Counter({
      name: 'xmtp_envelopes_stored_total',
      help: 'Envelopes newly written to the store',
      registers,
      collect() {
        flushStored(this);
      },
    });
    this.queryDuration = new Histogram({
      name: 'xmtp_query_duration_seconds',
      help: 'Store time of query and batch-query requests',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'xmtp_subscriptions_open',
      help: 'Open subscriptions by transport (http stream or websocket)',
      labelNames: ['transport'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'xmtp_rate_limit_rejections_total',
      help: 'Requests rejected by the rate limiter, by bucket kind',
      labelNames: ['kind'],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  request(route: string, status: number): void {
    const key = status === 200 ? route : `${route} ${status}`;
    const pending = this.pendingRequests.get(key);
    if (pending) pending.count++;
    else this.pendingRequests.set(key, { route, status: String(status), count: 1 });
  }

  /** Envelopes accepted by a publish (counted into xmtp_envelopes_published_total when read). */
  countPublished(count: number): void {
    this.pendingPublished += count;
  }

  /** Envelopes newly stored (counted into xmtp_envelopes_stored_total when read). */
  countStored(count: number): void {
    this.pendingStored += count;
  }
}
