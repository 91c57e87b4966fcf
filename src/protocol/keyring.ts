// A client's own keys, ready for the hot paths: the V1 private bundle plus everything derived from
// it once (wallet address, public V1 and V2 bundles and their encodings) so that sealing, opening and
// message encryption never re-derive or re-encode them (§3.3, §3.6).
import {
  encodePublicKeyBundle,
  encodeSignedPublicKeyBundle,
  publicBundleOf,
  toSignedPublicKeyBundle,
  type PrivateKeyBundleV1,
  type PublicKeyBundle,
  type SignedPublicKeyBundle,
} from './bundles';
import { equalBytes } from './bytes';
import { encodeContactBundle } from './contact';
import { ProtocolError } from './errors';
import { legacyKeyWalletAddress, type LegacyPrivateKey } from './keys';

export class Keyring {
  /** EIP-55 wallet address the identity key was signed by. */
  readonly address: string;
  /** Public V1 bundle with the current prekey (what V1 headers and contact bundles V1 carry). */
  readonly publicBundle: PublicKeyBundle;
  /** The V2 view of `publicBundle` (§3.6), as xmtp-js puts it in invitations and SignedContent. */
  readonly signedBundle: SignedPublicKeyBundle;
  readonly publicBundleBytes: Uint8Array;
  readonly signedBundleBytes: Uint8Array;

  private constructor(readonly bundle: PrivateKeyBundleV1) {
    this.address = legacyKeyWalletAddress(bundle.identityKey.publicKey);
    this.publicBundle = publicBundleOf(bundle);
    this.signedBundle = toSignedPublicKeyBundle(this.publicBundle);
    this.publicBundleBytes = encodePublicKeyBundle(this.publicBundle);
    this.signedBundleBytes = encodeSignedPublicKeyBundle(this.signedBundle);
  }

  /** Throws when the bundle has no prekey or its identity key is not wallet-signed. */
  static fromBundle(bundle: PrivateKeyBundleV1): Keyring {
    if (bundle.preKeys.length === 0)
      throw new ProtocolError('invalid_key_bundle', 'private key bundle has no prekey');
    return new Keyring(bundle);
  }

  get identityKey(): LegacyPrivateKey {
    return this.bundle.identityKey;
  }

  /** pre_keys[0]: xmtp-js encrypts and decrypts V1 messages with it, and seals invitations with it. */
  get currentPreKey(): LegacyPrivateKey {
    return this.bundle.preKeys[0]!;
  }

  /** The prekey whose public key is `publicKey` (xmtp-js `findPreKey`, §7.2). */
  findPreKey(publicKey: Uint8Array): LegacyPrivateKey | undefined {
    return this.bundle.preKeys.find((k) => equalBytes(k.publicKey.publicKey, publicKey));
  }

  /**
   * The contact bundle to publish on our contact topic: V2 by default, V1 with `legacy`, as xmtp-js
   * `publishUserContact(legacy)` does (§3.7).
   */
  contactBundle(legacy = false): Uint8Array {
    return legacy
      ? encodeContactBundle({ version: 'v1', keyBundle: this.publicBundle })
      : encodeContactBundle({ version: 'v2', keyBundle: this.signedBundle });
  }

  /** True when `identityKey` (65 bytes) is ours. */
  isOwnIdentity(identityKey: Uint8Array): boolean {
    return equalBytes(this.bundle.identityKey.publicKey.publicKey, identityKey);
  }
}
