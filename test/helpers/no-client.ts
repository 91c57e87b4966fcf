// An adapter with no network client: every network operation reports `client_unavailable` as data, while
// everything local (vault, cache, settings) still works. Tests use it to prove exactly that (and for everything local).
import type { ClientAdapter, DeviceNotes } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';

export const noClientAdapter: ClientAdapter = {
  async create() {
    throw new ExtensionError('client_unavailable', 'the XMTP client is not available in this build yet');
  },
};

/** Device notes that go nowhere, for test sessions with no network (nothing arrives, every publish succeeds). */
export const silentDeviceNotes: DeviceNotes = {
  publish: async () => undefined,
  subscribe: () => () => undefined,
};
