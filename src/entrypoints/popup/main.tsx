import { render } from 'preact';
import { App } from '@/ui/app';
import '@/ui/styles.css';

// Wiring only: the popup's screens live in src/ui.
render(<App />, document.getElementById('app')!);
