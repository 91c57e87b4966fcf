#!/usr/bin/env node
// `npm run bench -- <suite>…`: runs bench/<suite>.ts (all suites when none is named).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark suite: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}
for (const suite of wanted.length ? wanted : available) {
  console.log(`\n## ${suite}\n`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--expose-gc',
      join(benchDir, `${suite}.ts`),
      ...process.argv.slice(2).filter((a) => a.startsWith('-')),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') } },
  );
  if (run.status !== 0) process.exit(run.status ?? 1);
}
