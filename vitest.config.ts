import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // libsecp256k1 (WebAssembly) as the secp256k1 engine, as the CLI and the extension choose at start.
    setupFiles: ['test/setup/secp256k1.ts'],
    // xmtp-js 13's ESM build is broken; inlining lets vitest load it (design.md §3).
    server: { deps: { inline: [/@xmtp\//] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
