// An HTTP subscription: chunked NDJSON, one `{"result":<Envelope>}` line per envelope
// (docs/protocol.md §1.6). Headers go out at once. A client that does not read fast enough (more
// than `maxBufferedBytes` waiting in the socket) gets a final error line and the stream ends:
// xmtp-js then resubscribes, and a client that cares catches up by query. Memory per
// subscriber stays bounded.
import type { ServerResponse } from 'node:http';
import type { OutgoingEnvelope, Subscriber } from '@/network/dispatcher';
import { CORS_ORIGIN } from './cors';

const SLOW_LINE = '{"error":{"code":8,"message":"subscriber too slow","details":[]}}\n';

export class HttpStream implements Subscriber {
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly onEnd: () => void,
  ) {
    res.writeHead(200, {
      ...CORS_ORIGIN,
      'Content-Type': 'application/json',
      'Grpc-Metadata-Subscribed': 'true',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.on('close', () => this.finish());
  }

  deliver(envelope: OutgoingEnvelope): void {
    if (this.ended) return;
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.end(SLOW_LINE);
      // Whatever is still queued for a peer that does not read is dropped after a grace period.
      setTimeout(() => this.res.destroy(), 5000).unref();
      return;
    }
    this.res.write(envelope.line);
  }

  /** Ends the stream (node shutdown, slow subscriber). */
  end(lastLine?: string): void {
    if (this.ended) return;
    this.finish();
    this.res.end(lastLine);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}
