import { expect, it } from 'vitest';
import { verifyAuthToken } from '@/protocol/authn';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { TokenAuthenticator, TOKEN_LIFETIME_MS } from '@/client/identity/authenticator';
import { newWallet } from './helpers';

it('reuses a token until it nears the node expiry, and makes a fresh one on refresh', async () => {
  const wallet = newWallet();
  const bundle = await createPrivateKeyBundle(wallet);
  let now = 1_700_000_000_000;
  const auth = new TokenAuthenticator(bundle.identityKey, wallet.address, () => now);
  const first = await auth.getToken({ refresh: false });
  expect(verifyAuthToken(first, { nowMs: now }).walletAddress).toBe(wallet.address);
  now += 60_000;
  expect(await auth.getToken({ refresh: false })).toBe(first);
  const refreshed = await auth.getToken({ refresh: true });
  expect(refreshed).not.toBe(first);
  expect(verifyAuthToken(refreshed, { nowMs: now }).createdNs).toBe(BigInt(now) * 1_000_000n);
  now += TOKEN_LIFETIME_MS;
  const renewed = await auth.getToken({ refresh: false });
  expect(renewed).not.toBe(refreshed);
  // The node accepts tokens up to one hour old: the renewed one is valid well past that of the old one.
  expect(() => verifyAuthToken(refreshed, { nowMs: now + 10 * 60_000 })).toThrow(/token expired/);
  expect(verifyAuthToken(renewed, { nowMs: now + 10 * 60_000 }).walletAddress).toBe(wallet.address);
});
