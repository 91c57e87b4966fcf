import { defineConfig } from 'wxt';

// WXT builds the extension from src/entrypoints (MV3 for Chrome; `-b firefox` for Firefox).
// Auto-imports are off so protocol/client/network never depend on WXT globals (design.md §2).
export default defineConfig({
  srcDir: 'src',
  imports: false,
  manifest: {
    name: 'XMTP Inbox',
    description: 'End-to-end encrypted messaging between blockchain accounts, over XMTP.',
    permissions: ['storage'],
  },
});
