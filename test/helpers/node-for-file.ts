// A real node on port 0 for every test of a file, in a throwaway data directory: started before the first test,
// stopped (and its directory removed) after the last.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startNode, type NodeOptions, type XmtpNode } from '@/network/node';

/** `prefix` names the data directory; `use` receives the started node; rate limits are off unless `options` say. */
export function realNodeForFile(
  prefix: string,
  use: (node: XmtpNode) => void,
  options: Omit<NodeOptions, 'port' | 'dataDir'> = {},
): void {
  let node: XmtpNode | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    node = await startNode({ port: 0, dataDir, rateLimit: false, ...options });
    use(node);
  });
  afterAll(async () => {
    await node?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
}
