// What a dapp's access request asks, in words: the capabilities, the conversations it covers (with a warning
// when the id prefix is not the site's own), and which inbox would be granted (with several accounts, which
// one: only the active account is granted, and the site sees nothing of the others).
import type { InboxState } from '@/extension/inbox/contract';
import type { ApprovalRequest, Capability } from '@/extension/messages/dapp';
import { shortAddress } from '@/ui/format';

export const CAPABILITY_TEXT: Record<Capability, string> = {
  'inbox:read': 'Read your conversations and messages, and receive new ones as they arrive',
  'inbox:send': 'Start conversations and send messages as you',
};

export function AccessRequestDetails({
  request,
  inbox,
  accounts = 1,
}: {
  request: Extract<ApprovalRequest, { kind: 'access' }>;
  inbox: InboxState | undefined;
  /** How many accounts this browser holds. */
  accounts?: number;
}) {
  return (
    <>
      <p>asks to:</p>
      <ul class="capabilities">
        {request.capabilities.map((c) => (
          <li key={c}>
            <span class="mono">{c}</span> — {CAPABILITY_TEXT[c]}
          </li>
        ))}
      </ul>
      {request.conversationIdPrefix !== undefined ? (
        <>
          <p class="callout caveat">
            Only conversations whose id starts with{' '}
            <strong class="mono">{request.conversationIdPrefix}</strong>
            {request.matching !== undefined ? (
              <span data-testid="matching">
                {' '}
                ({request.matching === 1 ? '1 conversation' : `${request.matching} conversations`} today)
              </span>
            ) : null}
          </p>
          {request.prefixFromSite === false ? (
            <p class="callout warning" role="alert" data-testid="prefix-warning">
              This prefix is not this site&rsquo;s own name: it may cover conversations another app started.
              Approve only if you expect this site to use them.
            </p>
          ) : null}
        </>
      ) : (
        <p class="callout caveat">All of your conversations</p>
      )}
      {inbox?.address ? (
        <p data-testid="granting-account">
          {accounts > 1 ? 'Account granting access: ' : 'Your inbox: '}
          <span class="mono" title={inbox.address}>
            {shortAddress(inbox.address)}
          </span>
          {inbox.vault === 'locked' ? ' (locked: unlock it before the site can use it)' : ''}
          {accounts > 1
            ? `. Your ${accounts === 2 ? 'other account stays' : `${accounts - 1} other accounts stay`} hidden from this site; to connect another, switch to it in the inbox first.`
            : ''}
        </p>
      ) : inbox?.vault === 'empty' ? (
        <p>You have no XMTP identity yet: create one in the extension first.</p>
      ) : null}
      <p class="muted">It never gets your keys. You can revoke this in Settings → Connected sites.</p>
    </>
  );
}
