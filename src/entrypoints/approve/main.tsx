import { render } from 'preact';
import { Approve } from '@/ui/screens/approve';
import '@/ui/styles.css';
import '@/ui/approve.css';

// Wiring only: the approval window a dapp's request opens (src/extension/dapp/approvals.ts), `?id=<prompt id>`.
const id = new URLSearchParams(location.search).get('id') ?? '';
render(<Approve id={id} close={() => window.close()} />, document.getElementById('app')!);
