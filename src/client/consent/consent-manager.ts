// Consent (docs/protocol.md §11): allow/deny decisions per peer address, kept as encrypted
// `PrivatePreferencesAction`s on the owner's userpreferences topic, so every client of the same
// identity (ours, xmtp-js) sees the same list. Only the identity key can find or read the topic.
import { toChecksumAddress } from '@/protocol/address';
import { fromUtf8, utf8 } from '@/protocol/bytes';
import type { LegacyPrivateKey } from '@/protocol/keys';
import {
  decryptPreferencesAction,
  encryptPreferencesAction,
  privatePreferencesTopic,
  type PrivatePreferencesAction,
} from '@/protocol/preferences';
import type { ApiClient } from '@/client/api/api-client';
import type { Envelope } from '@/client/api/json';
import { StreamQueue, type Stream } from '@/client/stream';
import { ConsentMap, type ConsentChange, type ConsentEntry, type ConsentState } from './consent-map';

export type { ConsentChange, ConsentEntry, ConsentState };

/** What consent needs of the API client: publish, paged query and subscribe. */
export type ConsentApi = Pick<ApiClient, 'publish' | 'queryPages' | 'subscribe'>;

/** Byte-valued key/value store (the client's `Persistence`). */
export interface ConsentPersistence {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
}

export interface ConsentManagerOptions {
  api: ConsentApi;
  /** The identity key pair: 32-byte secret, 65-byte uncompressed public key (§11 derives both from it). */
  identityKey: { secretKey: Uint8Array; publicKey: Uint8Array };
  persistence: ConsentPersistence;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

/** What one `refresh()` read. */
export interface ConsentRefreshResult {
  /** Envelopes read from the topic. */
  envelopes: number;
  /** Actions that decrypted and were replayed. */
  applied: number;
  /** Envelopes skipped because they did not decrypt or decode (another key, corrupt, foreign). */
  skipped: number;
}

const ENTRIES_KEY = 'consent/entries';
const LAST_SYNC_KEY = 'consent/last-sync-ns';
// xmtp-js's job runner re-reads from its last run − 10 s so envelopes that arrived late are not missed (§11).
const OVERLAP_NS = 10_000_000_000n;
// A query on a single userpreferences topic may return up to 500 rows (§1.5, §16).
const PAGE_SIZE = 500;
const NS_PER_MS = 1_000_000n;

export class ConsentManager {
  /** The userpreferences topic of this identity. */
  readonly topic: string;
  private readonly api: ConsentApi;
  private readonly identityKey: LegacyPrivateKey;
  private readonly persistence: ConsentPersistence;
  private readonly now: () => number;
  private map: ConsentMap;
  private lastSyncNs: bigint;
  private lastPublishedMs = 0;
  // Refreshes, publishes and stream updates run one at a time so persisted state is never interleaved.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: ConsentManagerOptions, map: ConsentMap, lastSyncNs: bigint) {
    this.api = options.api;
    // The preferences crypto reads only the key pair; the key's timestamp plays no part (§11).
    const { secretKey, publicKey } = options.identityKey;
    this.identityKey = { timestampMs: 0n, secretKey, publicKey: { timestampMs: 0n, publicKey } };
    this.persistence = options.persistence;
    this.now = options.now ?? Date.now;
    this.topic = privatePreferencesTopic(secretKey);
    this.map = map;
    this.lastSyncNs = lastSyncNs;
  }

  /** A manager with the consent list and last-sync time saved in `persistence` (no network call). */
  static async create(options: ConsentManagerOptions): Promise<ConsentManager> {
    const [entries, lastSync] = await Promise.all([
      options.persistence.get(ENTRIES_KEY),
      options.persistence.get(LAST_SYNC_KEY),
    ]);
    return new ConsentManager(options, ConsentMap.fromBytes(entries), parseNs(lastSync));
  }

  /** The state of an address, compared case-insensitively; `unknown` when no action named it. */
  consentState(address: string): ConsentState {
    return this.map.state(address);
  }

  /** Every decided address with the time of the deciding action. */
  entries(): ConsentEntry[] {
    return this.map.list();
  }

  /** Publishes one action allowing all `addresses` (EIP-55-normalised), then records it locally. */
  allow(addresses: readonly string[]): Promise<void> {
    return this.publish('allowed', addresses);
  }

  /** Publishes one action denying all `addresses`, then records it locally. */
  deny(addresses: readonly string[]): Promise<void> {
    return this.publish('denied', addresses);
  }

