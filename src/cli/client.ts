// `xmtp-inbox client …`: an XMTP client for people and scripts. Arguments are checked before anything
// else runs; usage mistakes exit 2, failures exit 1, and both name what went wrong on stderr.
import { UsageError, parseClientArgs, type ClientArgs } from './client/args';
import type { CommandContext } from './client/commands';
import { clientUsage, commandUsage } from './client/help';
import { jsonLine, type Io } from './client/output';
import { loadWallet } from './client/wallet';
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';

const PROCESS_IO: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Runs the client CLI on `argv` (the words after `client`); resolves to the exit status. */
export async function runClient(argv: string[], io: Io = PROCESS_IO, signal?: AbortSignal): Promise<number> {
  let args: ClientArgs;
  try {
    args = parseClientArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const json = argv.includes('--json');
    const hint = e.command ? `xmtp-inbox client ${e.command} --help` : 'xmtp-inbox client --help';
    report(io, json, 'usage', e.message, hint);
    return 2;
  }
  if (args.help) {
    io.stdout(args.command ? commandUsage(args.command) : clientUsage());
    return 0;
  }
  // Chosen once per process: libsecp256k1 (WebAssembly), noble if it cannot load (whoami says which).
  await initNodeSecp256k1();
  try {
    return await execute(args, io, signal ?? interruptSignal());
  } catch (e) {
    const error = e as Error & { code?: unknown };
    if (e instanceof UsageError) {
      report(io, args.json, 'usage', e.message);
      return 2;
    }
    const code = typeof error.code === 'string' ? error.code : 'error';
    report(io, args.json, code, error.message ?? String(e));
    return 1;
  }
}

async function execute(args: ClientArgs, io: Io, signal: AbortSignal): Promise<number> {
  const command = args.command;
  const wallet = args.key.kind === 'none' ? undefined : await loadWallet(args.key);
  if (wallet?.created && args.key.kind === 'create') {
    // With no subcommand the address is the output; otherwise stdout belongs to the subcommand.
    const note = { type: 'key', address: wallet.wallet.address, file: args.key.path };
    if (!command) io.stdout(args.json ? jsonLine(note) : `${wallet.wallet.address}\n`);
    else io.stderr(`created wallet key ${args.key.path} for ${wallet.wallet.address}\n`);
  }
  if (!command) return 0;
  // can-message reads contact topics only: it never needs (or creates) an identity, even with a key.
  if (command === 'can-message') {
    const { canMessageWithoutIdentity } = await import('./client/session');
    const { printCanMessage } = await import('./client/commands');
    printCanMessage(args.args, await canMessageWithoutIdentity(args.nodes, args.args), { args, io });
    return 0;
  }
  if (command === 'backup' && args.args[0] === 'import') {
    const { importBackup } = await import('./client/backup');
    await importBackup(args, io);
    return 0;
  }
  if (!wallet && args.dataDir === undefined)
    throw new UsageError(`${command}: a wallet key is needed`, command);

  // Loaded only now: a usage error never pays for loading the client.
  const { openSession } = await import('./client/session');
  const commands = await import('./client/commands');
  const session = await openSession(args, wallet?.wallet);
  const ctx: CommandContext = { args, io, dataDir: session.dataDir, identity: session.identity, signal };
  const client = session.client;
  try {
    switch (command) {
      case 'whoami':
        await commands.whoami(client, ctx);
        break;
      case 'list':
        await commands.list(client, ctx);
        break;
      case 'send':
        await commands.send(client, ctx);
        break;
      case 'messages':
        await commands.messages(client, ctx);
        break;
      case 'stream':
        await commands.stream(client, ctx);
        break;
      case 'allow':
        await commands.setConsent(client, ctx, 'allowed');
        break;
      case 'deny':
        await commands.setConsent(client, ctx, 'denied');
        break;
      case 'consent':
        await commands.consent(client, ctx);
        break;
      case 'backup': {
        const { exportBackup } = await import('./client/backup');
        await exportBackup(client, session.keyBundle, session.dataDir, args, io);
        break;
      }
    }
  } finally {
    await client.close();
  }
  return 0;
}

function report(io: Io, json: boolean, code: string, message: string, hint?: string): void {
  if (json) io.stderr(jsonLine({ error: { code, message } }));
  else io.stderr(`xmtp-inbox client: ${message}\n${hint ? `(see ${hint})\n` : ''}`);
}

/** Aborts on the first SIGINT or SIGTERM (ends `stream` cleanly); a second one kills as usual. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (controller.signal.aborted) process.kill(process.pid, name);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller.signal;
}
