// The 3DH shared secret (§7.2) behind V1 messages, invitation sealing and V2 topic derivation:
// three ECDHs, each the full 65-byte uncompressed point, concatenated into 195 bytes.
import { ProtocolError } from './errors';
import { sharedPoint } from './ecdh';

export interface ThreeDhInput {
  identitySecretKey: Uint8Array;
  preKeySecretKey: Uint8Array;
  peerIdentityKey: Uint8Array;
  peerPreKey: Uint8Array;
  /** Role: the sender computes (I·P', P·I', P·P'), the recipient (P·I', I·P', P·P'), so both agree. */
  isRecipient: boolean;
}

/**
 * The 195-byte 3DH secret. The caller has already checked the peer's prekey signature (the bundle
 * verification of bundles.ts / keyring.ts); this function only does the curve work.
 */
export function threeDhSecret(input: ThreeDhInput): Uint8Array {
  const { identitySecretKey, preKeySecretKey, peerIdentityKey, peerPreKey, isRecipient } = input;
  if (peerIdentityKey.length !== 65 || peerPreKey.length !== 65) {
    throw new ProtocolError('invalid_public_key', `invalid public key length: ${peerIdentityKey.length}`);
  }
  const out = new Uint8Array(195);
  if (isRecipient) {
    out.set(sharedPoint(preKeySecretKey, peerIdentityKey), 0);
    out.set(sharedPoint(identitySecretKey, peerPreKey), 65);
  } else {
    out.set(sharedPoint(identitySecretKey, peerPreKey), 0);
    out.set(sharedPoint(preKeySecretKey, peerIdentityKey), 65);
  }
  out.set(sharedPoint(preKeySecretKey, peerPreKey), 130);
  return out;
}
