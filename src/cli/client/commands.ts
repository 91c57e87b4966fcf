// The subcommands of `xmtp-inbox client`, each on an open client (docs/client-api.md).
import { secp256k1Status } from '@/protocol/secp256k1';
import {
  ContentTypeAttachment,
  ContentTypeRemoteAttachment,
  type Attachment,
  type RemoteAttachment,
} from '@/protocol/content';
import type { ClientArgs } from './args';
import { CommandError } from './errors';
import { attachmentJson, readAttachment, saveAttachment } from './files';
import {
  contentTypeString,
  conversationJson,
  jsonLine,
  messageJson,
  messageText,
  shortTime,
  table,
  type ConversationView,
  type Io,
  type MessageView,
} from './output';

/** The part of the client API the CLI uses. */
export interface CliClient {
  address: string;
  conversations: {
    list(): Promise<CliConversation[]>;
    /** The same conversations in batches as they are verified, newest first. */
    listStream(): AsyncIterable<CliConversation[]>;
    newConversation(
      peer: string,
      context?: { conversationId: string; metadata?: Record<string, string> },
    ): Promise<CliConversation>;
    streamAllMessages(): AsyncIterable<MessageView> & { close(): Promise<void> };
  };
  contacts: {
    allow(addresses: string[]): Promise<void>;
    deny(addresses: string[]): Promise<void>;
    consentState(address: string): 'allowed' | 'denied' | 'unknown';
    refreshConsentList(): Promise<void>;
  };
  sendAttachment(
    conversation: CliConversation,
    attachment: Attachment,
    options?: { onProgress?: (sentBytes: number, totalBytes: number) => void },
  ): Promise<MessageView>;
  loadAttachment(remote: RemoteAttachment): Promise<Attachment>;
  close(): Promise<void>;
}

export { CommandError };

export interface CliConversation extends ConversationView {
  send(content: string): Promise<MessageView>;
  messages(options?: { limit?: number; direction?: 'ascending' | 'descending' }): Promise<MessageView[]>;
}

