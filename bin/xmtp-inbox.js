#!/usr/bin/env node
// Entry point of the `xmtp-inbox` command. The sources are TypeScript: the command runs an esbuild bundle of them
// (bin/cli-bundle.js, built on the first run and after any change), or, where that cannot be built, tsx compiles
// them on load; either way the CLI runs straight from a checkout with no build step.
import { cliBundle } from './cli-bundle.js';

const bundle = await cliBundle();
let main;
if (bundle) ({ main } = await import(bundle));
else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
