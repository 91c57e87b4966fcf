// V1 messages carry no session key: every one is encrypted under the 3DH secret of the two bundles (§7.2,
// §7.4). The protocol core derives it per message (three ECDHs); a V1 conversation's messages all use the
// same pair of bundles, so the client keeps the secret per (our prekey, peer bundle, role) and pays the
// curve work once per peer instead of once per message.
import { legacyKeyBytesToSign, verifyKeySignature } from '@/protocol/keys';
import { decrypt } from '@/protocol/cipher';
import { threeDhSecret } from '@/protocol/dh';
import { ProtocolError } from '@/protocol/errors';
import { toHex } from '@/protocol/bytes';
import type { Keyring } from '@/protocol/keyring';
import type { DecodedMessageV1 } from '@/protocol/message-v1';

const LIMIT = 1024;

export class V1Secrets {
  readonly #secrets = new Map<string, Uint8Array>();

  constructor(private readonly keyring: Keyring) {}

  /** Decrypts a decoded V1 message as `decryptMessageV1` does, with the 3DH secret cached. */
  async decrypt(message: DecodedMessageV1): Promise<Uint8Array> {
    const keyring = this.keyring;
    const weAreSender = keyring.isOwnIdentity(message.sender.identityKey.publicKey);
    const peer = weAreSender ? message.recipient : message.sender;
    const mine = weAreSender ? message.sender : message.recipient;
    // Memoised in the protocol core, so this costs one verification per peer prekey.
    if (
      !verifyKeySignature(
        peer.identityKey.publicKey,
        legacyKeyBytesToSign(peer.preKey),
        peer.preKey.signature,
      )
    ) {
      throw new ProtocolError('invalid_prekey_signature', 'peer preKey signature invalid');
    }
    // xmtp-js always uses its current prekey; an older prekey named in the header also works here.
    const preKey = keyring.findPreKey(mine.preKey.publicKey) ?? keyring.currentPreKey;
    const key = `${weAreSender ? 's' : 'r'}${toHex(preKey.publicKey.publicKey)}${toHex(peer.identityKey.publicKey)}${toHex(peer.preKey.publicKey)}`;
    let secret = this.#secrets.get(key);
    if (!secret) {
      secret = threeDhSecret({
        identitySecretKey: keyring.identityKey.secretKey,
        preKeySecretKey: preKey.secretKey,
        peerIdentityKey: peer.identityKey.publicKey,
        peerPreKey: peer.preKey.publicKey,
        isRecipient: !weAreSender,
      });
      if (this.#secrets.size >= LIMIT) this.#secrets.delete(this.#secrets.keys().next().value!);
      this.#secrets.set(key, secret);
    }
    return decrypt(message.ciphertext, secret, message.headerBytes);
  }
}
