// Cache keys for tests that exercise the cache without a vault: generated once per call, like one account's.
import type { CacheKeys } from '@/extension/cache/sealing';

export function testCacheKeys(): () => Promise<CacheKeys> {
  let keys: Promise<CacheKeys> | undefined;
  return () =>
    (keys ??= (async () => ({
      seal: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
      index: await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']),
    }))());
}
