import { defineConfig } from 'wxt';

// WXT builds the extension from src/entrypoints (MV3 for Chrome; `-b firefox` for Firefox).
// Auto-imports are off so protocol/client/network never depend on WXT globals (design.md §2).
export default defineConfig({
  srcDir: 'src',
  imports: false,
  manifest: ({ browser }) => ({
    name: 'XMTP Inbox',
    description: 'End-to-end encrypted messaging between blockchain accounts, over XMTP.',
    permissions: ['storage', 'alarms', 'notifications'],
    // Nodes can be anywhere the user points them, and wallets live on any web page.
    host_permissions: ['http://*/*', 'https://*/*'],
    // The main-world script the content script injects (src/entrypoints/inpage.ts).
    web_accessible_resources: [{ resources: ['inpage.js'], matches: ['http://*/*', 'https://*/*'] }],
    action: { default_title: 'XMTP Inbox' },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: { id: 'xmtp-inbox@xmtp-inbox.local', strict_min_version: '115.0' },
          },
        }
      : {}),
  }),
});
