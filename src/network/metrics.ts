// Prometheus metrics of one node, on its own registry so several nodes can share a process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status'>;
  private readonly requestChildren = new Map<string, Counter.Internal>();
  readonly published: Counter;
  readonly stored: Counter;
  readonly queryDuration: Histogram;
  readonly subscriptions: Gauge<'transport'>;
  readonly rateLimited: Counter<'kind'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'xmtp_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.published = new Counter({
      name: 'xmtp_envelopes_published_total',
      help: 'Envelopes accepted by publish (duplicates and ephemeral ones included)',
      registers,
    });
    this.stored = new Counter({
      name: 'xmtp_envelopes_stored_total',
      help: 'Envelopes newly written to the store',
      registers,
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
    const key = `${route} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requests.labels(route, String(status));
      this.requestChildren.set(key, child);
    }
    child.inc();
  }
}
