import { describe, expect, it } from 'vitest';
import { AuthTokenError, createAuthToken, parseAuthorizationHeader, verifyAuthToken } from '@/protocol/authn';
import { fromBase64, toBase64 } from '@/protocol/bytes';
import { xmtp } from '@/protocol/gen/xmtp';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { fromLong, toLong } from '@/protocol/long';
import { newWallet } from './helpers';

// §2.5: captured from xmtp-js (xmtp-node-go pkg/api/token_test.go Test_XmtpjsToken).
const XMTPJS_TOKEN =
  'CpQBCPe9zuiqMBJGCkQKQHOOPN+A8lNOnt42Pis2R6jkbDvhsC0EsLDCFf+VGh/yYssKafl7ma+4bmo/fEEvf435Wy/klBXOQN8Nu3lIW+kQARpDCkEEkqxMLK+SGTEE7lnXmOxUoWynlTBg8TAQNIXf2IcometsYfw2UO9C+IryDLH4utr2pHv726oFyuMhpSHi/YNM1hI2CioweDJEMGU2MTRlOERjOEFkZjgyYzcwMDkwRjkwNWU2Y0ZDMURFODQ5MDAQgKumuYqujYYXGkYKRApAQ+8Nug8k6TWLA/pNcPDgW01Sdn9o2h3484jSGlWkxDl1o8mFtsxofxOA5gUxt+/nw33kSER0Yukl1OO2Tfd68hAB';
const XMTPJS_WALLET = '0x2D0e614e8Dc8Adf82c70090F905e6cFC1DE84900';
const XMTPJS_CREATED_NS = 1660761120550000000n;
const XMTPJS_CREATED_MS = Number(XMTPJS_CREATED_NS / 1_000_000n);
// Test_DecodeXmtpjsToken: only has to decode.
const SECOND_TOKEN =
  'CpIBCOqy8+iqMBJECkIKQGsPVyMg1ZjfJXCu7+IxuRJ9/JrWvPIPsZ+GjRM+eQ8kLCfuOequP3GscERICC3qRk/l4eCW/kqM5fbd5/TcQHEaQwpBBAzYR20tIAxsD3cXSnrDBoZ8xr2FPgA9d4u1QzaNt/t0tpQ9G6i9ju35nCDTr35iMbZvbYfZJKYbed2ABOZ2xdMSNgoqMHg1NDY3ZUU5ZGU5MmE3ZDgzMGE3MTMxNTZkZjg4ZGQ2Qjg3MDQwZUY2EMCs9dTXv42GFxpGCkQKQBoIQ77Vi0SU3M5s1WsthNiJgI8Vx89cSzZvJiaIVNJYCJO2x55eEex5R4o55XFvoNrgGcRyDOGg3WMsTWlWOx8QAQ==';

