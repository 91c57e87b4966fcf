// Settings → Connected sites: every origin with a window.xmtp grant, what it may do (and within which
// conversations), since when; Revoke cuts its access at once (its subscriptions end, later calls get 4100).
import { useEffect, useState } from 'preact/hooks';
import type { Grant } from '@/extension/messages/dapp';
import { dappCall } from '@/ui/dapp-rpc';
import { errorText, type ShownError } from '@/ui/format';

function caveatText(grant: Grant): string {
  const prefix = grant.caveats.find((c) => c.type === 'conversationIdPrefix')?.value;
  return prefix === undefined ? 'all conversations' : `conversation ids starting with “${prefix}”`;
}

export function ConnectedSites({
  onSaved,
  onError,
}: {
  onSaved(text: string): void;
  onError(error: ShownError): void;
}) {
  const [sites, setSites] = useState<{ origin: string; grants: Grant[] }[]>();
  const load = () => dappCall('dapp.sites.list', {}).then(setSites, () => setSites([]));
  useEffect(() => void load(), []);

  const revoke = (origin: string) =>
    dappCall('dapp.sites.revoke', { origin }).then(
      () => {
        onSaved(`Access of ${origin} revoked`);
        void load();
      },
      (e) => onError(errorText(e)),
    );

  if (sites === undefined) return <p class="muted">Loading…</p>;
  if (sites.length === 0) {
    return (
      <p class="muted">
        No site has access to your inbox. Sites you allow through window.xmtp will be listed here.
      </p>
    );
  }
  return (
    <ul class="sites">
      {sites.map(({ origin, grants }) => (
        <li key={origin} class="site">
          <div class="row">
            <strong class="mono spacer">{origin}</strong>
            <button
              type="button"
              class="danger"
              aria-label={`Revoke ${origin}`}
              onClick={() => revoke(origin)}
            >
              Revoke
            </button>
          </div>
          <ul class="muted">
            {grants.map((grant) => (
              <li key={grant.parentCapability}>
                <span class="mono">{grant.parentCapability}</span> — {caveatText(grant)}, since{' '}
                {new Date(grant.date).toLocaleDateString()}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
