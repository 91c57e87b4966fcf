import { defineBackground } from 'wxt/utils/define-background';

// The background service worker will hold the XMTP client, the vault and the streams
// (issue 5). Entrypoints only wire: nothing runs at import time.
export default defineBackground(() => {});