function expectAuthError(fn: () => unknown, code: string, message: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthTokenError);
    expect((err as AuthTokenError).code).toBe(code);
    expect((err as AuthTokenError).message).toBe(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('auth token known answer (§2.5)', () => {
  it('decodes the xmtp-js token: identity key timestamp, ecdsa_compact recovery 1, AuthData', () => {
    const token = xmtp.message_api.v1.Token.decode(fromBase64(XMTPJS_TOKEN));
    expect(String(token.identityKey!.timestamp)).toBe('1660761120503');
    expect(token.identityKey!.signature!.ecdsaCompact!.recovery).toBe(1);
    const authData = xmtp.message_api.v1.AuthData.decode(token.authDataBytes);
    expect(authData.walletAddr).toBe(XMTPJS_WALLET);
    expect(authData.createdNs.toString()).toBe(XMTPJS_CREATED_NS.toString());
  });

  it('verifies the xmtp-js token at created + 10 minutes and returns its wallet', () => {
    const result = verifyAuthToken(XMTPJS_TOKEN, { nowMs: XMTPJS_CREATED_MS + 10 * 60_000 });
    expect(result.walletAddress).toBe(XMTPJS_WALLET);
    expect(result.createdNs).toBe(XMTPJS_CREATED_NS);
  });

  it('decodes the second xmtp-js token (it is expired now)', () => {
    expectAuthError(
      () => verifyAuthToken(SECOND_TOKEN, { nowMs: Date.now() }),
      'auth_token_expired',
      'validating token: token expired',
    );
  });

  it('rejects "aGk=" and "" with missing identity key', () => {
    for (const bad of ['aGk=', '']) {
      expectAuthError(
        () => verifyAuthToken(bad, { nowMs: XMTPJS_CREATED_MS }),
        'auth_missing_identity_key',
        'extracting token: missing identity key',
      );
    }
  });

  it('rejects the token after one hour and before its creation minus 5 minutes', () => {
    expectAuthError(
      () => verifyAuthToken(XMTPJS_TOKEN, { nowMs: XMTPJS_CREATED_MS + 3_600_001 }),
      'auth_token_expired',
      'validating token: token expired',
    );
    expectAuthError(
      () => verifyAuthToken(XMTPJS_TOKEN, { nowMs: XMTPJS_CREATED_MS - 5 * 60_000 - 1 }),
      'auth_token_from_future',
      'validating token: token from the future',
    );
    expect(verifyAuthToken(XMTPJS_TOKEN, { nowMs: XMTPJS_CREATED_MS - 5 * 60_000 }).walletAddress).toBe(
      XMTPJS_WALLET,
    );
  });

  it('rejects a token whose auth data was signed over sha256 instead of keccak256', () => {
    // Tamper: change one byte of the auth data so the keccak256 signature no longer matches.
    const token = xmtp.message_api.v1.Token.decode(fromBase64(XMTPJS_TOKEN));
    const data = xmtp.message_api.v1.AuthData.decode(token.authDataBytes);
    token.authDataBytes = xmtp.message_api.v1.AuthData.encode({
      ...data,
      createdNs: toLong(fromLong(data.createdNs) + 1n),
    }).finish();
    const b64 = toBase64(xmtp.message_api.v1.Token.encode(token).finish());
    expectAuthError(
      () => verifyAuthToken(b64, { nowMs: XMTPJS_CREATED_MS }),
      'auth_invalid_signature',
      'validating token: invalid signature',
    );
  });

  it('rejects the high-S twin of a valid auth data signature', () => {
    const token = xmtp.message_api.v1.Token.decode(fromBase64(XMTPJS_TOKEN));
    const sig = token.authDataSignature!.ecdsaCompact!;
    const sigBytes = sig.bytes!;
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt('0x' + Buffer.from(sigBytes.subarray(32)).toString('hex'));
    const highS = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
    const bytes = new Uint8Array(sigBytes);
    bytes.set(highS, 32);
    token.authDataSignature = { ecdsaCompact: { bytes, recovery: 1 - (sig.recovery ?? 0) } };
    const b64 = toBase64(xmtp.message_api.v1.Token.encode(token).finish());
    expectAuthError(
      () => verifyAuthToken(b64, { nowMs: XMTPJS_CREATED_MS }),
      'auth_invalid_signature',
      'validating token: invalid signature',
    );
  });
});

describe('auth tokens we make', () => {
  it('carry the identity key wallet and verify, and a swapped auth data fails with wallet mismatch', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const nowMs = Date.now();
    const token = createAuthToken(bundle.identityKey, { nowMs });
    const verified = verifyAuthToken(token, { nowMs });
    expect(verified.walletAddress).toBe(wallet.address);
    expect(verified.createdNs).toBe(BigInt(nowMs) * 1_000_000n);

    const other = newWallet();
    const lying = createAuthToken(bundle.identityKey, { nowMs, walletAddress: other.address });
    expectAuthError(
      () => verifyAuthToken(lying, { nowMs }),
      'auth_wallet_mismatch',
      'validating token: wallet address mismatch',
    );
  });

  it('rejects a token whose identity key signature was made by another wallet for another key', async () => {
    const a = await createPrivateKeyBundle(newWallet());
    const b = await createPrivateKeyBundle(newWallet());
    const nowMs = Date.now();
    // Transplant b's wallet signature onto a's identity key: it recovers to an unrelated address.
    const forged = {
      ...a.identityKey,
      publicKey: { ...a.identityKey.publicKey, signature: b.identityKey.publicKey.signature! },
    };
    const token = createAuthToken(forged, { nowMs, walletAddress: await newWallet().getAddress() });
    expectAuthError(
      () => verifyAuthToken(token, { nowMs }),
      'auth_wallet_mismatch',
      'validating token: wallet address mismatch',
    );
  });

  it('refuses to make a token from an identity key no wallet signed', async () => {
    const bundle = await createPrivateKeyBundle(newWallet());
    const unsigned = {
      ...bundle.identityKey,
      publicKey: { ...bundle.identityKey.publicKey, signature: undefined },
    };
    expect(() => createAuthToken(unsigned)).toThrow(expect.objectContaining({ code: 'unsigned_key' }));
  });

  it('reports malformed protobuf while extracting', () => {
    expect(() => verifyAuthToken(toBase64(new Uint8Array([0x0a, 0x05, 1])), { nowMs: 0 })).toThrow(
      /^extracting token: /,
    );
  });
});

describe('Authorization header', () => {
  it('returns the token after Bearer', () => {
    expect(parseAuthorizationHeader('Bearer abc=')).toBe('abc=');
    expect(parseAuthorizationHeader('Bearer  abc ')).toBe('abc');
  });

  it('uses the node texts for missing, malformed and foreign schemes', () => {
    expectAuthError(
      () => parseAuthorizationHeader(undefined),
      'auth_token_not_provided',
      'authorization token is not provided',
    );
    expectAuthError(
      () => parseAuthorizationHeader('Bearer'),
      'auth_invalid_header',
      'invalid authorization header',
    );
    expectAuthError(
      () => parseAuthorizationHeader('Basic abc'),
      'auth_unrecognized_scheme',
      'unrecognized authorization scheme Basic',
    );
  });
});
