// How the inbox cache keeps records at rest (issue #17 item 5): each record is JSON sealed with AES-256-GCM under
// a key the vault derives while unlocked (a fresh 12-byte nonce per write, the record's store and key bound as
// AAD, so a sealed record cannot be moved to another place), and a topic, which can hold wallet addresses, is
// stored only as its HMAC-SHA256 under a second vault key. While locked, neither key exists.
import { ExtensionError } from '@/extension/errors';
import { NONCE_BYTES, open, seal } from '@/extension/vault/crypto';
import type { Vault } from '@/extension/vault/vault';
import { toBase64, utf8 } from '@/protocol/bytes';

export interface CacheKeys {
  /** AES-256-GCM: the records. */
  seal: CryptoKey;
  /** HMAC-SHA256: topics as lookup keys. */
  index: CryptoKey;
}

/** A record at rest. */
export interface Sealed {
  nonce: Uint8Array;
  data: Uint8Array;
}

const decoder = new TextDecoder();

const aad = (place: string) => utf8(`xmtp-inbox/cache/v1/${place}`);

export async function sealJson(key: CryptoKey, value: unknown, place: string): Promise<Sealed> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  return { nonce, data: await seal(key, nonce, utf8(JSON.stringify(value)), aad(place)) };
}

export async function openJson<T>(key: CryptoKey, sealed: Sealed, place: string): Promise<T> {
  const plain = await open(key, sealed.nonce, sealed.data, aad(place));
  if (!plain)
    throw new ExtensionError(
      'cache_corrupt',
      `a cached record (${place.split('/')[0]}) does not open with this account's key`,
    );
  return JSON.parse(decoder.decode(plain)) as T;
}

/** Topic → lookup key, remembered per index key (the same topic is looked up on every message). */
const topicKeys = new WeakMap<CryptoKey, Map<string, string>>();

export async function topicKey(key: CryptoKey, topic: string): Promise<string> {
  let known = topicKeys.get(key);
  if (!known) topicKeys.set(key, (known = new Map()));
  const found = known.get(topic);
  if (found) return found;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(topic) as BufferSource));
  const name = toBase64(mac);
  if (known.size > 50_000) known.clear();
  known.set(topic, name);
  return name;
}

/** The cache keys of the unlocked account (purpose `inbox-cache`); rejects with vault_locked while locked. */
export function vaultCacheKeys(vault: Pick<Vault, 'storageKey'>): () => Promise<CacheKeys> {
  return async () => {
    const [seal, index] = await Promise.all([
      vault.storageKey('inbox-cache'),
      vault.storageKey('inbox-cache', 'index'),
    ]);
    return { seal, index };
  };
}
