import { render } from 'preact';
import { App } from '@/ui/app';
import { prefetchConversations } from '@/ui/prefetch';
import styles from '@/ui/styles.css?inline';

// Wiring only: the popup's screens live in src/ui.
performance.mark('xmtp-inbox:popup-start');
// The stylesheet comes inside this bundle rather than as a <link>: a page's module script waits for every
// stylesheet above it, and a third file through the extension's URL loader held the first render back ~6 ms
// (npm run bench -- extension). Nothing is drawn before this script runs, so nothing shows unstyled.
const sheet = document.createElement('style');
sheet.textContent = styles;
document.head.append(sheet);
prefetchConversations();
render(<App />, document.getElementById('app')!);