  /**
   * Reads the topic ascending from the last sync − 10 s (everything with `full`, or on the first run),
   * 500 envelopes a page, and replays the actions in order; the newest action per address wins.
   * Envelopes that do not decrypt or decode are skipped and counted.
   */
  refresh(options: { full?: boolean } = {}): Promise<ConsentRefreshResult> {
    return this.serial(async () => {
      const startedNs = BigInt(this.now()) * NS_PER_MS;
      const map = options.full ? new ConsentMap() : this.map;
      const from = options.full || this.lastSyncNs === 0n ? undefined : this.lastSyncNs - OVERLAP_NS;
      const result: ConsentRefreshResult = { envelopes: 0, applied: 0, skipped: 0 };
      const pages = this.api.queryPages(this.topic, {
        direction: 'ascending',
        pageSize: PAGE_SIZE,
        ...(from !== undefined && from > 0n ? { startTimeNs: from } : {}),
      });
      for await (const page of pages) {
        for (const envelope of page) {
          result.envelopes++;
          if ((await this.replay(map, envelope)) === undefined) result.skipped++;
          else result.applied++;
        }
      }
      this.map = map;
      this.lastSyncNs = startedNs;
      await this.save(true);
      return result;
    });
  }

  /**
   * Consent changes as they are published (by this or any other client of the identity), applied to
   * this manager's list as they arrive. Undecryptable envelopes are ignored.
   */
  stream(): Stream<ConsentChange> {
    const queue = new StreamQueue<ConsentChange>();
    // From now on, by a catch-up query too: a change published while the connection opens is not lost.
    const since = { [this.topic]: BigInt(this.now()) * NS_PER_MS };
    const subscription = this.api.subscribe(
      [this.topic],
      (envelope) => {
        void this.serial(async () => {
          const changes = await this.replay(this.map, envelope);
          if (!changes?.length) return;
          await this.save(false);
          for (const change of changes) queue.push(change);
        }).catch((error: unknown) => queue.fail(error));
      },
      { since },
    );
    queue.setOnClose(() => subscription.close());
    return queue;
  }

  private async publish(state: 'allowed' | 'denied', addresses: readonly string[]): Promise<void> {
    const normalised = [...new Set(addresses.map((a) => toChecksumAddress(a)))];
    if (normalised.length === 0) return;
    return this.serial(async () => {
      const message = await encryptPreferencesAction(
        this.identityKey,
        state === 'allowed' ? { allowAddress: normalised } : { denyAddress: normalised },
      );
      // xmtp-js keys its stored actions by envelope time and sorts them by ms: two actions in one ms
      // would collide or tie, so each of ours gets its own ms, after every action already seen.
      const latestSeenMs = Number(this.map.latestNs / NS_PER_MS);
      const ms = Math.max(this.now(), this.lastPublishedMs + 1, latestSeenMs + 1);
      this.lastPublishedMs = ms;
      const timestampNs = BigInt(ms) * NS_PER_MS;
      await this.api.publish([{ contentTopic: this.topic, timestampNs, message }]);
      this.map.apply(normalised, state, timestampNs);
      await this.save(false);
    });
  }

  /** Decrypts and applies one envelope; undefined when it is not a readable action. */
  private async replay(map: ConsentMap, envelope: Envelope): Promise<ConsentChange[] | undefined> {
    let action: PrivatePreferencesAction;
    try {
      action = await decryptPreferencesAction(this.identityKey, envelope.message);
    } catch {
      return undefined;
    }
    // Group and inbox-id actions (proto 3.68) decide nothing for V1/V2 address consent.
    if ('allowAddress' in action) return map.apply(action.allowAddress, 'allowed', envelope.timestampNs);
    if ('denyAddress' in action) return map.apply(action.denyAddress, 'denied', envelope.timestampNs);
    return [];
  }

  private async save(withSyncTime: boolean): Promise<void> {
    await this.persistence.set(ENTRIES_KEY, this.map.toBytes());
    if (withSyncTime) await this.persistence.set(LAST_SYNC_KEY, utf8(this.lastSyncNs.toString()));
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parseNs(bytes: Uint8Array | undefined): bigint {
  if (!bytes) return 0n;
  try {
    const text = fromUtf8(bytes);
    return /^[0-9]+$/.test(text) ? BigInt(text) : 0n;
  } catch {
    return 0n;
  }
}
