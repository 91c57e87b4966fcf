// Arguments of `xmtp-inbox client`, parsed and validated once (docs/design.md §5.8): every error names the
// flag or value that is wrong, and nothing touches the network or the disk before they all check out.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isAddress } from '@/protocol/address';

export type Subcommand =
  | 'whoami'
  | 'can-message'
  | 'list'
  | 'send'
  | 'messages'
  | 'stream'
  | 'allow'
  | 'deny'
  | 'consent'
  | 'backup';

export const SUBCOMMANDS: readonly Subcommand[] = [
  'whoami',
  'can-message',
  'list',
  'send',
  'messages',
  'stream',
  'allow',
  'deny',
  'consent',
  'backup',
];

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL_OPTIONS = {
  node: { type: 'string', multiple: true },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  'create-key': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Options each subcommand takes beyond the global ones. */
const COMMAND_OPTIONS: Record<Subcommand, Options> = {
  whoami: {},
  'can-message': {},
  list: {},
  send: { 'conversation-id': { type: 'string' }, attach: { type: 'string' } },
  messages: {
    'conversation-id': { type: 'string' },
    limit: { type: 'string' },
    'save-attachments': { type: 'string' },
  },
  stream: {},
  allow: {},
  deny: {},
  consent: {},
  backup: { out: { type: 'string' }, 'password-file': { type: 'string' }, messages: { type: 'boolean' } },
};

/** Positional arguments: names for help and errors, and how many each subcommand takes. */
const POSITIONALS: Record<Subcommand, { names: string; min: number; max: number }> = {
  whoami: { names: '', min: 0, max: 0 },
  'can-message': { names: 'ADDRESS…', min: 1, max: Infinity },
  list: { names: '', min: 0, max: 0 },
  send: { names: 'ADDRESS [TEXT]', min: 1, max: 2 },
  messages: { names: 'ADDRESS', min: 1, max: 1 },
  stream: { names: '', min: 0, max: 0 },
  allow: { names: 'ADDRESS…', min: 1, max: Infinity },
  deny: { names: 'ADDRESS…', min: 1, max: Infinity },
  consent: { names: 'ADDRESS…', min: 1, max: Infinity },
  backup: { names: 'export|import FILE', min: 1, max: 2 },
};

export const DEFAULT_NODE = 'http://localhost:5555';

export type KeySource =
  | { kind: 'hex'; hex: string }
  | { kind: 'file'; path: string }
  | { kind: 'create'; path: string }
  | { kind: 'none' };

export interface ClientArgs {
  /** Undefined when only `--create-key` (or `--help`) was given. */
  command: Subcommand | undefined;
  help: boolean;
  nodes: string[];
  key: KeySource;
  dataDir: string | undefined;
  json: boolean;
  /** Positional arguments after the subcommand, checked for count (and addresses where expected). */
  args: string[];
  conversationId: string | undefined;
  limit: number | undefined;
  /** backup export: where to write the file. */
  out: string | undefined;
  /** backup: the password's file (first line); else a prompt. */
  passwordFile: string | undefined;
  /** backup export: include the messages. */
  includeMessages: boolean;
  /** send: the file to send. */
  attach: string | undefined;
  /** messages: where to write received files. */
  saveAttachments: string | undefined;
}

/** A command-line mistake: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: Subcommand,
  ) {
    super(message);
  }
}

export function positionalNames(command: Subcommand): string {
  return POSITIONALS[command].names;
}

export function commandOptionNames(command: Subcommand): string[] {
  return Object.keys(COMMAND_OPTIONS[command]);
}

/** Parses `argv` (what follows `client`). Throws UsageError naming the bad flag or value. */
export function parseClientArgs(argv: string[]): ClientArgs {
  // First pass, lenient, only to find the subcommand wherever the flags sit.
  const allOptions: Options = { ...GLOBAL_OPTIONS };
  for (const options of Object.values(COMMAND_OPTIONS)) Object.assign(allOptions, options);
  const [name] = parseArgs({
    args: argv,
    options: allOptions,
    allowPositionals: true,
    strict: false,
  }).positionals;
  let command: Subcommand | undefined;
  if (name !== undefined) {
    if (!(SUBCOMMANDS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown subcommand "${name}" (expected one of: ${SUBCOMMANDS.join(', ')})`);
    }
    command = name as Subcommand;
  }
  // Second pass, strict, with only what this subcommand takes: another subcommand's flag is an error.
  const { values, positionals } = parse(
    argv,
    command ? { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] } : GLOBAL_OPTIONS,
    command,
  );
  const rest = positionals.slice(1);
  const help = values.help === true;

  const nodes = ((values.node as string[] | undefined) ?? [DEFAULT_NODE]).map(checkNodeUrl);
  const key = keySource(values);
  const dataDir = optionalString(values['data-dir'], '--data-dir');
  const out: ClientArgs = {
    command,
    help,
    nodes,
    key,
    dataDir,
    json: values.json === true,
    args: rest,
    conversationId: optionalString(values['conversation-id'], '--conversation-id'),
    limit: values.limit === undefined ? undefined : checkLimit(values.limit as string),
    out: optionalString(values.out, '--out'),
    passwordFile: optionalString(values['password-file'], '--password-file'),
    includeMessages: values.messages === true,
    attach: optionalString(values.attach, '--attach'),
    saveAttachments: optionalString(values['save-attachments'], '--save-attachments'),
  };
  if (help) return out;
  if (!command) {
    if (key.kind === 'create') return out;
    throw new UsageError('missing subcommand');
  }

  const { names, min, max } = POSITIONALS[command];
  if (rest.length < min) {
    throw new UsageError(`${command}: missing ${names.split(' ')[rest.length] ?? 'argument'}`, command);
  }
  if (rest.length > max) {
    throw new UsageError(`${command}: unexpected argument "${rest[max]}"`, command);
  }
  if (command === 'backup') return checkBackup(out);
  // Every subcommand's first positional (and all of them for the lists) is an address.
  const addressCount = max === Infinity ? rest.length : Math.min(rest.length, 1);
  for (const value of rest.slice(0, addressCount)) {
    if (!isAddress(value)) throw new UsageError(`${command}: invalid address "${value}"`, command);
  }
  if (command === 'send' && rest[1] === '') throw new UsageError('send: TEXT is empty', command);
  if (command === 'send' && rest[1] === undefined && out.attach === undefined)
    throw new UsageError('send: missing TEXT (or --attach FILE)', command);
  // With --data-dir alone, the identity cached there (a restored backup, an earlier run) is used.
  if (command !== 'can-message' && key.kind === 'none' && dataDir === undefined) {
    throw new UsageError(
      `${command}: a wallet key is needed: --key HEX, --key-file FILE or --create-key FILE (or --data-dir DIR holding an identity)`,
      command,
    );
  }
  return out;
}

function checkBackup(args: ClientArgs): ClientArgs {
  const [action, file] = args.args;
  if (action === 'export') {
    if (file !== undefined)
      throw new UsageError(`backup export: unexpected argument "${file}" (use --out FILE)`, 'backup');
    if (!args.out) throw new UsageError('backup export: --out FILE is needed', 'backup');
    if (args.key.kind === 'none' && args.dataDir === undefined)
      throw new UsageError(
        'backup export: a wallet key or --data-dir DIR holding an identity is needed',
        'backup',
      );
    return args;
  }
  if (action === 'import') {
    if (file === undefined) throw new UsageError('backup import: missing FILE', 'backup');
    if (args.dataDir === undefined)
      throw new UsageError('backup import: --data-dir DIR is needed (an empty one)', 'backup');
    if (args.out !== undefined || args.includeMessages)
      throw new UsageError('backup import: --out and --messages are for export', 'backup');
    return args;
  }
  throw new UsageError(`backup: expected export or import, got "${action}"`, 'backup');
}

function parse(argv: string[], options: Options, command: Subcommand | undefined) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const error = e as Error & { code?: string };
    const prefix = command ? `${command}: ` : '';
    const flag = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      throw new UsageError(`${prefix}unknown option ${flag}`, command);
    }
    if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      const takesValue = options[flag.replace(/^-+/, '')]?.type === 'string';
      throw new UsageError(
        takesValue ? `${prefix}option ${flag} needs a value` : `${prefix}option ${flag} takes no value`,
        command,
      );
    }
    throw new UsageError(prefix + error.message, command);
  }
}

function keySource(values: Record<string, unknown>): KeySource {
  const given = (['key', 'key-file', 'create-key'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(`options ${given.map((k) => '--' + k).join(' and ')} cannot be used together`);
  }
  if (values.key !== undefined) {
    // The key itself never goes into a message: it is a secret.
    const hex = (values.key as string).replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new UsageError('invalid --key: expected 32 bytes as 64 hex digits (0x optional)');
    }
    return { kind: 'hex', hex: hex.toLowerCase() };
  }
  if (values['key-file'] !== undefined) {
    return { kind: 'file', path: optionalString(values['key-file'], '--key-file')! };
  }
  if (values['create-key'] !== undefined) {
    return { kind: 'create', path: optionalString(values['create-key'], '--create-key')! };
  }
  return { kind: 'none' };
}

function optionalString(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`option ${flag} needs a value`);
  return value;
}

function checkNodeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`invalid --node "${value}": not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid --node "${value}": expected http:// or https://`);
  }
  return value.replace(/\/+$/, '');
}

function checkLimit(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`invalid --limit "${value}": expected a whole number ≥ 1`, 'messages');
  }
  return Number(value);
}
