// The main-world script: defines window.xmtp for dapps, and answers wallet requests relayed by the content
// script with the page's wallet.
import { installXmtpProvider } from '@/extension/dapp/provider';
import { servePageRequests } from '@/extension/wallet/page-bridge';
import { createWalletHandlers, watchWalletProviders } from '@/extension/wallet/page-wallet';

export function startInpage(win: Window): void {
  installXmtpProvider(win);
  const provider = watchWalletProviders(win);
  servePageRequests(
    win,
    createWalletHandlers({
      provider,
      origin: win.location.origin,
      get title() {
        return win.document.title;
      },
    }),
  );
}
