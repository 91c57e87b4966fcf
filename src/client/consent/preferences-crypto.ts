// Private preferences crypto (protocol.md §11): the userpreferences topic identifier and the
// self-encryption of a `PrivatePreferencesAction`, both keyed by the identity private key.
// Stand-in until the protocol core's `@/protocol/preferences` lands; callers use only these two names.
import { toBase64Url } from '@/protocol/bytes';
import { ProtocolError } from '@/protocol/errors';
import { xmtp } from '@/protocol/gen/xmtp';
import { hkdfSha256, sha256 } from '@/protocol/hash';
import { decodeProto } from '@/protocol/keys';
import { userPreferencesTopic } from '@/protocol/topics';

import pb = xmtp.message_contents;

const TOPIC_SALT = new TextEncoder().encode('XMTP_PRIVATE_PREFERENCES_TOPIC');
const ENCRYPTION_SALT = new TextEncoder().encode('XMTP_PRIVATE_PREFERENCES_ENCRYPTION');
const EMPTY = new Uint8Array(0);

/** `/xmtp/0/userpreferences-<id>/proto`, id = base64url(sha256(HKDF(identity secret key))) (§11). */
export function privatePreferencesTopic(identitySecretKey: Uint8Array): string {
  return userPreferencesTopic(toBase64Url(sha256(hkdfSha256(identitySecretKey, TOPIC_SALT, EMPTY))));
}

type Buf = Uint8Array<ArrayBuffer>;

async function gcmKey(secret: Uint8Array, salt: Uint8Array): Promise<CryptoKey> {
  const key = hkdfSha256(secret, salt, EMPTY);
  return crypto.subtle.importKey('raw', key as Buf, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Encrypts an encoded action into `PrivatePreferencesPayload{v1: Ciphertext}` bytes (§6, §11). */
export async function encryptPrivatePreferences(
  plaintext: Uint8Array,
  identitySecretKey: Uint8Array,
  identityPublicKey: Uint8Array,
): Promise<Uint8Array> {
  const secret = hkdfSha256(identitySecretKey, ENCRYPTION_SALT, EMPTY);
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const payload = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: identityPublicKey as Buf },
      await gcmKey(secret, salt),
      plaintext as Buf,
    ),
  );
  return pb.PrivatePreferencesPayload.encode({
    v1: { aes256GcmHkdfSha256: { hkdfSalt: salt, gcmNonce: nonce, payload } },
  }).finish();
}

/** Decrypts `PrivatePreferencesPayload` bytes; throws `decryption_failed` or `malformed_protobuf`. */
export async function decryptPrivatePreferences(
  bytes: Uint8Array,
  identitySecretKey: Uint8Array,
  identityPublicKey: Uint8Array,
): Promise<Uint8Array> {
  const payload = decodeProto(pb.PrivatePreferencesPayload, bytes, 'PrivatePreferencesPayload');
  const aes = payload.v1?.aes256GcmHkdfSha256;
  const salt = aes?.hkdfSalt;
  const nonce = aes?.gcmNonce;
  const data = aes?.payload;
  if (!salt || salt.length !== 32 || !nonce || nonce.length !== 12 || !data || data.length < 16) {
    throw new ProtocolError(
      'invalid_ciphertext',
      'private preferences payload is not a v1 AES-256-GCM ciphertext',
    );
  }
  const secret = hkdfSha256(identitySecretKey, ENCRYPTION_SALT, EMPTY);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: nonce as Buf, additionalData: identityPublicKey as Buf },
        await gcmKey(secret, salt),
        data as Buf,
      ),
    );
  } catch (cause) {
    throw new ProtocolError('decryption_failed', 'private preferences payload does not decrypt', { cause });
  }
}
