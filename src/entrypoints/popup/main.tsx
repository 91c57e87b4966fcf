import { render } from 'preact';
import { App } from '@/ui/app';
import { prefetchConversations } from '@/ui/prefetch';
import '@/ui/styles.css';

// Wiring only: the popup's screens live in src/ui.
performance.mark('xmtp-inbox:popup-start');
prefetchConversations();
render(<App />, document.getElementById('app')!);
