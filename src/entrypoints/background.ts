import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '@/extension/runtime/start-background';
import { initExtensionSecp256k1 } from '@/extension/runtime/secp256k1-wasm';

// Wiring only (docs/design.md §2): the service worker's composition lives in src/extension/runtime/start-background.ts.
export default defineBackground(() => {
  // libsecp256k1 compiles in the background; noble signs and verifies until it is ready.
  void initExtensionSecp256k1();
  startBackground();
});
