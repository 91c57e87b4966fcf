// The node under benchmark in a child process (bench/_node-server.ts), so it has a core of its own and its
// numbers are not the bench's: its URL once it listens, and a stop that waits for it to exit.
import { fork } from 'node:child_process';

export async function startNodeChild(
  dataDir: string,
  { auth = false }: { auth?: boolean } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(
    new URL('./_node-server.ts', import.meta.url).pathname,
    [dataDir, ...(auth ? ['--auth'] : [])],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`bench node exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
      process.off('exit', kill);
    },
  };
}
