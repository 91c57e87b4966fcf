// xmtp-js 13.0.4 as a peer without a network: its own key bundles, InMemoryKeystore (invites, V1/V2
// crypto) and ConversationV2 on a minimal client object, so we exercise its real message code.
import { createRequire } from 'node:module';
import type * as XmtpJs from '@xmtp/xmtp-js';
import type * as XmtpProto from '@xmtp/proto';
import type { Signer } from '@/protocol/identity';

// createRequire keeps this loadable from the tsx bench as well as from vitest (docs/design.md §3).
const require = createRequire(import.meta.url);
export const xmtpjs = require('@xmtp/xmtp-js') as typeof XmtpJs;
export const xproto = require('@xmtp/proto') as typeof XmtpProto;

export interface XmtpJsPeer {
  address: string;
  bundle: XmtpJs.PrivateKeyBundleV1;
  keystore: XmtpJs.InMemoryKeystore;
  publicBundle: XmtpJs.PublicKeyBundle;
  signedBundle: XmtpJs.SignedPublicKeyBundle;
}

export async function xmtpjsPeer(wallet: Signer, bundle?: XmtpJs.PrivateKeyBundleV1): Promise<XmtpJsPeer> {
  const keys = bundle ?? (await xmtpjs.PrivateKeyBundleV1.generate(wallet));
  const keystore = await xmtpjs.InMemoryKeystore.create(keys, xmtpjs.InMemoryPersistence.create());
  const publicBundle = keys.getPublicKeyBundle();
  return {
    address: keystore.walletAddress,
    bundle: keys,
    keystore,
    publicBundle,
    signedBundle: xmtpjs.SignedPublicKeyBundle.fromLegacyBundle(publicBundle),
  };
}

/** Decodes our versioned PrivateKeyBundle bytes with xmtp-js. */
export function xmtpjsBundleFromBytes(bytes: Uint8Array): XmtpJs.PrivateKeyBundleV1 {
  return new xmtpjs.PrivateKeyBundleV1(xproto.privateKey.PrivateKeyBundle.decode(bytes).v1!);
}

/** xmtp-js's ConversationV2 on the keystore, with content passed through as raw payload bytes. */
export function xmtpjsConversationV2(
  peer: XmtpJsPeer,
  topic: string,
  peerAddress: string,
): XmtpJs.ConversationV2<unknown> {
  const client = {
    keystore: peer.keystore,
    signedPublicKeyBundle: peer.signedBundle,
    decodeContent: async (payload: Uint8Array) => ({
      content: payload,
      contentType: undefined,
      error: undefined,
      contentFallback: undefined,
    }),
  };
  return new xmtpjs.ConversationV2(client as never, topic, peerAddress, new Date(), undefined, undefined);
}

/** A network of one topic map, enough for xmtp-js's private-store TopicPersistence. */
export function memoryApiClient() {
  const topics = new Map<string, Uint8Array[]>();
  return {
    topics,
    async *queryIterator(params: { contentTopic: string }) {
      const list = topics.get(params.contentTopic) ?? [];
      for (const message of [...list].reverse()) yield { contentTopic: params.contentTopic, message };
    },
    async publish(messages: { contentTopic: string; message: Uint8Array }[]) {
      for (const m of messages)
        topics.set(m.contentTopic, [...(topics.get(m.contentTopic) ?? []), m.message]);
      return [];
    },
    setAuthenticator() {},
  };
}
