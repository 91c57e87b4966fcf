// Entry point of an invitation worker thread (started by invite-pool.ts): loads invite-worker.ts, which holds its
// code. On Node 20, tsx's ESM hooks register on the main thread only, so a worker cannot start from a .ts file in
// this ESM package; tsx's CommonJS require hook works in any thread. The `@/` alias needs the repository's
// tsconfig, which tsx's require hook finds through TSX_TSCONFIG_PATH (this thread's copy of the environment).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
createRequire(import.meta.url)('tsx/cjs/api').require('./invite-worker.ts', import.meta.url);
