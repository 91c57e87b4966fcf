import { describe, expect, it } from 'vitest';
import { fromHex, fromUtf8, toHex, utf8 } from '@/protocol/bytes';
import {
  decodeCiphertext,
  decrypt,
  encodeCiphertext,
  encrypt,
  importEncryptionKey,
  patchCiphertext,
  prepareEncryption,
  startEncryption,
} from '@/protocol/cipher';
import { hkdfSha256 } from '@/protocol/hash';

const secret = new Uint8Array(32).fill(1);
const vector = {
  hkdfSalt: new Uint8Array(32).fill(2),
  gcmNonce: new Uint8Array(12).fill(3),
  payload: fromHex('95bd964a65424551f5fba50c95c26fde8a422374f0a0cca481ef'),
};
const aad = utf8('header-bytes');

describe('Aes256gcmHkdfsha256 (§6)', () => {
  it('derives the known AES key and decrypts the known payload', async () => {
    expect(toHex(hkdfSha256(secret, vector.hkdfSalt, new Uint8Array(), 32))).toBe(
      'f13753d996ddf621689ee1baf81726ca065217bb9d98360dd0b4f546aefc5c82',
    );
    expect(fromUtf8(await decrypt(vector, secret, aad))).toBe('hello xmtp');
  });

  it('round-trips through the protobuf form with any secret length and no AAD', async () => {
    const ct = await encrypt(utf8('x'.repeat(1000)), new Uint8Array(195).fill(9));
    expect(ct.hkdfSalt.length).toBe(32);
    expect(ct.gcmNonce.length).toBe(12);
    const back = decodeCiphertext(encodeCiphertext(ct));
    expect(fromUtf8(await decrypt(back, new Uint8Array(195).fill(9)))).toBe('x'.repeat(1000));
  });

  it('rejects a tampered payload, a wrong AAD and a wrong secret with decryption_failed', async () => {
    const tampered = { ...vector, payload: new Uint8Array(vector.payload) };
    tampered.payload[0]! ^= 1;
    await expect(decrypt(tampered, secret, aad)).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(decrypt(vector, secret, utf8('other'))).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(decrypt(vector, secret)).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(decrypt(vector, new Uint8Array(32), aad)).rejects.toMatchObject({
      code: 'decryption_failed',
    });
  });

  it('validates salt, nonce and payload lengths', async () => {
    await expect(decrypt({ ...vector, hkdfSalt: new Uint8Array(31) }, secret)).rejects.toMatchObject({
      code: 'invalid_ciphertext',
      message: 'invalid hkdf salt length: 31',
    });
    await expect(decrypt({ ...vector, gcmNonce: new Uint8Array(16) }, secret)).rejects.toMatchObject({
      code: 'invalid_ciphertext',
    });
    await expect(decrypt({ ...vector, payload: new Uint8Array(15) }, secret)).rejects.toMatchObject({
      code: 'invalid_ciphertext',
    });
    expect(() => decodeCiphertext(new Uint8Array([0x0a, 0x10]))).toThrow(
      expect.objectContaining({ code: 'malformed_protobuf' }),
    );
  });

  it('patches a ciphertext into exactly the encryption of the changed plaintext', async () => {
    // Lengths around block edges and patches at the start, across a block boundary, in the last partial block and
    // at the very end: the patched bytes and tag must equal a fresh encryption under the same key and nonce.
    for (const length of [1, 15, 16, 17, 100, 4099]) {
      for (const [offset, size] of [
        [0, 1],
        [Math.max(0, length - 66), Math.min(66, length)],
        [Math.floor(length / 2), Math.min(20, length - Math.floor(length / 2))],
        [length - 1, 1],
      ] as const) {
        const before = new Uint8Array(length).map((_, i) => i * 7);
        const after = before.slice();
        for (let i = 0; i < size; i++) after[offset + i] = 255 - i;
        const prepared = prepareEncryption(secret);
        const key = await importEncryptionKey(prepared);
        const patched = await startEncryption(prepared, key, before, aad);
        patchCiphertext(
          prepared,
          patched,
          offset,
          before.subarray(offset, offset + size),
          after.subarray(offset, offset + size),
        );
        const fresh = await startEncryption(prepared, key, after, aad);
        expect(toHex(patched.payload), `length ${length}, offset ${offset}`).toBe(toHex(fresh.payload));
        expect(toHex(await decrypt(patched, secret, aad))).toBe(toHex(after));
      }
    }
  });

  it('refuses a patch outside the ciphertext', async () => {
    const prepared = prepareEncryption(secret);
    const ct = await startEncryption(prepared, await importEncryptionKey(prepared), new Uint8Array(10));
    expect(() => patchCiphertext(prepared, ct, 8, new Uint8Array(3), new Uint8Array(3))).toThrow(
      expect.objectContaining({ code: 'invalid_ciphertext' }),
    );
    expect(() => patchCiphertext(prepared, ct, 0, new Uint8Array(3), new Uint8Array(2))).toThrow(
      expect.objectContaining({ code: 'invalid_ciphertext' }),
    );
  });
});
