// A node as a child process (`bin/xmtp-inbox.js node …`), for tests that kill it (SIGKILL) mid-traffic.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/xmtp-inbox.js', import.meta.url));

export interface NodeProcess {
  url: string;
  peerId: string;
  /** Its first p2p listen address, with /p2p/<id>. */
  addr: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `xmtp-inbox node` with auth and rate limits off on free ports; resolves once it prints its addresses. */
export function spawnNode(args: string[], execArgv: string[] = []): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [...execArgv, BIN, 'node', '--port', '0', '--p2p-port', '0', '--no-auth', '--rate-limit', 'off', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const peerId = /peer id (\S+)/.exec(out)?.[1];
      const addr = /p2p listening on (\S+)/.exec(out)?.[1];
      if (!url || !peerId || !addr) return;
      clearTimeout(timer);
      resolve({
        url,
        peerId,
        addr,
        child,
        output: () => out,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${out}`));
    });
  });
}
