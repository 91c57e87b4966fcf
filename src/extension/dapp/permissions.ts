// Per-origin grants, EIP-2255-shaped, in browser.storage.local under one key (issue #6). Only the background
// reads them; a page only ever sees its own origin's (the origin comes from the port's sender, never a payload).
import type { KeyValueArea } from '@/extension/storage-area';
import type { Capability, Grant } from '@/extension/messages/dapp';

const KEY = 'dappPermissions';

export interface PermissionStore {
  /** The grants of one origin (empty when none). */
  get(origin: string): Promise<Grant[]>;
  /** Replaces the origin's grants for `capabilities` (others stay); returns all its grants. */
  grant(origin: string, capabilities: Capability[], conversationIdPrefix?: string): Promise<Grant[]>;
  /** Removes the listed capabilities (all when absent); returns what remains. */
  revoke(origin: string, capabilities?: Capability[]): Promise<Grant[]>;
  /** Forgets every origin's grants (sign out: a new identity starts with no connected sites). */
  clear(): Promise<void>;
  /** Every origin with at least one grant, for settings' connected sites. */
  list(): Promise<{ origin: string; grants: Grant[] }[]>;
  /** Called after any change of an origin's grants. */
  onChange(listener: (origin: string, grants: Grant[]) => void): () => void;
}

type Stored = Record<string, Grant[]>;

export function createPermissionStore(area: KeyValueArea, now: () => number = Date.now): PermissionStore {
  const listeners = new Set<(origin: string, grants: Grant[]) => void>();
  // Read-modify-write of one storage key: serialize changes so two quick grants cannot lose one another.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  async function read(): Promise<Stored> {
    const value = (await area.get(KEY))[KEY];
    return value && typeof value === 'object' ? (value as Stored) : {};
  }

  async function write(origin: string, grants: Grant[]): Promise<Grant[]> {
    const all = await read();
    if (grants.length) all[origin] = grants;
    else delete all[origin];
    await area.set({ [KEY]: all });
    for (const listener of listeners) listener(origin, grants);
    return grants;
  }

  return {
    async get(origin) {
      const all = await read();
      return Object.prototype.hasOwnProperty.call(all, origin) && Array.isArray(all[origin])
        ? all[origin]
        : [];
    },
    grant: (origin, capabilities, prefix) =>
      serial(async () => {
        const kept = ((await read())[origin] ?? []).filter((g) => !capabilities.includes(g.parentCapability));
        const date = now();
        const added: Grant[] = capabilities.map((parentCapability) => ({
          invoker: origin,
          parentCapability,
          caveats: prefix === undefined ? [] : [{ type: 'conversationIdPrefix', value: prefix }],
          date,
        }));
        return write(origin, [...kept, ...added]);
      }),
    revoke: (origin, capabilities) =>
      serial(async () => {
        const current = (await read())[origin] ?? [];
        const left = capabilities ? current.filter((g) => !capabilities.includes(g.parentCapability)) : [];
        return write(origin, left);
      }),
    clear: () =>
      serial(async () => {
        const origins = Object.keys(await read());
        await area.remove(KEY);
        for (const origin of origins) for (const listener of listeners) listener(origin, []);
      }),
    async list() {
      return Object.entries(await read())
        .filter(([, grants]) => Array.isArray(grants) && grants.length > 0)
        .map(([origin, grants]) => ({ origin, grants }))
        .sort((a, b) => a.origin.localeCompare(b.origin));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