export interface CommandContext {
  args: ClientArgs;
  io: Io;
  dataDir: string;
  identity: string;
  /** Aborted on SIGINT/SIGTERM: ends `stream`. */
  signal: AbortSignal;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export async function whoami(client: CliClient, ctx: CommandContext): Promise<void> {
  const { args, io } = ctx;
  if (args.json) {
    io.stdout(
      jsonLine({
        type: 'identity',
        address: client.address,
        nodes: args.nodes,
        dataDir: ctx.dataDir,
        identity: ctx.identity,
        secp256k1: secp256k1Status(),
      }),
    );
    return;
  }
  io.stdout(
    table([
      ['address', client.address],
      ['nodes', args.nodes.join(' ')],
      ['data dir', ctx.dataDir],
      ['identity', ctx.identity],
      ['secp256k1', secp256k1Status().backend],
    ]),
  );
}

export function printCanMessage(
  addresses: string[],
  answers: boolean[],
  ctx: Pick<CommandContext, 'args' | 'io'>,
) {
  if (ctx.args.json) {
    addresses.forEach((address, i) =>
      ctx.io.stdout(jsonLine({ type: 'can-message', address, canMessage: answers[i] })),
    );
    return;
  }
  ctx.io.stdout(table(addresses.map((address, i) => [address, answers[i] ? 'yes' : 'no'])));
}

/** Prints conversations as they arrive, newest first: JSON lines, or table rows in fixed-width columns. */
export async function list(client: CliClient, ctx: CommandContext): Promise<void> {
  let count = 0;
  for await (const batch of client.conversations.listStream()) {
    if (ctx.args.json) {
      ctx.io.stdout(batch.map((c) => jsonLine(conversationJson(c))).join(''));
    } else {
      const rows = batch.map((c) =>
        listRow([c.peerAddress, c.version, shortTime(c.createdAt), c.context?.conversationId ?? '']),
      );
      ctx.io.stdout(
        (count === 0 ? listRow(['PEER', 'VERSION', 'CREATED', 'CONVERSATION ID']) : '') + rows.join(''),
      );
    }
    count += batch.length;
  }
  if (count === 0 && !ctx.args.json) ctx.io.stderr('no conversations\n');
}

/** Columns as wide as their widest possible value (an address, "v2", a short time), so rows print as they come. */
const LIST_WIDTHS = [42, 7, 19];

function listRow(cells: string[]): string {
  return (
    cells
      .map((cell, i) => (i < LIST_WIDTHS.length ? cell.padEnd(LIST_WIDTHS[i]!) : cell))
      .join('  ')
      .trimEnd() + '\n'
  );
}

export async function send(client: CliClient, ctx: CommandContext): Promise<void> {
  const [peer, text] = ctx.args.args as [string, string | undefined];
  const id = ctx.args.conversationId;
  // Read first: a missing or oversized file fails before anything is sent.
  const file = ctx.args.attach === undefined ? undefined : await readAttachment(ctx.args.attach);
  const conversation = await client.conversations.newConversation(
    peer,
    id === undefined ? undefined : { conversationId: id, metadata: {} },
  );
  const sent: MessageView[] = [];
  if (file) {
    // A terminal sees the upload of a remote file move, one line rewritten per part.
    const showProgress = !ctx.args.json && process.stderr.isTTY === true;
    const onProgress = (done: number, total: number) => {
      ctx.io.stderr(`\ruploading ${done} of ${total} bytes (${Math.floor((done / total) * 100)} %)`);
      if (done === total) ctx.io.stderr('\n');
    };
    sent.push(await client.sendAttachment(conversation, file, showProgress ? { onProgress } : {}));
  }
  if (text !== undefined) sent.push(await conversation.send(text));
  for (const message of sent) {
    if (ctx.args.json) ctx.io.stdout(messageLine(message));
    else ctx.io.stdout(`sent ${message.id} to ${conversation.peerAddress}${describeFile(message)}\n`);
  }
}

function describeFile(message: MessageView): string {
  const file = fileOf(message);
  if (!file) return '';
  return file.remote ? ` (${file.content.filename}, uploaded)` : ` (${file.content.filename}, inline)`;
}

/** The file a message carries, inline or remote, if any. */
function fileOf(m: MessageView): { content: Attachment | RemoteAttachment; remote: boolean } | undefined {
  if (m.error) return undefined;
  const type = contentTypeString(m.contentType);
  const content = m.content as (Attachment & RemoteAttachment) | null;
  if (!content || typeof content.filename !== 'string') return undefined;
  if (type === contentTypeString(ContentTypeAttachment) && content.data instanceof Uint8Array)
    return { content, remote: false };
  if (type === contentTypeString(ContentTypeRemoteAttachment) && typeof content.url === 'string')
    return { content, remote: true };
  return undefined;
}

/** The message as --json prints it; a file's bytes and keys are left out (its metadata stays, and where it was saved). */
function messageLine(m: MessageView, savedTo?: string): string {
  const json = messageJson(m);
  const file = fileOf(m);
  if (file) {
    json.content = null;
    json.attachment = { ...attachmentJson(file.content, file.remote), ...(savedTo ? { savedTo } : {}) };
  }
  return jsonLine(json);
}

/** The conversations with `peer`: the one with `conversationId`, or those without an id (V1 and V2). */
async function conversationsWith(client: CliClient, peer: string, conversationId: string | undefined) {
  const all = await client.conversations.list();
  const matching = all.filter(
    (c) => sameAddress(c.peerAddress, peer) && (c.context?.conversationId || undefined) === conversationId,
  );
  if (matching.length === 0) {
    const which = conversationId === undefined ? '' : ` with --conversation-id "${conversationId}"`;
    throw new CommandError('no_conversation', `no conversation with ${peer}${which}`);
  }
  return matching;
}

export async function messages(client: CliClient, ctx: CommandContext): Promise<void> {
  const [peer] = ctx.args.args as [string];
  const limit = ctx.args.limit;
  const conversations = await conversationsWith(client, peer, ctx.args.conversationId);
  const pages = await Promise.all(
    conversations.map((c) => c.messages(limit === undefined ? {} : { limit, direction: 'descending' })),
  );
  let all = pages.flat().sort((a, b) => a.sent.getTime() - b.sent.getTime());
  if (limit !== undefined) all = all.slice(-limit);
  const saved = await saveFiles(client, ctx, all);
  if (ctx.args.json) {
    for (const m of all) ctx.io.stdout(messageLine(m, saved.get(m.id)));
    if (saved.failed > 0)
      throw new CommandError('save_failed', `${saved.failed} attachment(s) could not be saved`);
    return;
  }
  if (all.length === 0) {
    ctx.io.stderr(`no messages with ${peer}\n`);
    return;
  }
  ctx.io.stdout(table(all.map((m) => messageRow(client, m, saved.get(m.id)))));
  if (saved.failed > 0)
    throw new CommandError('save_failed', `${saved.failed} attachment(s) could not be saved`);
}

/**
 * With --save-attachments DIR: writes every file (inline, or downloaded, checked and decrypted) under its name.
 * One that cannot be loaded is reported on stderr and the others are still saved.
 */
async function saveFiles(client: CliClient, ctx: CommandContext, messages: MessageView[]) {
  const dir = ctx.args.saveAttachments;
  const saved = Object.assign(new Map<string, string>(), { failed: 0 });
  if (dir === undefined) return saved;
  for (const m of messages) {
    const file = fileOf(m);
    if (!file) continue;
    try {
      const attachment = file.remote
        ? await client.loadAttachment(file.content as RemoteAttachment)
        : (file.content as Attachment);
      saved.set(m.id, await saveAttachment(dir, file.content.filename, attachment.data));
    } catch (error) {
      saved.failed++;
      const { code, message } = error as { code?: string; message?: string };
      ctx.io.stderr(
        `cannot save "${file.content.filename}" (${code ?? 'error'}): ${message ?? String(error)}\n`,
      );
    }
  }
  return saved;
}

function messageRow(client: CliClient, m: MessageView, savedTo?: string): string[] {
  const from = sameAddress(m.senderAddress, client.address) ? 'me' : m.senderAddress;
  const file = fileOf(m);
  const text = file ? `[file ${file.content.filename}${savedTo ? ` → ${savedTo}` : ''}]` : messageText(m);
  return [shortTime(m.sent), from, text];
}

export async function stream(client: CliClient, ctx: CommandContext): Promise<void> {
  const messages = client.conversations.streamAllMessages();
  const stop = () => void messages.close();
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', stop, { once: true });
  ctx.io.stderr(`streaming messages for ${client.address} (Ctrl-C to stop)\n`);
  try {
    for await (const m of messages) {
      if (ctx.args.json) {
        ctx.io.stdout(messageLine(m));
      } else {
        // One row per message as it comes: fixed-width fields keep the rows aligned.
        const mine = sameAddress(m.senderAddress, client.address);
        const line = [shortTime(m.sent), m.conversation.peerAddress, mine ? 'sent' : 'recv', messageText(m)];
        ctx.io.stdout(line.join('  ') + '\n');
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

export async function setConsent(
  client: CliClient,
  ctx: CommandContext,
  state: 'allowed' | 'denied',
): Promise<void> {
  const addresses = ctx.args.args;
  if (state === 'allowed') await client.contacts.allow(addresses);
  else await client.contacts.deny(addresses);
  printConsent(addresses, () => state, ctx);
}

export async function consent(client: CliClient, ctx: CommandContext): Promise<void> {
  await client.contacts.refreshConsentList();
  printConsent(ctx.args.args, (a) => client.contacts.consentState(a), ctx);
}

function printConsent(addresses: string[], state: (address: string) => string, ctx: CommandContext): void {
  if (ctx.args.json) {
    for (const address of addresses)
      ctx.io.stdout(jsonLine({ type: 'consent', address, state: state(address) }));
    return;
  }
  ctx.io.stdout(table(addresses.map((a) => [a, state(a)])));
}
