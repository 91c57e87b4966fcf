// Until the adapter over src/client is wired, every network operation reports `client_unavailable` as data,
// so the popup shows a clear message and everything local (vault, cache, settings) still works.
import type { ClientAdapter } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';

export const noClientAdapter: ClientAdapter = {
  async create() {
    throw new ExtensionError('client_unavailable', 'the XMTP client is not available in this build yet');
  },
};
