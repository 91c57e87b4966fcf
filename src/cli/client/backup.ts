// `xmtp-inbox client backup export --out FILE` and `backup import FILE --data-dir DIR` (issue #18 item 1): the
// encrypted backup file the extension writes and reads too (src/client/backup, docs/backup-format.md). The CLI
// keeps what it has no use for itself (pins, mutes, drafts, the extension's unread counts) in its data dir, so a
// file that goes extension → CLI → extension loses nothing.
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FilePersistence } from '@/client/node/file-persistence';
import {
  backupFileName,
  readBackup,
  writeBackup,
  type BackupConversation,
  type BackupMessage,
  type BackupPayload,
} from '@/client/backup/backup-file';
import { toChecksumAddress } from '@/protocol/address';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromBase64, fromUtf8, toBase64, utf8 } from '@/protocol/bytes';
import { bundleWalletAddress } from '@/protocol/identity';
import { UsageError, type ClientArgs } from './args';
import { CommandError, type CliClient } from './commands';
import { contentTypeString, jsonLine, type Io } from './output';
import { KEY_BUNDLE_KEY } from './session';

/** The inbox state a backup brought that the CLI does not use, kept for the next export. */
const INBOX_STATE_KEY = 'cli/inbox-state';

/** The password: the first line of --password-file, else typed at a prompt (not echoed). */
export async function backupPassword(args: ClientArgs, io: Io, confirm: boolean): Promise<string> {
  if (args.passwordFile) {
    let text: string;
    try {
      text = await readFile(args.passwordFile, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read --password-file ${args.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
    const password = text.split(/\r?\n/)[0] ?? '';
    if (password.length < 8)
      throw new UsageError('--password-file: the password needs at least 8 characters');
    return password;
  }
  if (!process.stdin.isTTY) throw new UsageError('backup: give --password-file FILE (no terminal to ask in)');
  const password = await prompt('Backup password: ', io);
  if (password.length < 8) throw new UsageError('backup: the password needs at least 8 characters');
  if (confirm && (await prompt('Again: ', io)) !== password)
    throw new UsageError('backup: the passwords differ');
  return password;
}

function prompt(question: string, io: Io): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Typed characters are not echoed: only the question is written.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(question)) io.stderr(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      io.stderr('\n');
      resolve(answer);
    });
  });
}

export async function exportBackup(
  client: CliClient,
  keyBundle: Uint8Array,
  dataDir: string,
  args: ClientArgs,
  io: Io,
): Promise<void> {
  const out = args.out!;
  const password = await backupPassword(args, io, true);
  const kept = await readInboxState(dataDir);
  await client.contacts.refreshConsentList().catch(() => undefined);
  const conversations = await client.conversations.list();
  const byTopic = new Map(kept.conversations.map((c) => [c.topic, c]));
  const payload: BackupPayload = {
    address: client.address,
    keyBundle: toBase64(keyBundle),
    createdAt: Date.now(),
    app: 'xmtp-inbox-cli/0.1.0',
    nodes: args.nodes,
    conversations: conversations.map((c) => {
      const saved = byTopic.get(c.topic);
      const fresh: BackupConversation = {
        unread: 0,
        ...saved,
        topic: c.topic,
        peerAddress: c.peerAddress,
        createdAt: c.createdAt.getTime(),
        consent: client.contacts.consentState(c.peerAddress),
      };
      if (c.context?.conversationId) fresh.conversationId = c.context.conversationId;
      return fresh;
    }),
  };
  if (args.includeMessages) {
    const messages: BackupMessage[] = [];
    for (const conversation of conversations)
      for (const m of await conversation.messages())
        if (!m.error)
          messages.push({
            id: m.id,
            topic: m.topic,
            senderAddress: m.senderAddress,
            sentAt: m.sent.getTime(),
            contentType: contentTypeString(m.contentType),
            content: m.content,
            ...(m.fallback === undefined ? {} : { fallback: m.fallback }),
          });
    payload.messages = messages;
  }
  await writeFile(out, await writeBackup(payload, password), { mode: 0o600 });
  const note = {
    type: 'backup',
    file: out,
    address: client.address,
    conversations: payload.conversations.length,
  };
  io.stdout(
    args.json
      ? jsonLine({ ...note, messages: payload.messages?.length ?? 0 })
      : `wrote ${out}: ${client.address}, ${payload.conversations.length} conversations` +
          `${payload.messages ? `, ${payload.messages.length} messages` : ''}` +
          ` (suggested name: ${backupFileName(client.address)})\n`,
  );
}

/** Restores a backup into --data-dir: later commands there need no wallet key. Changes nothing on failure. */
export async function importBackup(args: ClientArgs, io: Io): Promise<void> {
  const [, file] = args.args as [string, string];
  const dataDir = args.dataDir!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CommandError(
      'backup_unreadable',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  const password = await backupPassword(args, io, false);
  const payload = await readBackup(text, password);
  const { address } = payload;
  const persistence = new FilePersistence(dataDir);
  const present = await persistence.get(KEY_BUNDLE_KEY);
  if (present) {
    const owner = toChecksumAddress(bundleWalletAddress(decodePrivateKeyBundle(present).bundle));
    throw new CommandError(
      'account_present',
      `${dataDir} already holds the identity of ${owner}: import into an empty --data-dir`,
    );
  }
  const kept = { conversations: payload.conversations };
  await persistence.set(INBOX_STATE_KEY, utf8(JSON.stringify(kept)));
  await persistence.set(KEY_BUNDLE_KEY, fromBase64(payload.keyBundle)); // last: it is what makes the dir an account
  const note = { type: 'restored', address, dataDir, conversations: payload.conversations.length };
  io.stdout(
    args.json
      ? jsonLine(note)
      : `restored ${address} into ${dataDir} (${payload.conversations.length} conversations): ` +
          `run commands with --data-dir ${dataDir}\n`,
  );
}

async function readInboxState(dataDir: string): Promise<{ conversations: BackupConversation[] }> {
  const stored = await new FilePersistence(dataDir).get(INBOX_STATE_KEY);
  if (!stored) return { conversations: [] };
  try {
    return JSON.parse(fromUtf8(stored)) as { conversations: BackupConversation[] };
  } catch {
    return { conversations: [] };
  }
}
