import { defineContentScript } from 'wxt/utils/define-content-script';

// Bridge between dapp pages and the background (issue 6); only wiring lives here.
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  runAt: 'document_start',
  main() {},
});
