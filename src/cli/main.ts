// `xmtp-inbox <command>`: subcommands are added by the node (issue 3) and client (issue 4) layers.
const USAGE = `usage: xmtp-inbox <command> [options]

commands:
  node      run an XMTP node (message API over HTTP/JSON)
  client    use an XMTP client from the command line
`;

export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'node') return (await import('./node')).runNode(argv.slice(1));
  if (command === 'client') return (await import('./client')).runClient(argv.slice(1));
  process.stderr.write(`xmtp-inbox: unknown command "${command}"\n${USAGE}`);
  return 2;
}
