// The extension's client adapter over the real client, for a test's peer or second install: its own in-memory
// IndexedDB, its cache encrypted under a throwaway key (the extension's comes from its vault), the `ws` socket.
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import { createIdbPersistence } from '@/extension/client/idb-persistence';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';

export function throwawayAdapter() {
  return createXmtpClientAdapter({
    persistence: createIdbPersistence(new IDBFactory(), {
      key: () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    }),
    WebSocket,
  });
}
