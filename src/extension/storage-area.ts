/**
 * The part of a `browser.storage` area the extension uses. Injected into the vault and the inbox service so
 * Node tests run them on an in-memory area, and the background on `browser.storage.session` / `.local`.
 */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string | string[]): Promise<void>;
}

/** A KeyValueArea in memory, with the same copy-on-write semantics as browser.storage (values are cloned). */
export function createMemoryArea(): KeyValueArea & { snapshot(): Record<string, unknown> } {
  const items = new Map<string, unknown>();
  return {
    async get(key) {
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
