// Opens the client a subcommand works with: the wallet key, the data dir (key bundle cache + client
// caches in FilePersistence), and the nodes. The key bundle is cached so later runs ask no signatures.
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Client } from '@/client';
import { FilePersistence } from '@/client/node/file-persistence';
import { nodeInvitePool } from '@/client/node/invite-pool';
import { UsageError, type ClientArgs } from './args';
import type { CliClient } from './commands';
import type { Wallet } from './wallet';

/** Key of the cached plaintext PrivateKeyBundle in the data dir (which is created mode 0700). */
export const KEY_BUNDLE_KEY = 'cli/key-bundle';

export interface Session {
  client: CliClient;
  dataDir: string;
  /** Where the identity came from on this run. */
  identity: 'cache' | 'network' | 'created';
  /** The identity's encoded PrivateKeyBundle (for backup export). */
  keyBundle: Uint8Array;
}

export function defaultDataDir(address: string): string {
  return join(homedir(), '.xmtp-inbox', address);
}

/** `wallet` undefined: --data-dir alone, whose cached identity is used (a restored backup, an earlier run). */
export async function openSession(args: ClientArgs, wallet: Wallet | undefined): Promise<Session> {
  const dataDir = args.dataDir ?? defaultDataDir(wallet!.address);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const persistence = new FilePersistence(dataDir);
  const cached = await persistence.get(KEY_BUNDLE_KEY);
  if (!wallet && !cached)
    throw new UsageError(
      `${dataDir} holds no identity: give a wallet key (--key, --key-file, --create-key) or import a backup into it`,
    );
  let identity: Session['identity'] = cached ? 'cache' : 'network';
  const client = await Client.create(cached ? null : wallet!, {
    nodes: args.nodes,
    persistence,
    WebSocket,
    appVersion: 'xmtp-inbox-cli/0.1.0',
    // Invitations open on a worker thread per core (a cold list of a large inbox is CPU-bound).
    inviteOpener: nodeInvitePool(),
    ...(cached ? { keyBundle: cached } : {}),
    onProgress: (step) => {
      if (step === 'create-identity') identity = 'created';
    },
  });
  if (wallet && client.address.toLowerCase() !== wallet.address.toLowerCase()) {
    await client.close();
    throw new Error(`data dir ${dataDir} holds the identity of ${client.address}, not of ${wallet.address}`);
  }
  const keyBundle = cached ?? client.exportKeyBundle();
  if (!cached) await persistence.set(KEY_BUNDLE_KEY, keyBundle);
  return { client, dataDir, identity, keyBundle };
}

/** `can-message` needs no identity: the static check reads contact topics only. */
export async function canMessageWithoutIdentity(nodes: string[], addresses: string[]): Promise<boolean[]> {
  const result = await Client.canMessage(addresses, { nodes });
  return Array.isArray(result) ? result : [result];
}
