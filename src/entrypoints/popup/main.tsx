import { render } from 'preact';

function Popup() {
  return <main>XMTP Inbox</main>;
}

render(<Popup />, document.getElementById('app')!);
