import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layers and what each may import of ours (docs/design.md §2). Imports go through the `@/` alias; a relative
// import may stay inside its folder (`./x`) but never climb out of it (`../`), so a file's imports name its layers.
const LAYERS = ['protocol', 'network', 'client', 'extension', 'ui', 'entrypoints', 'cli'];
const layer = (name) => [`@/${name}`, `@/${name}/**`];
const NO_PARENT = {
  regex: '^\\.\\./',
  message: 'Import through the @/ alias, not a ../ chain (docs/design.md §2).',
};
const BROWSER_ONLY = ['wxt', 'wxt/**', 'webextension-polyfill'];

/** no-restricted-imports options for a layer under src/ that may import only `allowed` layers (and itself). */
function layerRule(self, allowed, extra = []) {
  const banned = LAYERS.filter((name) => name !== self && !allowed.includes(name));
  const patterns = [NO_PARENT, ...extra];
  if (banned.length > 0) {
    patterns.push({
      group: banned.flatMap(layer),
      message: `src/${self} may import ${allowed.length ? allowed.map((n) => `src/${n}`).join(', ') : 'nothing of ours'} (docs/design.md §2).`,
    });
  }
  return ['error', { patterns }];
}

export default tseslint.config(
  { ignores: ['node_modules', '.output', '.wxt', '.xmtp-node', 'src/protocol/gen'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
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
    // The protocol core is pure TypeScript: nothing of ours, nothing Node- or browser-specific.
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule(
        'protocol',
        [],
        [
          { group: ['node:*'], message: 'src/protocol is pure TypeScript: no node:* imports.' },
          { group: BROWSER_ONLY, message: 'src/protocol is pure TypeScript: no browser APIs.' },
        ],
      ),
    },
  },
  {
    files: ['src/network/**/*.ts'],
    rules: {
      'no-restricted-imports': layerRule(
        'network',
        ['protocol'],
        [{ group: BROWSER_ONLY, message: 'src/network is the Node.js node: no browser APIs.' }],
      ),
    },
  },
  {
    // The client runs in a service worker too; only src/client/node holds Node-only helpers.
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/node/**'],
    rules: {
      'no-restricted-imports': layerRule(
        'client',
        ['protocol'],
        [
          {
            group: ['node:*'],
            message:
              'src/client runs in a service worker: no node:* imports (src/client/node is the exception).',
          },
          { group: BROWSER_ONLY, message: 'src/client imports no extension APIs.' },
        ],
      ),
    },
  },
  {
    files: ['src/client/node/**/*.ts'],
    rules: { 'no-restricted-imports': layerRule('client', ['protocol']) },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': layerRule('extension', ['client', 'protocol']) },
  },
  {
    // The popup talks to the background only through the typed message maps (src/extension/messages); of the
    // lower layers it imports types only. The cache's record shapes and their pure helpers are one exception; how
    // an address is shortened (the background names accounts in notifications the same way) is the other.
    files: ['src/ui/**/*.ts', 'src/ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': layerRule('ui', ['extension', 'client', 'protocol']),
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@/extension(?!/messages(/|$)|/cache/records$|/names/short-address$)(/|$)',
              allowTypeImports: true,
              message:
                'src/ui imports types only from src/extension; it reaches the background through @/extension/messages (docs/design.md §2).',
            },
            {
              group: [...layer('client'), ...layer('protocol')],
              allowTypeImports: true,
              message: 'src/ui imports types only from src/client and src/protocol (docs/design.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    // Entrypoints wire the layers together, so they may import any of them, but not the CLI or the node.
    files: ['src/entrypoints/**/*.ts', 'src/entrypoints/**/*.tsx'],
    rules: { 'no-restricted-imports': layerRule('entrypoints', ['extension', 'ui', 'client', 'protocol']) },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': layerRule('cli', ['client', 'network', 'protocol']) },
  },
);
