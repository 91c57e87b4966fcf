// Entry point of the SQLite writer thread: loads sqlite-writer-thread.ts, which holds all of its code.
// On Node 20, tsx's ESM hooks register on the main thread only, so a worker cannot start from a .ts file
// in this ESM package (under `tsx`, `node --import tsx`, vitest or bin/xmtp-inbox.js alike); tsx's CommonJS
// require hook works in any thread, so this plain module installs it and requires the TypeScript module.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('tsx/cjs/api').require('./sqlite-writer-thread.ts', import.meta.url);
