// Explains each wallet signature before and while the wallet asks (docs/protocol.md §3.4 and §4): what the text
// says, why it is needed, and that it costs nothing.
import { useEffect, useRef } from 'preact/hooks';
import type { SignaturePurpose } from '@/extension/wallet/signer';

const EXPLANATIONS: Record<SignaturePurpose, { title: string; why: string }> = {
  create_identity: {
    title: 'XMTP : Create Identity',
    why: 'Links a new XMTP identity key to your account. Asked only the first time this account uses XMTP.',
  },
  enable_identity: {
    title: 'XMTP : Enable Identity',
    why: 'Unlocks a copy of your XMTP keys stored on the network, if there is one (or makes one, if you ask). The page whose wallet signs sees this signature and could decrypt that copy: sign it only on a site you trust.',
  },
  other: { title: 'A message to sign', why: 'XMTP Inbox asked your wallet to sign a text.' },
};

export function SignatureSteps() {
  return (
    <ol class="signature-steps">
      {(['create_identity', 'enable_identity'] as const).map((purpose) => (
        <li key={purpose}>
          <strong>“{EXPLANATIONS[purpose].title}”</strong>: {EXPLANATIONS[purpose].why}
        </li>
      ))}
      <li>Signing is free: no transaction, no gas, nothing leaves your wallet but the signature.</li>
    </ol>
  );
}

export function SignaturePending({ purpose, origin }: { purpose: SignaturePurpose; origin: string }) {
  const { title, why } = EXPLANATIONS[purpose];
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.scrollIntoView({ block: 'nearest' }), [purpose]);
  return (
    <div class="callout" role="status" aria-live="assertive" ref={ref}>
      <strong>Check your wallet on {origin || 'the page'}</strong>
      <p>
        It asks you to sign “{title}”. {why}
      </p>
    </div>
  );
}

/**
 * The choice to also keep an encrypted copy of the keys on the network (issue #21): off by default, because
 * the "Enable Identity" signature that encrypts it passes through the wallet's web page.
 */
export function StoreOnNetworkChoice({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange(on: boolean): void;
}) {
  return (
    <label class="choice">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
        data-testid="store-on-network"
      />
      <span>
        Also store my keys on the network, encrypted with a wallet signature, so other XMTP apps can use them.
        The wallet&rsquo;s page sees that signature: leave this off unless you trust it. (A backup file moves
        your keys without it.)
      </span>
    </label>
  );
}
