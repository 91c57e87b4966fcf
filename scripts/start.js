#!/usr/bin/env node
// `npm start`: build the extension into .output/chrome-mv3, then run a local node on
// http://127.0.0.1:5555 with the embedded SQLite store in .xmtp-node/ (Ctrl-C stops it).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(join(root, 'node_modules/.bin/wxt'), ['build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
console.log(
  `\nExtension built: ${join(root, '.output/chrome-mv3')} (load it unpacked from chrome://extensions)\n`,
);

const node = spawn(process.execPath, [join(root, 'bin/xmtp-inbox.js'), 'node', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => node.kill(signal));
node.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
