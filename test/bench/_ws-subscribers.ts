// Subscribers for the node benchmark's fan-out phase, as a child process of test/bench/node.ts:
// opens many WebSocket subscriptions (NODE-API.md) to one topic and records, per delivered envelope,
// now − envelope timestamp (the publisher stamps the envelope with its send time).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Start {
  type: 'start';
  url: string;
  count: number;
  topic: string;
}

const TIMESTAMP_KEY = '"timestampNs":"';
const sockets: WebSocket[] = [];
let latencies = new Float64Array(1 << 20);
let received = 0;
let closedEarly = 0;
const now = (): number => performance.timeOrigin + performance.now();

function record(ms: number): void {
  if (received === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[received++] = ms;
}

function open(url: string, topic: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    let subscribed = false;
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'subscribe', contentTopics: [topic] })));
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      // Envelopes are most frames: read the timestamp without parsing the whole frame, so these
      // processes leave as much CPU as possible to the node (they share its 2 cores).
      const at = text.indexOf(TIMESTAMP_KEY);
      if (at >= 0) {
        const start = at + TIMESTAMP_KEY.length;
        record(now() - Number(text.slice(start, text.indexOf('"', start))) / 1e6);
        return;
      }
      const frame = JSON.parse(text);
      if (frame.id === 1 && !subscribed) {
        subscribed = true;
        if (frame.error) reject(new Error(`subscribe failed: ${JSON.stringify(frame.error)}`));
        else resolve();
      }
    });
    ws.on('error', (error) => {
      if (!subscribed) reject(error);
    });
    ws.on('close', () => {
      if (subscribed) closedEarly++;
    });
  });
}

process.on('message', (message: Start | { type: 'report' | 'stop' }) => {
  if (message.type === 'start') {
    void (async () => {
      // Connect in waves: thousands of simultaneous SYNs overflow the listen backlog.
      for (let i = 0; i < message.count; i += 100) {
        const wave = Math.min(100, message.count - i);
        await Promise.all(Array.from({ length: wave }, () => open(message.url, message.topic)));
      }
      process.send?.({ type: 'ready' });
    })().catch((error: Error) => process.send?.({ type: 'failed', message: error.message }));
  } else if (message.type === 'report') {
    process.send?.({ type: 'latencies', values: Array.from(latencies.subarray(0, received)), closedEarly });
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
