// Runs `bin/xmtp-inbox.js client …` as a real process, as people and scripts do, for the CLI tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/xmtp-inbox.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, 'client', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[]): Promise<Run> {
  const child = startCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** `--json` output: one object per line. */
export const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
