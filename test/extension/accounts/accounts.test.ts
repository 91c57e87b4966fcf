import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { wsUrl } from '@/client/api/ws-stream';
import type { XmtpNode } from '@/network/node';
import { createDappApi } from '@/extension/dapp/api';
import { createApprovals } from '@/extension/dapp/approvals';
import { createDappEvents } from '@/extension/dapp/events';
import { createPermissionStore } from '@/extension/dapp/permissions';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { createMemoryArea } from '../../helpers/memory-area';
import { realAccounts } from '../../helpers/real-inbox';
import { until } from '../../helpers/until';
import { realNodeForFile } from '../../helpers/node-for-file';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// Several accounts in one browser (issue #17 item 3), each over the real client against a real node on port 0:
// both stream at once, each keeps its own cache, consent and dapp grants, one password opens them all, and
// signing out of one leaves the other whole.
const PASSWORD = 'correct horse battery';
let node: XmtpNode;
realNodeForFile('xmtp-inbox-accounts-', (started) => (node = started));

/** A peer on our client, its cache encrypted under a throwaway key. */
const peer = () => throwawayAdapter().create({ kind: 'generate' }, { nodes: [node.url] });

/** One install's storage: the same again is the same browser after a worker restart. */
const install = () => ({
  indexedDB: new IDBFactory(),
  session: createMemoryArea(),
  local: createMemoryArea(),
});

async function twoAccounts(storage = install(), notified: string[] = []) {
  const accounts = realAccounts(storage, { notify: (id, title) => void notified.push(`${id}: ${title}`) });
  const first = await accounts.inbox.createLocalKey({ password: PASSWORD, nodes: [node.url] });
  const second = await accounts.inbox.addAccount({ method: 'local', password: PASSWORD, nodes: [node.url] });
  return { accounts, storage, first: first.address!, second: second.address! };
}

const messagesIn = async (accounts: ReturnType<typeof realAccounts>, topic: string) =>
  (await accounts.inbox.listMessages(topic).catch(() => [])).map((m) => m.content);

