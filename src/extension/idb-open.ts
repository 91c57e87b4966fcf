// `idb`'s openDB always uses the global indexedDB; the vault and cache take an IDBFactory instead (the real one
// in the extension, fake-indexeddb in Node tests), so this opens through the given factory and wraps the result.
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';

export type Upgrade<S extends DBSchema> = (
  db: IDBPDatabase<S>,
  oldVersion: number,
  transaction: IDBPTransaction<S, StoreNames<S>[], 'versionchange'>,
) => void;

export function openDatabase<S extends DBSchema>(
  factory: IDBFactory,
  name: string,
  version: number,
  upgrade: Upgrade<S>,
): Promise<IDBPDatabase<S>> {
  const request = factory.open(name, version);
  request.addEventListener('upgradeneeded', (event) => {
    upgrade(
      wrap(request.result) as IDBPDatabase<S>,
      event.oldVersion,
      wrap(request.transaction!) as unknown as IDBPTransaction<S, StoreNames<S>[], 'versionchange'>,
    );
  });
  // Another open at a higher version, or a deletion (a signed-out account's databases), waits for this
  // connection: give way rather than block it.
  request.addEventListener('success', () => {
    const db = request.result;
    db.addEventListener('versionchange', () => db.close());
  });
  return wrap(request) as Promise<IDBPDatabase<S>>;
}
