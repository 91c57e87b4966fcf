import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '@/extension/runtime/background';

// Wiring only (design.md §2): the service worker's composition lives in src/extension/runtime/background.ts.
export default defineBackground(() => {
  startBackground();
});
