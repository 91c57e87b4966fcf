// Contact bundles of peers (docs/protocol.md §3.7, §12.6): looked up on their contact topics, accepted only
// when signed by the wallet whose topic they sit on, cached for the client's lifetime.
import { isAddress, toChecksumAddress } from '@/protocol/address';
import { encodeSignedPublicKeyBundle } from '@/protocol/bundles';
import { equalBytes } from '@/protocol/bytes';
import {
  decodeContactBundle,
  encodeContactBundle,
  validateContactBundle,
  type ContactBundle,
} from '@/protocol/contact';
import type { Keyring } from '@/protocol/keyring';
import { contactTopic } from '@/protocol/topics';
import type { ApiClient, Envelope } from '@/client/api';

/** The first envelope holding a bundle signed by `address`'s wallet; forged or broken ones are skipped. */
function firstValid(envelopes: Envelope[], address: string): ContactBundle | undefined {
  for (const envelope of envelopes) {
    try {
      const contact = decodeContactBundle(envelope.message);
      validateContactBundle(contact, address);
      return contact;
    } catch {
      // Not a bundle of this wallet: anyone may publish junk here only if the node lets them; skip it.
    }
  }
  return undefined;
}

export class ContactDirectory {
  readonly #cache = new Map<string, ContactBundle>();

  constructor(private readonly api: ApiClient) {}

  /** The newest valid contact bundle of `address` (DESC, 5 per page, following the cursor), cached. */
  async get(address: string): Promise<ContactBundle | undefined> {
    const peer = toChecksumAddress(address);
    const cached = this.#cache.get(peer);
    if (cached) return cached;
    for await (const page of this.api.queryPages(contactTopic(peer), {
      direction: 'descending',
      pageSize: 5,
    })) {
      const found = firstValid(page, peer);
      if (found) {
        this.#cache.set(peer, found);
        return found;
      }
    }
    return undefined;
  }

  /** Batch lookup: one batch query, the 5 newest envelopes per address, no paging (§12.6). */
  async getMany(addresses: string[]): Promise<(ContactBundle | undefined)[]> {
    const results: (ContactBundle | undefined)[] = addresses.map(() => undefined);
    const queries: { index: number; address: string }[] = [];
    addresses.forEach((address, index) => {
      if (!isAddress(address)) return;
      const peer = toChecksumAddress(address);
      const cached = this.#cache.get(peer);
      if (cached) results[index] = cached;
      else queries.push({ index, address: peer });
    });
    if (queries.length === 0) return results;
    const pages = await this.api.batchQuery(
      queries.map((q) => ({ contentTopics: [contactTopic(q.address)], direction: 'descending', limit: 5 })),
    );
    queries.forEach((q, i) => {
      const found = firstValid(pages[i] ?? [], q.address);
      if (found) {
        this.#cache.set(q.address, found);
        results[q.index] = found;
      }
    });
    return results;
  }

  async canMessage(address: string): Promise<boolean> {
    if (!isAddress(address)) return false;
    return (await this.get(address)) !== undefined;
  }

  async canMessageMany(addresses: string[]): Promise<boolean[]> {
    return (await this.getMany(addresses)).map((c) => c !== undefined);
  }

  /**
   * Publishes our contact bundles (§12.1 step 3): nothing when the newest valid bundle already is our
   * V2 bundle; otherwise V1 first (for pre-v7 readers), then V2 in a separate publish unless `legacyOnly`.
   */
  async publishOwn(keyring: Keyring, options: { legacyOnly: boolean }): Promise<'published' | 'unchanged'> {
    const address = keyring.address;
    const topic = contactTopic(address);
    let newest: ContactBundle | undefined;
    for await (const page of this.api.queryPages(topic, { direction: 'descending', pageSize: 5 })) {
      newest = firstValid(page, address);
      if (newest) break;
    }
    if (
      newest?.version === 'v2' &&
      equalBytes(encodeSignedPublicKeyBundle(newest.keyBundle), keyring.signedBundleBytes)
    ) {
      this.#cache.set(address, newest);
      return 'unchanged';
    }
    // The V2 bundle gets a later timestamp so it is the newest even when both land in the same ms.
    const v1Ns = BigInt(Date.now()) * 1_000_000n;
    const v1: ContactBundle = { version: 'v1', keyBundle: keyring.publicBundle };
    await this.api.publish([{ contentTopic: topic, timestampNs: v1Ns, message: encodeContactBundle(v1) }]);
    this.#cache.set(address, v1);
    if (!options.legacyOnly) {
      const v2: ContactBundle = { version: 'v2', keyBundle: keyring.signedBundle };
      const v2Ns = BigInt(Date.now()) * 1_000_000n;
      await this.api.publish([
        {
          contentTopic: topic,
          timestampNs: v2Ns > v1Ns ? v2Ns : v1Ns + 1_000_000n,
          message: encodeContactBundle(v2),
        },
      ]);
      this.#cache.set(address, v2);
    }
    return 'published';
  }
}
