/**
 * The part of a `browser.storage` area the extension uses. Injected into the vault and the inbox service so
 * Node tests run them on an in-memory area (test/helpers/memory-area.ts), and the background on `browser.storage.session` / `.local`.
 */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string | string[]): Promise<void>;
}
