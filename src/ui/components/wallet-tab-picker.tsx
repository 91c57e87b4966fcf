// The wallet step of onboarding: which open tab's wallet signs. Tabs are looked up when the picker shows and on
// Refresh; the chosen tab stays chosen while it is still open.
import { useEffect, useState } from 'preact/hooks';
import type { WalletTab } from '@/extension/inbox/contract';
import { SignatureSteps, StoreOnNetworkChoice } from '@/ui/components/signature-explainer';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function WalletTabPicker(props: {
  tabId: number | undefined;
  onTabId(tabId: number | undefined): void;
  storeOnNetwork: boolean;
  onStoreOnNetwork(store: boolean): void;
  onError(error: string | ShownError): void;
}) {
  const [tabs, setTabs] = useState<WalletTab[]>();

  const findTabs = () => {
    setTabs(undefined);
    call('wallet.tabs', {}).then(
      (found) => {
        setTabs(found);
        const current = props.tabId;
        props.onTabId(found.some((t) => t.tabId === current) ? current : found[0]?.tabId);
      },
      (e) => {
        setTabs([]);
        props.onError(errorText(e));
      },
    );
  };

  useEffect(findTabs, []);

  return (
    <section class="panel" aria-label="Wallet">
      <div class="row">
        <span class="field-label">Wallet pages</span>
        <button type="button" class="link" onClick={findTabs}>
          Refresh
        </button>
      </div>
      {tabs === undefined ? (
        <p class="muted">Looking for wallets in your tabs…</p>
      ) : tabs.length === 0 ? (
        <p class="muted">No wallet found. Open a dapp page where your wallet is available, then refresh.</p>
      ) : (
        <div role="radiogroup" aria-label="Wallet page">
          {tabs.map((tab) => (
            <label key={tab.tabId} class="choice">
              <input
                type="radio"
                name="tab"
                checked={props.tabId === tab.tabId}
                onChange={() => props.onTabId(tab.tabId)}
              />
              <span>
                {tab.origin}
                {tab.accounts[0] ? ` · ${shortAddress(tab.accounts[0])}` : ''}
              </span>
            </label>
          ))}
        </div>
      )}
      <p class="muted">Your wallet will ask for up to two signatures:</p>
      <SignatureSteps />
      <StoreOnNetworkChoice checked={props.storeOnNetwork} onChange={props.onStoreOnNetwork} />
    </section>
  );
}
