// An envelope's digest, sha256(utf8(topic) ‖ message): the store's key and the cursor's digest
// (docs/protocol.md §1.5). One sha256 for the whole node, the writer thread's included.
import nodeCrypto from 'node:crypto';

// crypto.hash (Node 20.12+, 21.7+) hashes in one call, cheaper than a Hash object for small inputs.
export const sha256: (bytes: Uint8Array) => Buffer =
  typeof nodeCrypto.hash === 'function'
    ? (bytes) => nodeCrypto.hash('sha256', bytes, 'buffer') as unknown as Buffer
    : (bytes) => nodeCrypto.createHash('sha256').update(bytes).digest();

export function envelopeDigest(contentTopic: string, message: Uint8Array): Uint8Array {
  const topicLength = Buffer.byteLength(contentTopic);
  const input = Buffer.allocUnsafe(topicLength + message.length);
  input.write(contentTopic, 0, 'utf8');
  input.set(message, topicLength);
  return sha256(input);
}
