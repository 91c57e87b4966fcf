import { createConsentMessage } from '@xmtp/consent-proof-signature';
import { describe, expect, it } from 'vitest';
import { consentProofText, isValidConsentProof } from '@/protocol/consent-proof';
import { newWallet } from '../protocol/helpers';

describe('consent proofs (§11)', () => {
  it('builds the same text as @xmtp/consent-proof-signature', () => {
    const peer = newWallet().address;
    expect(consentProofText(1_700_000_000_123, peer)).toBe(createConsentMessage(peer, 1_700_000_000_123));
  });

  it('accepts our own recent signature for that peer and rejects old, future or foreign ones', async () => {
    const me = newWallet();
    const peer = newWallet().address;
    const now = Date.now();
    const ts = now - 60_000;
    const signature = await me.signMessage(consentProofText(ts, peer));
    const proof = { signature, timestampMs: BigInt(ts), payloadVersion: 1 };
    expect(isValidConsentProof(proof, me.address, peer, now)).toBe(true);
    expect(isValidConsentProof(proof, me.address, newWallet().address, now)).toBe(false);
    expect(isValidConsentProof(proof, newWallet().address, peer, now)).toBe(false);
    expect(isValidConsentProof(proof, me.address, peer, ts - 1)).toBe(false);
    expect(isValidConsentProof(proof, me.address, peer, ts + 31 * 24 * 3600 * 1000)).toBe(false);
    expect(isValidConsentProof({ ...proof, signature: 'zz' }, me.address, peer, now)).toBe(false);
  });
});
