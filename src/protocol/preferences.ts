// Private preferences (consent, §11): actions encrypted to oneself under a key derived from the
// identity private key, on a topic only the owner can name.
import { toBase64Url, utf8 } from './bytes';
import { ciphertextFromProto, ciphertextToProto, decrypt, encrypt } from './cipher';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { hkdfSha256, sha256 } from './hash';
import { decodeProto, type LegacyPrivateKey } from './keys';
import { userPreferencesTopic } from './topics';

import pb = xmtp.message_contents;

const EMPTY = new Uint8Array(0);
const TOPIC_SALT = utf8('XMTP_PRIVATE_PREFERENCES_TOPIC');
const ENCRYPTION_SALT = utf8('XMTP_PRIVATE_PREFERENCES_ENCRYPTION');

/** base64url(no padding) of sha256(HKDF(identity secret, "XMTP_PRIVATE_PREFERENCES_TOPIC")) (libxmtp topic.rs). */
export function userPreferencesIdentifier(identitySecretKey: Uint8Array): string {
  return toBase64Url(sha256(hkdfSha256(identitySecretKey, TOPIC_SALT, EMPTY, 32)));
}

export function privatePreferencesTopic(identitySecretKey: Uint8Array): string {
  return userPreferencesTopic(userPreferencesIdentifier(identitySecretKey));
}

/** One consent action; exactly one list is set (§11). Group ids are strings as in proto 3.68. */
export type PrivatePreferencesAction =
  | { allowAddress: string[] }
  | { denyAddress: string[] }
  | { allowGroup: string[] }
  | { denyGroup: string[] }
  | { allowInboxId: string[] }
  | { denyInboxId: string[] };

function actionToProto(action: PrivatePreferencesAction): pb.PrivatePreferencesAction.$Properties {
  if ('allowAddress' in action) return { allowAddress: { walletAddresses: action.allowAddress } };
  if ('denyAddress' in action) return { denyAddress: { walletAddresses: action.denyAddress } };
  if ('allowGroup' in action) return { allowGroup: { groupIds: action.allowGroup } };
  if ('denyGroup' in action) return { denyGroup: { groupIds: action.denyGroup } };
  if ('allowInboxId' in action) return { allowInboxId: { inboxIds: action.allowInboxId } };
  return { denyInboxId: { inboxIds: action.denyInboxId } };
}

function actionFromProto(a: pb.PrivatePreferencesAction): PrivatePreferencesAction {
  if (a.allowAddress) return { allowAddress: [...(a.allowAddress.walletAddresses ?? [])] };
  if (a.denyAddress) return { denyAddress: [...(a.denyAddress.walletAddresses ?? [])] };
  if (a.allowGroup) return { allowGroup: [...(a.allowGroup.groupIds ?? [])] };
  if (a.denyGroup) return { denyGroup: [...(a.denyGroup.groupIds ?? [])] };
  if (a.allowInboxId) return { allowInboxId: [...(a.allowInboxId.inboxIds ?? [])] };
  if (a.denyInboxId) return { denyInboxId: [...(a.denyInboxId.inboxIds ?? [])] };
  throw new ProtocolError('invalid_preferences_action', 'private preferences action has no known type');
}

function encryptionSecret(identitySecretKey: Uint8Array): Uint8Array {
  return hkdfSha256(identitySecretKey, ENCRYPTION_SALT, EMPTY, 32);
}

/** Encoded `PrivatePreferencesPayload{v1: Ciphertext}`; AAD = the 65-byte identity public key. */
export async function encryptPreferencesAction(
  identityKey: LegacyPrivateKey,
  action: PrivatePreferencesAction,
): Promise<Uint8Array> {
  const plaintext = pb.PrivatePreferencesAction.encode(actionToProto(action)).finish();
  const ciphertext = await encrypt(
    plaintext,
    encryptionSecret(identityKey.secretKey),
    identityKey.publicKey.publicKey,
  );
  return pb.PrivatePreferencesPayload.encode({ v1: ciphertextToProto(ciphertext) }).finish();
}

export async function decryptPreferencesAction(
  identityKey: LegacyPrivateKey,
  payload: Uint8Array,
): Promise<PrivatePreferencesAction> {
  const decoded = decodeProto(pb.PrivatePreferencesPayload, payload, 'PrivatePreferencesPayload');
  if (!decoded.v1)
    throw new ProtocolError('invalid_preferences_payload', 'private preferences payload has no v1');
  const plaintext = await decrypt(
    ciphertextFromProto(decoded.v1),
    encryptionSecret(identityKey.secretKey),
    identityKey.publicKey.publicKey,
  );
  return actionFromProto(decodeProto(pb.PrivatePreferencesAction, plaintext, 'PrivatePreferencesAction'));
}
