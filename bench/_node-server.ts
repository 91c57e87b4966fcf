// The node under benchmark, as a child process of bench/node.ts (so its peak RSS can be read from
// /proc and it gets a core of its own). Auth and rate limits are off: the benchmark measures throughput.
import { startNode } from '@/network/node';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: _node-server.ts <dataDir>');
const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
const node = await startNode({ dataDir, port: 0, auth: false, rateLimit: false, logger: quiet });
process.send?.({ url: node.url });
process.on('message', (message) => {
  if (message === 'stop') {
    void node.close().then(() => process.exit(0));
  }
});
