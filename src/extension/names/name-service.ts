// Peers' ENS names and avatars for the popup, never in its way: `known()` answers at once with what is cached
// (hex until then) and looks the rest up in the background, a few at a time, telling listeners which addresses
// changed. Cached in memory with a TTL: which addresses the user talks to is not written anywhere by this.
import { ExtensionError } from '@/extension/errors';
import { toBase64 } from '@/protocol/bytes';
import { createEnsLookup, type EnsLookup, type EnsProfile } from './ens';

/** What the popup shows for a peer: its verified primary name, and whether an avatar can be asked for. */
export interface PeerName {
  name?: string;
  avatar?: boolean;
}

export interface NameSettings {
  ens: boolean;
  ensRpcUrl: string;
  ensRegistry: string;
  ipfsGateway: string;
}

export interface NameService {
  known(addresses: string[]): Record<string, PeerName>;
  /** The address of `name.eth` (or any ENS name). */
  resolve(name: string): Promise<string>;
  /** The avatar image of a peer with one (fetched here, at most 1 MiB, raster images only). */
  avatar(address: string): Promise<{ mimeType: string; data: string }>;
  /** Forgets everything (settings changed, lock, sign out). */
  clear(): void;
}

const FOUND_TTL_MS = 6 * 60 * 60 * 1000;
const MISSING_TTL_MS = 30 * 60 * 1000;
/** After an RPC failure, try again this much later. */
const FAILED_TTL_MS = 2 * 60 * 1000;
const LOOKUPS_AT_ONCE = 4;
const MAX_AVATAR_BYTES = 1024 * 1024;
const AVATAR_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

interface Entry {
  profile?: EnsProfile;
  expires: number;
  image?: Promise<{ mimeType: string; data: string }>;
}

export function createNameService(deps: {
  settings(): Promise<NameSettings>;
  fetch: typeof fetch;
  now?: () => number;
  onResolved(addresses: string[]): void;
}): NameService {
  const now = deps.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const queue: string[] = [];
  let running = 0;
  let generation = 0;
  let lookup: { key: string; ens: EnsLookup } | undefined;

  async function ensFor(): Promise<EnsLookup | undefined> {
    const settings = await deps.settings();
    if (!settings.ens) return undefined;
    const key = `${settings.ensRpcUrl} ${settings.ensRegistry} ${settings.ipfsGateway}`;
    if (lookup?.key !== key) {
      lookup = {
        key,
        ens: createEnsLookup({
          rpcUrl: settings.ensRpcUrl,
          registry: settings.ensRegistry,
          ipfsGateway: settings.ipfsGateway,
          fetch: deps.fetch,
        }),
      };
    }
    return lookup.ens;
  }

  async function work() {
    const started = generation;
    for (let address = queue.shift(); address !== undefined; address = queue.shift()) {
      const ens = await ensFor().catch(() => undefined);
      if (!ens) {
        entries.delete(address);
        continue;
      }
      let entry: Entry;
      try {
        const profile = await ens.profile(address);
        entry = { profile, expires: now() + (profile.name ? FOUND_TTL_MS : MISSING_TTL_MS) };
      } catch {
        entry = { expires: now() + FAILED_TTL_MS };
      }
      if (generation !== started) return; // cleared meanwhile: a stale answer must not come back
      entries.set(address, entry);
      if (entry.profile?.name) deps.onResolved([address]);
    }
  }

  function schedule(address: string) {
    entries.set(address, { expires: Number.POSITIVE_INFINITY }); // in the queue: not asked for twice
    queue.push(address);
    if (running >= LOOKUPS_AT_ONCE) return;
    running++;
    void work().finally(() => running--);
  }

  return {
    known(addresses) {
      const answer: Record<string, PeerName> = {};
      for (const raw of addresses.slice(0, 1000)) {
        if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(raw)) continue;
        const address = raw.toLowerCase();
        const entry = entries.get(address);
        if (!entry || entry.expires <= now()) schedule(address);
        const profile = entry?.profile;
        if (profile?.name)
          answer[raw] = { name: profile.name, ...(profile.avatarUrl ? { avatar: true } : {}) };
      }
      return answer;
    },

    async resolve(name) {
      const ens = await ensFor();
      if (!ens) throw new ExtensionError('ens_off', 'ENS names are turned off in Settings: paste an address');
      let address: string | undefined;
      try {
        address = await ens.address(name);
      } catch (error) {
        if (
          (error as Error)?.name?.includes('Normalize') ||
          /normaliz|label|name/i.test((error as Error)?.message ?? '')
        )
          throw new ExtensionError(
            'invalid_name',
            `${JSON.stringify(name.slice(0, 100))} is not a valid ENS name`,
          );
        throw new ExtensionError(
          'rpc_unavailable',
          `the Ethereum RPC did not answer: ${(error as Error)?.message ?? error}`,
        );
      }
      if (!address) throw new ExtensionError('ens_not_found', `${name} does not point to an address`);
      return address;
    },

    avatar(raw) {
      const address = String(raw).toLowerCase();
      const entry = entries.get(address);
      const url = entry?.profile?.avatarUrl;
      if (!entry || !url)
        return Promise.reject(new ExtensionError('no_avatar', `no avatar known for ${raw}`));
      entry.image ??= loadImage(url, deps.fetch).catch((error: unknown) => {
        entry.image = undefined;
        throw error;
      });
      return entry.image;
    },

    clear() {
      generation++;
      entries.clear();
      queue.length = 0;
      lookup = undefined;
    },
  };
}

async function loadImage(url: string, fetchFn: typeof fetch): Promise<{ mimeType: string; data: string }> {
  const data = /^data:(image\/[a-z]+);base64,(.*)$/i.exec(url);
  if (data) return { mimeType: data[1]!.toLowerCase(), data: data[2]! };
  const response = await fetchFn(url, { credentials: 'omit', redirect: 'follow' });
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!response.ok) throw new ExtensionError('no_avatar', `the avatar at ${url} answered ${response.status}`);
  if (!AVATAR_TYPES.has(type))
    throw new ExtensionError('no_avatar', `the avatar at ${url} is not an image (${type})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_AVATAR_BYTES)
    throw new ExtensionError('no_avatar', `the avatar at ${url} is over 1 MiB`);
  return { mimeType: type, data: toBase64(bytes) };
}
