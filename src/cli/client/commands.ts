// The subcommands of `xmtp-inbox client`, each on an open client (docs/client-api.md).
import { secp256k1Status } from '@/protocol/secp256k1';
import type { ClientArgs } from './args';
import {
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
  close(): Promise<void>;
}

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

/** A failure that is not a usage mistake (exit status 1), e.g. no conversation with a peer. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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

export async function list(client: CliClient, ctx: CommandContext): Promise<void> {
  const conversations = await client.conversations.list();
  if (ctx.args.json) {
    for (const c of conversations) ctx.io.stdout(jsonLine(conversationJson(c)));
    return;
  }
  if (conversations.length === 0) {
    ctx.io.stderr('no conversations\n');
    return;
  }
  ctx.io.stdout(
    table([
      ['PEER', 'VERSION', 'CREATED', 'CONVERSATION ID'],
      ...conversations.map((c) => [
        c.peerAddress,
        c.version,
        shortTime(c.createdAt),
        c.context?.conversationId ?? '',
      ]),
    ]),
  );
}

export async function send(client: CliClient, ctx: CommandContext): Promise<void> {
  const [peer, text] = ctx.args.args as [string, string];
  const id = ctx.args.conversationId;
  const conversation = await client.conversations.newConversation(
    peer,
    id === undefined ? undefined : { conversationId: id, metadata: {} },
  );
  const message = await conversation.send(text);
  if (ctx.args.json) ctx.io.stdout(jsonLine(messageJson(message)));
  else ctx.io.stdout(`sent ${message.id} to ${conversation.peerAddress}\n`);
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
  if (ctx.args.json) {
    for (const m of all) ctx.io.stdout(jsonLine(messageJson(m)));
    return;
  }
  if (all.length === 0) {
    ctx.io.stderr(`no messages with ${peer}\n`);
    return;
  }
  ctx.io.stdout(table(all.map((m) => messageRow(client, m))));
}

function messageRow(client: CliClient, m: MessageView): string[] {
  const from = sameAddress(m.senderAddress, client.address) ? 'me' : m.senderAddress;
  return [shortTime(m.sent), from, messageText(m)];
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
        ctx.io.stdout(jsonLine(messageJson(m)));
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