describe('several accounts', () => {
  it('adds a second account under the same password, switches in one call, and streams both at once', async () => {
    const { accounts, first, second } = await twoAccounts();
    const updates: InboxUpdate[] = [];
    accounts.inbox.subscribe((update) => updates.push(update));
    expect(first).not.toBe(second);
    let listed = await accounts.inbox.listAccounts();
    expect(listed.map((a) => [a.address, a.active, a.vault])).toEqual([
      [first, false, 'unlocked'],
      [second, true, 'unlocked'],
    ]);
    expect((await accounts.inbox.state()).address).toBe(second);

    // Two peers write to the two accounts at the same time.
    const [alice, bob] = await Promise.all([peer(), peer()]);
    const [toFirst, toSecond] = await Promise.all([
      alice.newConversation(first),
      bob.newConversation(second),
    ]);
    await Promise.all([
      alice.send(toFirst.topic, { type: 'text', text: 'for the first account' }),
      bob.send(toSecond.topic, { type: 'text', text: 'for the second account' }),
    ]);
    await until(
      async () => (await messagesIn(accounts, toSecond.topic)).includes('for the second account'),
      'the active account to receive its message',
    );
    // Notifications name the account once there are several (its short address).
    const ids = listed.map((a) => a.id);
    expect(await accounts.label(ids[0]!)).toBe(`${first.slice(0, 6)}…${first.slice(-4)}`);
    // Both stream, over one WebSocket to the node, not one each.
    expect(accounts.sockets.openSockets(wsUrl(node.url))).toBe(1);
    // The other account streams too: its unread count moves the switcher, and its messages are not the active one's.
    listed = await until(async () => {
      const now = await accounts.inbox.listAccounts();
      return now[0]!.unread > 0 ? now : undefined;
    }, 'the first account to count its unread message');
    expect(listed[0]).toMatchObject({ address: first, unread: 1, active: false });
    expect(updates).toContainEqual({ kind: 'accounts', switched: false });
    expect(await accounts.inbox.getConversation(toFirst.topic)).toBeNull();
    expect((await accounts.inbox.listConversations()).map((c) => c.topic)).toEqual([toSecond.topic]);

    await accounts.inbox.switchAccount(listed[0]!.id);
    expect(updates).toContainEqual({ kind: 'accounts', switched: true });
    expect((await accounts.inbox.state()).address).toBe(first);
    expect((await accounts.inbox.listConversations()).map((c) => c.topic)).toEqual([toFirst.topic]);
    expect(await messagesIn(accounts, toFirst.topic)).toEqual(['for the first account']);
    // Consent is per account: allowing the first account's peer leaves the second's a request.
    await accounts.inbox.setConsent(toFirst.topic, 'allowed');
    await accounts.inbox.switchAccount(listed[1]!.id);
    expect((await accounts.inbox.getConversation(toSecond.topic))?.consent).toBe('unknown');
    await expect(accounts.inbox.switchAccount('ffffffffffffffff')).rejects.toMatchObject({
      code: 'unknown_account',
    });
    await accounts.inbox.lock();
  });

  it('refuses a wrong password or an account already there, and adds nothing', async () => {
    const { accounts, first } = await twoAccounts();
    const before = await accounts.inbox.listAccounts();
    await expect(
      accounts.inbox.addAccount({ method: 'local', password: 'not the password', nodes: [node.url] }),
    ).rejects.toMatchObject({ code: 'wrong_password' });
    await accounts.inbox.switchAccount(before[0]!.id);
    const keyBundle = await (await accounts.active()).vault.readSecret();
    await expect(
      accounts.inbox.addAccount({ method: 'import', keyBundle, password: PASSWORD, nodes: [node.url] }),
    ).rejects.toMatchObject({ code: 'account_exists' });
    expect((await accounts.inbox.listAccounts()).map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect((await accounts.inbox.state()).address).toBe(first);
    await accounts.inbox.lock();
  });

  it('locks and unlocks every account together, and picks them all up after a worker restart', async () => {
    const storage = install();
    const { accounts, first, second } = await twoAccounts(storage);
    await accounts.inbox.lock();
    expect((await accounts.inbox.listAccounts()).map((a) => a.vault)).toEqual(['locked', 'locked']);
    await expect(accounts.inbox.unlock('wrong password')).rejects.toMatchObject({ code: 'wrong_password' });
    await accounts.inbox.unlock(PASSWORD);
    await until(
      async () => (await accounts.inbox.listAccounts()).every((a) => a.vault === 'unlocked'),
      'both accounts unlocked by one password',
    );

    // A restarted worker: new objects over the same storage, still unlocked, the same account active.
    const restarted = realAccounts(storage);
    await restarted.inbox.resume();
    expect((await restarted.inbox.state()).address).toBe(second);
    const alice = await peer();
    const { topic } = await alice.newConversation(first);
    await alice.send(topic, { type: 'text', text: 'after the restart' });
    await until(
      async () => (await restarted.inbox.listAccounts())[0]!.unread === 1,
      'the inactive account streaming after the restart',
    );
    await accounts.inbox.lock();
    await restarted.inbox.lock();
  });

  it('signs out of one account only, and its dapp grants go with it', async () => {
    const notified: string[] = [];
    const { accounts, storage, first, second } = await twoAccounts(install(), notified);
    const grants = createPermissionStore(accounts.activeLocal);
    await grants.grant('https://second.example', ['inbox:read']);
    const [firstId, secondId] = (await accounts.inbox.listAccounts()).map((a) => a.id);
    await accounts.inbox.switchAccount(firstId!);
    expect(await grants.get('https://second.example')).toEqual([]);
    await grants.grant('https://first.example', ['inbox:read']);
    await accounts.inbox.switchAccount(secondId!);

    await accounts.inbox.signOut();
    const left = await accounts.inbox.listAccounts();
    expect(left).toMatchObject([{ id: firstId, address: first, active: true, vault: 'unlocked' }]);
    expect(await accounts.label(firstId!)).toBe(''); // one account: notifications name none
    expect(await grants.get('https://first.example')).toHaveLength(1);
    // Nothing of the second account is left in storage.local (its settings, grants and account record).
    expect(Object.keys(storage.local.snapshot()).filter((key) => key.includes(secondId!))).toEqual([]);
    expect(JSON.stringify(storage.local.snapshot())).not.toContain(second.slice(2).toLowerCase());
    expect(notified.every((line) => !line.startsWith(secondId!))).toBe(true);
    // Nor are its databases: deleted, not only emptied; the first account's are untouched.
    const databases = (await storage.indexedDB.databases()).map((d) => d.name ?? '');
    expect(databases.filter((name) => name.includes(secondId!))).toEqual([]);
    expect(databases).toEqual(expect.arrayContaining(['xmtp-inbox-vault', 'xmtp-inbox-cache']));

    // Signing out of the last one leaves the browser as a new install.
    await accounts.inbox.signOut();
    expect(await accounts.inbox.state()).toMatchObject({ vault: 'empty' });
    expect(await accounts.inbox.listAccounts()).toMatchObject([{ vault: 'empty' }]);
  });

  it('lets a dapp granted on one account see nothing of another', async () => {
    const { accounts, second } = await twoAccounts();
    const bob = await peer();
    const { topic } = await bob.newConversation(second);
    await bob.send(topic, { type: 'text', text: 'private to the second account' });
    await until(async () => (await messagesIn(accounts, topic)).length > 0, 'the message in the cache');

    const service = accounts.inbox;
    const permissions = createPermissionStore(accounts.activeLocal);
    const approvals = createApprovals({ open: async () => 1, close: async () => undefined });
    const events = createDappEvents({ service, permissions });
    const api = createDappApi({ service, permissions, approvals, events });
    const site = { origin: 'https://site.example', send: () => undefined };
    await permissions.grant(site.origin, ['inbox:read']);
    await expect(api(site, 'xmtp_listConversations', undefined)).resolves.toHaveLength(1);

    const [firstId] = (await service.listAccounts()).map((a) => a.id);
    await service.switchAccount(firstId!);
    await expect(api(site, 'xmtp_listConversations', undefined)).rejects.toMatchObject({ code: 4100 });
    await expect(api(site, 'xmtp_address', undefined)).rejects.toMatchObject({ code: 4100 });
    await service.lock();
  });
});
