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
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.result?.contentTopic !== undefined) {
        record(now() - Number(frame.result.timestampNs) / 1e6);
      } else if (frame.id === 1 && !subscribed) {
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
