import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // xmtp-js 13's ESM build is broken; inlining lets vitest load it (design.md §3).
    server: { deps: { inline: [/@xmtp\//] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
