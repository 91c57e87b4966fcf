// Device sync notes (docs/sync-format.md): bytes one install of an identity leaves for its other installs, on a
// topic and under a key that only the identity's private key can derive. Kept apart from the consent list's
// userpreferences topic (§11) so xmtp-js, which reads that topic, never sees them.
import { toHex, utf8 } from './bytes';
import { decodeCiphertext, decrypt, encodeCiphertext, encrypt } from './cipher';
import { hkdfSha256, sha256 } from './hash';

const EMPTY = new Uint8Array(0);
const TOPIC_SALT = utf8('XMTP_INBOX_DEVICE_SYNC_TOPIC');
const ENCRYPTION_SALT = utf8('XMTP_INBOX_DEVICE_SYNC_ENCRYPTION');

/** `/xmtp/0/devicesync-<hex sha256(HKDF(identity secret, topic salt))>/proto`: nobody else can name it. */
export function deviceSyncTopic(identitySecretKey: Uint8Array): string {
  return `/xmtp/0/devicesync-${toHex(sha256(hkdfSha256(identitySecretKey, TOPIC_SALT, EMPTY, 32)))}/proto`;
}

export interface DeviceSyncKey {
  secretKey: Uint8Array;
  /** The 65-byte uncompressed identity public key: the AAD, so a note cannot be moved to another identity. */
  publicKey: Uint8Array;
}

const noteSecret = (key: DeviceSyncKey) => hkdfSha256(key.secretKey, ENCRYPTION_SALT, EMPTY, 32);

/** An encoded `Ciphertext` (Aes256gcmHkdfsha256, §6) of `note`: a fresh salt and nonce every time. */
export async function sealDeviceNote(key: DeviceSyncKey, note: Uint8Array): Promise<Uint8Array> {
  return encodeCiphertext(await encrypt(note, noteSecret(key), key.publicKey));
}

/** The note inside an envelope's message; throws a ProtocolError when it is not one of this identity's. */
export async function openDeviceNote(key: DeviceSyncKey, message: Uint8Array): Promise<Uint8Array> {
  return decrypt(decodeCiphertext(message), noteSecret(key), key.publicKey);
}
