import * as proto from '@xmtp/proto';
import * as xmtpjs from '@xmtp/xmtp-js';
import { describe, expect, it } from 'vitest';
import { createAuthToken, verifyAuthToken } from '@/protocol/authn';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromBase64 } from '@/protocol/bytes';
import { keccak256 } from '@/protocol/hash';
import { newWallet } from '../protocol/helpers';

describe('auth tokens between xmtp-js and us', () => {
  it('verifies a token made by xmtp-js LocalAuthenticator for its wallet', async () => {
    const wallet = newWallet();
    const bundle = await xmtpjs.PrivateKeyBundleV1.generate(wallet);
    const now = new Date();
    const token = await new xmtpjs.LocalAuthenticator(bundle.identityKey).createToken(now);
    const verified = verifyAuthToken(token.toBase64(), { nowMs: now.getTime() });
    expect(verified.walletAddress).toBe(wallet.address);
    expect(verified.createdNs).toBe(BigInt(now.getTime()) * 1_000_000n);
  });

  it('makes a token from an xmtp-js key bundle carrying the wallet xmtp-js derives for that key', async () => {
    const wallet = newWallet();
    const theirs = await xmtpjs.PrivateKeyBundleV1.generate(wallet);
    const { bundle } = decodePrivateKeyBundle(theirs.encode());
    const nowMs = Date.now();
    const b64 = createAuthToken(bundle.identityKey, { nowMs });
    const token = proto.authn.Token.decode(fromBase64(b64));
    const identityKey = new xmtpjs.PublicKey(token.identityKey!);
    // xmtp-js reads our token: the wallet it derives for the key is the one in AuthData,
    // and the key's signature over keccak256(auth_data_bytes) verifies.
    expect(identityKey.walletSignatureAddress()).toBe(wallet.address);
    expect(proto.authn.AuthData.decode(token.authDataBytes).walletAddr).toBe(wallet.address);
    expect(
      identityKey.verify(new xmtpjs.Signature(token.authDataSignature!), keccak256(token.authDataBytes)),
    ).toBe(true);
    expect(verifyAuthToken(b64, { nowMs }).walletAddress).toBe(wallet.address);
  });
});
