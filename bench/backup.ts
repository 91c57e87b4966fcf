// `npm run bench -- backup [--conversations=N] [--messages=M]`
// The encrypted backup file (issue #18 item 1) of an account with N conversations and M cached messages
// (default 10,000 and 100,000): the extension's export (sealed cache → file) and restore (file → empty vault and
// sealed cache, fake-indexeddb in Node), and the file format alone (write and read, which the CLI does). Prints a
// markdown table. No other XMTP app writes an encrypted backup, so there is no reference to run beside it.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readBackup, writeBackup } from '@/client/backup/backup-file';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { noClientAdapter } from '../test/helpers/no-client';
import { createInboxService } from '@/extension/inbox/service';
import { createMemoryArea } from '../test/helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { seedCache } from './_seed-cache';
import { flag } from './_args';

const CONVERSATIONS = Number(flag('conversations') ?? 10_000);
const MESSAGES = Number(flag('messages') ?? 100_000);
const PASSWORD = 'correct horse battery';
const log = (line: string) => console.error(`[bench backup] ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function service(indexedDB: IDBFactory) {
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
  const local = createMemoryArea();
  return {
    vault,
    cache,
    local,
    service: createInboxService({
      vault,
      cache,
      local,
      adapter: noClientAdapter,
      wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
      fetch,
    }),
  };
}

const wallet = createLocalWallet();
const self = wallet.address;
const keyBundle = toBase64(encodePrivateKeyBundle(await createPrivateKeyBundle(wallet)));

// The account to back up, seeded through the real (sealed) cache.
const source = service(new IDBFactory());
await source.vault.create(keyBundle, PASSWORD);
await source.local.set({ account: { address: self, identity: 'local' } });
const now = Date.now();
log(`seeding ${CONVERSATIONS} conversations and ${MESSAGES} messages…`);
let started = performance.now();
await seedCache(source.cache, {
  self,
  conversations: CONVERSATIONS,
  messages: MESSAGES,
  now,
  text: (k) => `message ${k}: a line of ordinary length, about what people write to each other`,
  pinned: (i) => i % 50 === 0,
});
log(`seeded in ${seconds(performance.now() - started)}`);

started = performance.now();
const { text } = await source.service.exportBackup(PASSWORD, { includeMessages: true });
const exportMs = performance.now() - started;

started = performance.now();
await writeBackup(await readBackup(text, PASSWORD), PASSWORD);
const formatMs = performance.now() - started;

const target = service(new IDBFactory());
started = performance.now();
await target.service.restoreBackup({ text, password: PASSWORD });
const restoreMs = performance.now() - started;
const restored = await target.service.listConversations();
const messages = (await target.cache.allMessages()).length;
if (restored.length !== CONVERSATIONS || messages !== MESSAGES)
  throw new Error(`restore lost data: ${restored.length} conversations, ${messages} messages`);

console.log(
  [
    '| measure | result |',
    '| --- | --- |',
    `| export from the extension (sealed cache → encrypted file), ${CONVERSATIONS} conversations, ${MESSAGES} messages | ${seconds(exportMs)} |`,
    `| restore into a fresh extension (file → vault and sealed cache) | ${seconds(restoreMs)} |`,
    `| the file alone: read and write again (what the CLI does; two PBKDF2 derivations) | ${seconds(formatMs)} |`,
    `| file size | ${(text.length / 1024 / 1024).toFixed(1)} MiB |`,
  ].join('\n'),
);
console.log(
  `\nNode ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}; IndexedDB is fake-indexeddb (pure JS in Node), slower than a browser's.`,
);
