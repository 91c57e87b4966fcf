import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', '.output', '.wxt', '.xmtp-node', 'src/protocol/gen'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Layering (design.md §2): the protocol core imports nothing of ours and nothing Node- or browser-specific.
      'no-restricted-imports': 'off',
    },
  },
  {
    // Plain CommonJS that worker threads load with require (src/network/store/sqlite-write-session.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/protocol is pure TypeScript: no node:* imports.' },
            {
              group: ['@/client/*', '@/network/*', '@/extension/*', '@/ui/*', '@/cli/*', 'wxt/*'],
              message: 'src/protocol imports nothing of ours.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/network/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/client/*', '@/extension/*', '@/ui/*'],
              message: 'src/network imports protocol only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/network/*', '@/extension/*', '@/ui/*', 'node:*'],
              message: 'src/client imports protocol only and runs in a service worker.',
            },
          ],
        },
      ],
    },
  },
);
