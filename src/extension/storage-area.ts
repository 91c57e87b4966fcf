/**
 * The part of a `browser.storage` area the extension uses. Injected into the vault and the inbox service so
 * Node tests run them on an in-memory area (test/helpers/memory-area.ts), and the background on `browser.storage.session` / `.local`.
 */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string | string[]): Promise<void>;
}

/**
 * `area` seen through a key prefix: what one account keeps in a storage area shared by several (its settings,
 * account record, dapp grants) under names that cannot meet another account's. An empty prefix is `area` itself.
 */
export function prefixedArea(area: KeyValueArea, prefix: string): KeyValueArea {
  if (!prefix) return area;
  return {
    async get(key) {
      const found = await area.get(prefix + key);
      return prefix + key in found ? { [key]: found[prefix + key] } : {};
    },
    set: (items) =>
      area.set(Object.fromEntries(Object.entries(items).map(([key, value]) => [prefix + key, value]))),
    remove: (key) => area.remove(typeof key === 'string' ? prefix + key : key.map((k) => prefix + k)),
  };
}
