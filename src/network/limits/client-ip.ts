// The client IP that keys the rate-limit buckets (§2.4): the socket's address, or the first
// X-Forwarded-For entry when the node runs behind a trusted proxy (--trust-proxy).
import type { IncomingMessage } from 'node:http';

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first;
  }
  const addr = req.socket.remoteAddress;
  if (!addr) return 'ip_unknown';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
