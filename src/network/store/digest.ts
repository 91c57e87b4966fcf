// An envelope's digest, sha256(utf8(topic) ‖ message): the store's key and the cursor's digest
// (docs/protocol.md §1.5). One sha256 for the whole node: sqlite-write-session.cjs's.
import { sha256 } from './write-session';

export function envelopeDigest(contentTopic: string, message: Uint8Array): Uint8Array {
  const topicLength = Buffer.byteLength(contentTopic);
  const input = Buffer.allocUnsafe(topicLength + message.length);
  input.write(contentTopic, 0, 'utf8');
  input.set(message, topicLength);
  return sha256(input);
}
