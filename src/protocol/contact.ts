// Contact bundles (§3.7): what a client publishes on its contact topic so others can reach it.
import { toChecksumAddress } from './address';
import {
  publicKeyBundleFromProto,
  publicKeyBundleToProto,
  signedPublicKeyBundleFromProto,
  signedPublicKeyBundleToProto,
  verifyPublicKeyBundle,
  verifySignedPublicKeyBundle,
  type PublicKeyBundle,
  type SignedPublicKeyBundle,
} from './bundles';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';

import pb = xmtp.message_contents;

export type ContactBundle =
  { version: 'v1'; keyBundle: PublicKeyBundle } | { version: 'v2'; keyBundle: SignedPublicKeyBundle };

/** The versioned `ContactBundle` bytes published on `/xmtp/0/contact-<addr>/proto`. */
export function encodeContactBundle(contact: ContactBundle): Uint8Array {
  return pb.ContactBundle.encode(
    contact.version === 'v1'
      ? { v1: { keyBundle: publicKeyBundleToProto(contact.keyBundle) } }
      : { v2: { keyBundle: signedPublicKeyBundleToProto(contact.keyBundle) } },
  ).finish();
}

/**
 * Reads a contact bundle: the versioned `ContactBundle`, or a bare `PublicKeyBundle` from very old
 * clients (§3.7). Throws `invalid_contact_bundle` "unknown or invalid contact bundle".
 */
export function decodeContactBundle(bytes: Uint8Array): ContactBundle {
  try {
    const cb = pb.ContactBundle.decode(bytes);
    if (cb.v1?.keyBundle) return { version: 'v1', keyBundle: publicKeyBundleFromProto(cb.v1.keyBundle) };
    if (cb.v2?.keyBundle)
      return { version: 'v2', keyBundle: signedPublicKeyBundleFromProto(cb.v2.keyBundle) };
  } catch {
    // fall through to the bare legacy bundle
  }
  try {
    return { version: 'v1', keyBundle: publicKeyBundleFromProto(pb.PublicKeyBundle.decode(bytes)) };
  } catch (cause) {
    throw new ProtocolError('invalid_contact_bundle', 'unknown or invalid contact bundle', { cause });
  }
}

/** The wallet behind a contact bundle, after checking its prekey and identity signatures. */
export function contactBundleAddress(contact: ContactBundle): string {
  return contact.version === 'v1'
    ? verifyPublicKeyBundle(contact.keyBundle)
    : verifySignedPublicKeyBundle(contact.keyBundle);
}

/**
 * Checks that a contact bundle found on `claimedAddress`'s contact topic belongs to that wallet
 * (case-insensitive, as xmtp-js compares, §3.7). Throws `contact_wallet_mismatch` otherwise.
 */
export function validateContactBundle(contact: ContactBundle, claimedAddress: string): string {
  const address = contactBundleAddress(contact);
  if (address !== toChecksumAddress(claimedAddress)) {
    throw new ProtocolError(
      'contact_wallet_mismatch',
      `contact bundle is signed by ${address}, not by ${claimedAddress}`,
    );
  }
  return address;
}
