import { describe, expect, it } from 'vitest';
import { randomBytes } from '@/protocol/bytes';
import { deviceSyncTopic, openDeviceNote, sealDeviceNote } from '@/protocol/device-sync';
import { privatePreferencesTopic } from '@/protocol/preferences';
import { secp256k1 } from '@/protocol/secp256k1';

// Device sync notes (docs/sync-format.md): only the identity that sealed a note can find and open it.
function identity() {
  const secretKey = randomBytes(32);
  return { secretKey, publicKey: secp256k1().publicKey(secretKey) };
}

describe('device sync notes', () => {
  it('derive one topic per identity, apart from the consent list topic', () => {
    const me = identity();
    const topic = deviceSyncTopic(me.secretKey);
    expect(topic).toMatch(/^\/xmtp\/0\/devicesync-[0-9a-f]{64}\/proto$/);
    expect(deviceSyncTopic(me.secretKey)).toBe(topic);
    expect(deviceSyncTopic(identity().secretKey)).not.toBe(topic);
    expect(privatePreferencesTopic(me.secretKey)).not.toBe(topic);
  });

  it('open for the identity that sealed them, with a fresh ciphertext each time, and for no other', async () => {
    const me = identity();
    const note = new TextEncoder().encode('{"v":1,"changes":[]}');
    const sealed = await sealDeviceNote(me, note);
    expect(await openDeviceNote(me, sealed)).toEqual(note);
    expect(await sealDeviceNote(me, note)).not.toEqual(sealed);
    await expect(openDeviceNote(identity(), sealed)).rejects.toMatchObject({ code: 'decryption_failed' });
    const flipped = sealed.slice();
    flipped[flipped.length - 1]! ^= 1;
    await expect(openDeviceNote(me, flipped)).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(openDeviceNote(me, new Uint8Array([1, 2, 3]))).rejects.toHaveProperty('code');
  });
});
