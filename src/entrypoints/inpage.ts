import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { startInpage } from '@/extension/runtime/start-inpage';

// Main-world script injected by the content script: reaches the page's EIP-1193 wallet.
export default defineUnlistedScript(() => {
  startInpage(window);
});
