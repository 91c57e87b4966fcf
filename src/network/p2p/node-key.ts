// The node's libp2p identity. Kept in a file so a restarted node has the same peer id: its peers then
// recognise it, and the history-sync positions they keep for it (src/network/sync) stay valid.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';

/** @libp2p/crypto's own key type (it is built on a newer @libp2p/interface than libp2p 2.10's). */
export type NodeKey = ReturnType<typeof privateKeyFromProtobuf>;

/** Reads the Ed25519 key in `path` (libp2p protobuf form), or creates it (mode 0600). */
export async function loadOrCreateNodeKey(path: string): Promise<NodeKey> {
  if (existsSync(path)) {
    try {
      return privateKeyFromProtobuf(readFileSync(path));
    } catch (error) {
      throw new Error(`cannot read the p2p node key in ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const key = await generateKeyPair('Ed25519');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return key;
}
