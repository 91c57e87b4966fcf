// Subscribers for the node benchmark's fan-out phase, as a child process of bench/node.ts:
// opens many WebSocket subscriptions (docs/node-api.md §3) to one topic and records, per delivered envelope,
// arrival time − envelope timestamp (the publisher stamps the envelope with its send time).
//
// The client is a minimal RFC 6455 one on bare TCP sockets (handshake, unmasked server frames, masked
// client frames, pongs), as lean as the raw TCP floor's sinks (_tcp-fanout.ts): these processes share
// the machine's 2 cores with the node, and the `ws` library's per-message work (a Writable stream per
// socket, events, a string per frame) cost them about as much CPU as the node spent sending, so the
// latency measured the subscribers as much as the node. The arrival time is taken once per socket
// read, when the bytes reach the process, as the floor's sinks do.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

interface Start {
  type: 'start';
  url: string;
  count: number;
  topic: string;
}

const TIMESTAMP_KEY = Buffer.from('"timestampNs":"');
const QUOTE = 0x22;
const sockets: { destroy(): void }[] = [];
let latencies = new Float64Array(1 << 20);
// The envelope's own timestamp (ms) beside each latency, so the parent can tell publishes apart.
let stamps = new Float64Array(1 << 20);
let received = 0;
let closedEarly = 0;
const now = (): number => performance.timeOrigin + performance.now();

function record(stampMs: number, ms: number): void {
  if (received === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
    const biggerStamps = new Float64Array(stamps.length * 2);
    biggerStamps.set(stamps);
    stamps = biggerStamps;
  }
  stamps[received] = stampMs;
  latencies[received++] = ms;
}

/** A masked client frame (RFC 6455 §5.3); payloads here are short (< 126 bytes). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error('client frame too long for this bench client');
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

function open(url: URL, topic: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    sockets.push(socket);
    socket.setNoDelay(true);
    let upgraded = false;
    let subscribed = false;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('connect', () => {
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const arrived = now();
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!pending.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${pending.subarray(0, end).toString('latin1')}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(
          clientFrame(
            0x1,
            Buffer.from(JSON.stringify({ id: 1, method: 'subscribe', contentTopics: [topic] })),
          ),
        );
      }
      // Whole frames only; a partial one waits for the next read.
      while (pending.length >= 2) {
        const opcode = pending[0]! & 0x0f;
        let length = pending[1]! & 0x7f;
        let header = 2;
        if (length === 126) {
          if (pending.length < 4) break;
          length = pending.readUInt16BE(2);
          header = 4;
        } else if (length === 127) {
          if (pending.length < 10) break;
          length = Number(pending.readBigUInt64BE(2));
          header = 10;
        }
        if (pending.length < header + length) break;
        const payload = pending.subarray(header, header + length);
        pending = pending.subarray(header + length);
        if (opcode === 0x9) {
          socket.write(clientFrame(0xa, Buffer.from(payload)));
        } else if (opcode === 0x8) {
          socket.end();
        } else if (opcode === 0x1) {
          const at = payload.indexOf(TIMESTAMP_KEY);
          if (at >= 0) {
            const start = at + TIMESTAMP_KEY.length;
            const stamp = payload.subarray(start, payload.indexOf(QUOTE, start)).toString('latin1');
            const stampMs = Number(stamp) / 1e6;
            record(stampMs, arrived - stampMs);
          } else if (!subscribed) {
            const frame = JSON.parse(payload.toString()) as { id?: number; error?: unknown };
            if (frame.id === 1) {
              subscribed = true;
              if (frame.error) reject(new Error(`subscribe failed: ${JSON.stringify(frame.error)}`));
              else resolve();
            }
          }
        }
      }
    });
    socket.on('error', (error) => {
      if (!subscribed) reject(error);
    });
    socket.on('close', () => {
      if (subscribed) closedEarly++;
    });
  });
}

process.on('message', (message: Start | { type: 'report' | 'stop' }) => {
  if (message.type === 'start') {
    void (async () => {
      const url = new URL(message.url);
      // Connect in waves: thousands of simultaneous SYNs overflow the listen backlog.
      for (let i = 0; i < message.count; i += 100) {
        const wave = Math.min(100, message.count - i);
        await Promise.all(Array.from({ length: wave }, () => open(url, message.topic)));
      }
      process.send?.({ type: 'ready' });
    })().catch((error: Error) => process.send?.({ type: 'failed', message: error.message }));
  } else if (message.type === 'report') {
    process.send?.({
      type: 'latencies',
      values: Array.from(latencies.subarray(0, received)),
      stamps: Array.from(stamps.subarray(0, received)),
      closedEarly,
    });
  } else {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});
