// The node under benchmark, as a child process of a bench (bench/_node-child.ts, bench/node.ts), so its peak RSS
// can be read from /proc and it gets a core of its own. Rate limits are off: the benchmark measures throughput;
// auth is off unless `--auth` is given. It runs the secp256k1 engine the CLI's node runs (libsecp256k1 in
// WebAssembly).
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';
import { startNode } from '@/network/node';

const [dataDir, ...flags] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: _node-server.ts <dataDir> [--auth]');
await initNodeSecp256k1();
const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
const node = await startNode({
  dataDir,
  port: 0,
  auth: flags.includes('--auth'),
  rateLimit: false,
  logger: quiet,
});
process.send?.({ url: node.url });
process.on('message', (message) => {
  if (message === 'stop') {
    void node.close().then(() => process.exit(0));
  }
});
