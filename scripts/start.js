#!/usr/bin/env node
// `npm start`: build the extension into .output/chrome-mv3, then run a local node on
// http://127.0.0.1:5555 with the embedded SQLite store in .xmtp-node/ (Ctrl-C stops it), and serve the demo dapp
// (demo/) on http://127.0.0.1:5556 (XMTP_DEMO_PORT=<port> to change it, 0 to turn it off).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemo } from './serve-demo.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(join(root, 'node_modules/.bin/wxt'), ['build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
console.log(
  `\nExtension built: ${join(root, '.output/chrome-mv3')} (load it unpacked from chrome://extensions)\n`,
);

const demoPort = Number(process.env.XMTP_DEMO_PORT ?? 5556);
if (!Number.isInteger(demoPort) || demoPort < 0 || demoPort > 65535) {
  console.error(`XMTP_DEMO_PORT must be a port number (0 = no demo): ${process.env.XMTP_DEMO_PORT}`);
  process.exit(2);
}
if (demoPort > 0) {
  const demo = await serveDemo(demoPort).catch((error) => {
    console.error(`Demo dapp not started (port ${demoPort}): ${error.message}`);
  });
  if (demo) console.log(`Demo dapp (window.xmtp): ${demo.url}/\n`);
}

const node = spawn(process.execPath, [join(root, 'bin/xmtp-inbox.js'), 'node', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => node.kill(signal));
node.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
