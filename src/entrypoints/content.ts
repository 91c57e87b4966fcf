import { defineContentScript } from 'wxt/utils/define-content-script';
import { injectScript } from 'wxt/utils/inject-script';
import { startContentRelay } from '@/extension/runtime/content-relay';

// Bridge between web pages and the background. At document_start, so the main-world script is in place before
// the page's own scripts run.
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  runAt: 'document_start',
  main() {
    startContentRelay(window);
    void injectScript('/inpage.js', { keepInDom: true });
  },
});
