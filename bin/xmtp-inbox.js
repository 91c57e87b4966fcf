#!/usr/bin/env node
// Entry point of the `xmtp-inbox` command. The sources are TypeScript; tsx compiles them
// on load (esbuild), so the CLI runs straight from a checkout with no build step.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
