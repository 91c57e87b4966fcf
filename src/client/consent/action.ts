// `PrivatePreferencesAction` (protocol.md §11) as the consent list needs it: address allow/deny lists.
// Group and inbox-id entries (proto 3.68) are decoded and ignored: V1/V2 consent is per address.
import { xmtp } from '@/protocol/gen/xmtp';
import { decodeProto } from '@/protocol/keys';

import pb = xmtp.message_contents;

export interface AddressAction {
  allow: string[];
  deny: string[];
}

/** One action per call, merged like xmtp-js 13 (§16): all addresses under one oneof member. */
export function encodeAddressAction(state: 'allowed' | 'denied', addresses: readonly string[]): Uint8Array {
  const list = { walletAddresses: [...addresses] };
  return pb.PrivatePreferencesAction.encode(
    state === 'allowed' ? { allowAddress: list } : { denyAddress: list },
  ).finish();
}

/**
 * The address lists of an encoded action. xmtp-js 13 builds merged actions as plain objects, so both
 * `allow_address` and `deny_address` may be present despite the oneof; it applies allows first.
 */
export function decodeAddressAction(bytes: Uint8Array): AddressAction {
  const action = decodeProto(pb.PrivatePreferencesAction, bytes, 'PrivatePreferencesAction');
  return {
    allow: action.allowAddress?.walletAddresses ?? [],
    deny: action.denyAddress?.walletAddresses ?? [],
  };
}
