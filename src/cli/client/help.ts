// Help texts of `xmtp-inbox client` and its subcommands.
import { DEFAULT_NODE, commandOptionNames, positionalNames, type Subcommand } from './args';

const SUMMARIES: Record<Subcommand, string> = {
  whoami: 'print the wallet address, nodes and data dir of this identity',
  'can-message': 'tell whether each address has an XMTP identity (no key needed)',
  list: 'list conversations (V1 and V2)',
  send: 'send a text message and/or a file (starts the conversation if needed)',
  messages: 'print the messages of the conversation with ADDRESS',
  stream: 'print messages of all conversations as they arrive, until Ctrl-C',
  allow: 'allow ADDRESS… (consent, shared with every client of this identity)',
  deny: 'deny ADDRESS… (consent)',
  consent: 'print the consent state of ADDRESS… (allowed, denied or unknown)',
  backup:
    'export: write an encrypted backup file (--out FILE); import FILE: restore one into an empty --data-dir',
};

const OPTION_HELP: Record<string, string> = {
  'conversation-id':
    '--conversation-id ID   the V2 conversation with this id (default: the one without an id)',
  limit: '--limit N              only the newest N messages',
  attach:
    '--attach FILE          send FILE: inline up to 960 KiB, else encrypted and uploaded to the node (25 MiB max)',
  'save-attachments':
    '--save-attachments DIR write every received file into DIR under its own name (downloaded and checked)',
  out: '--out FILE             export: where to write the backup file',
  'password-file': '--password-file FILE  the backup password, first line (default: asked at a prompt)',
  messages: '--messages             export: include the messages too',
};

const GLOBAL_HELP = `global options:
  --node URL             node to use (repeatable: later ones are failovers; default ${DEFAULT_NODE})
  --key HEX              wallet private key (32 bytes hex)
  --key-file FILE        file holding the wallet private key in hex
  --create-key FILE      create a new wallet key in FILE (mode 0600), print its address, and use it
  --data-dir DIR         identity and caches (default ~/.xmtp-inbox/<address>); alone, with no key, uses
                         the identity cached there (an earlier run, or a restored backup)
  --json                 one JSON object per line on stdout
  -h, --help             this help`;

export function clientUsage(): string {
  const width = Math.max(...Object.keys(SUMMARIES).map((c) => c.length));
  const lines = Object.entries(SUMMARIES).map(([c, s]) => `  ${c.padEnd(width)}  ${s}`);
  return `usage: xmtp-inbox client <subcommand> [options]

subcommands:
${lines.join('\n')}

${GLOBAL_HELP}

"xmtp-inbox client <subcommand> --help" shows the options of a subcommand.
`;
}

export function commandUsage(command: Subcommand): string {
  const positionals = positionalNames(command);
  const options = commandOptionNames(command);
  const optionLines = options.map((o) => `  ${OPTION_HELP[o] ?? '--' + o}`).join('\n');
  return `usage: xmtp-inbox client ${command}${positionals ? ' ' + positionals : ''}${options.length ? ' [options]' : ''}

${SUMMARIES[command]}
${options.length ? `\noptions:\n${optionLines}\n` : ''}
${GLOBAL_HELP}
`;
}
