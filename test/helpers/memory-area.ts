// A browser.storage area in memory, for running the vault and the inbox service in Node.
import type { KeyValueArea } from '@/extension/storage-area';

/** A KeyValueArea in memory, with the same copy-on-write semantics as browser.storage (values are cloned). */
export function createMemoryArea(): KeyValueArea & {
  get(keys: string | null): Promise<Record<string, unknown>>;
  snapshot(): Record<string, unknown>;
} {
  const items = new Map<string, unknown>();
  return {
    async get(key: string | null) {
      if (key === null) return structuredClone(Object.fromEntries(items));
      return items.has(key) ? { [key]: structuredClone(items.get(key)) } : {};
    },
    async set(values) {
      for (const [key, value] of Object.entries(values)) items.set(key, structuredClone(value));
    },
    async remove(keys) {
      for (const key of Array.isArray(keys) ? keys : [keys]) items.delete(key);
    },
    snapshot() {
      return Object.fromEntries(items);
    },
  };
}
