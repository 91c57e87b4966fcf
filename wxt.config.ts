import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'wxt';

// WXT builds the extension from src/entrypoints (MV3 for Chrome; `-b firefox` for Firefox).
// Auto-imports are off so protocol/client/network never depend on WXT globals (design.md §2).
export default defineConfig({
  srcDir: 'src',
  imports: false,
  // The packages test (test/e2e/packages.test.ts) zips into a folder of its own, so it never rebuilds the
  // .output/ that other tests have loaded in a browser.
  outDir: process.env.XMTP_INBOX_OUT_DIR ?? '.output',
  // `npm run zip`: the Chrome Web Store zip and the AMO zip, plus the sources archive AMO asks reviewers to rebuild
  // from (docs/extension.md#packages). WXT already leaves out node_modules, dot files (.output, .wxt, .git, .ci)
  // and *.test.* files; what is left is what `npm ci && npm run build -- -b firefox` needs, and the docs.
  zip: {
    excludeSources: [
      'test/**', // tests and their fixtures
      'test-results/**',
      'bench/**',
      'demo/**', // the demo dapp served by the e2e tests
      'docs/screenshots/**',
      '**/*.log',
    ],
  },
  // FlexSearch's default bundle carries its Web Worker mode, which builds a function from a string (AMO flags it;
  // an extension page's CSP would refuse it anyway). The inbox uses a plain Index, so the extension takes the
  // compact build: the same Index, export and import, without the worker code. Node (tests) keeps the default.
  vite: () => ({
    resolve: {
      alias: [
        {
          find: /^flexsearch$/,
          replacement: join(
            dirname(createRequire(import.meta.url).resolve('flexsearch')), // …/dist/flexsearch.bundle.min.js
            'flexsearch.compact.module.min.js',
          ),
        },
      ],
    },
  }),
  hooks: {
    // libsecp256k1's binary ships as its own file, fetched by the worker (src/extension/runtime/secp256k1-wasm.ts):
    // bundled, it would become a 1.7 MB base64 string parsed at every worker start.
    'build:publicAssets': (_wxt, files) => {
      const entry = createRequire(import.meta.url).resolve('tiny-secp256k1'); // …/lib/cjs/index.cjs
      files.push({
        absoluteSrc: join(dirname(entry), '..', 'secp256k1.wasm'),
        relativeDest: 'secp256k1.wasm',
      });
    },
  },
  manifest: ({ browser, manifestVersion }) => ({
    name: 'XMTP Inbox',
    description: 'End-to-end encrypted messaging between blockchain accounts, over XMTP.',
    permissions: ['storage', 'alarms', 'notifications'],
    // Nodes can be anywhere the user points them, and wallets live on any web page.
    host_permissions: ['http://*/*', 'https://*/*'],
    // The main-world script the content script injects (src/entrypoints/inpage.ts). Chrome's dynamic URL changes
    // per session, so a page cannot probe a fixed chrome-extension:// URL to learn that the extension is
    // installed (and fingerprint the user); Firefox already gives each install its own random UUID.
    web_accessible_resources: [
      {
        resources: ['inpage.js'],
        matches: ['http://*/*', 'https://*/*'],
        ...(browser === 'firefox' ? {} : { use_dynamic_url: true }),
      },
    ],
    action: { default_title: 'XMTP Inbox' },
    // secp256k1 runs as WebAssembly (libsecp256k1, src/protocol/secp256k1.ts): extension pages and the worker may
    // compile it only with 'wasm-unsafe-eval'. Nothing else is relaxed.
    content_security_policy:
      manifestVersion === 3
        ? { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self';" }
        : "script-src 'self' 'wasm-unsafe-eval'; object-src 'self';",
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'xmtp-inbox@xmtp-inbox.local',
              // 140 (an ESR) reads data_collection_permissions below; storage.session, where the unlocked vault
              // key lives, is in Firefox MV2 since 115.
              strict_min_version: '140.0',
              // AMO's built-in consent: messages the user writes leave the browser (end-to-end encrypted) for
              // the XMTP nodes the user chose. Nothing else is collected.
              data_collection_permissions: { required: ['personalCommunications'] },
            },
            // Firefox for Android reads data_collection_permissions from 142.
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
