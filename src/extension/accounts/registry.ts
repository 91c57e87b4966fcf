// Which accounts this browser holds and which one is active, in browser.storage.local. Only ids are stored: an
// account's address and everything else live in its own space (accounts/space-names.ts), so the list itself says
// nothing about who the user is.
import { ExtensionError } from '@/extension/errors';
import type { KeyValueArea } from '@/extension/storage-area';

/** The account an install had before there were several: its data keeps the names it always had. */
export const FIRST_ACCOUNT = 'main';

const KEY = 'accounts';

export interface Registry {
  /** In the order they were added; always holds `active`. */
  ids: string[];
  active: string;
}

const ID_PATTERN = /^(main|[0-9a-f]{16})$/;

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function newAccountId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/** What is stored, or the one first account when nothing (or something unreadable) is. */
export async function readRegistry(local: KeyValueArea): Promise<Registry> {
  const stored = (await local.get(KEY))[KEY] as Partial<Registry> | undefined;
  const ids = Array.isArray(stored?.ids) ? [...new Set(stored.ids.filter(isAccountId))] : [];
  if (!ids.length) return { ids: [FIRST_ACCOUNT], active: FIRST_ACCOUNT };
  const active = isAccountId(stored?.active) && ids.includes(stored.active) ? stored.active : ids[0]!;
  return { ids, active };
}

export async function writeRegistry(local: KeyValueArea, registry: Registry): Promise<void> {
  if (!registry.ids.includes(registry.active))
    throw new ExtensionError('internal', 'the active account must be in the list');
  await local.set({ [KEY]: { ids: registry.ids, active: registry.active } });
}

/** The registry without `id`; when it was the last one, the first account's (wiped) space takes its place. */
export function withoutAccount(registry: Registry, id: string): Registry {
  const ids = registry.ids.filter((other) => other !== id);
  if (!ids.length) return { ids: [FIRST_ACCOUNT], active: FIRST_ACCOUNT };
  return { ids, active: registry.active === id ? ids[0]! : registry.active };
}
