// Errors the client reports to callers: ProtocolError subclasses with stable codes (docs/client-api.md §7).
import { ProtocolError } from '@/protocol/errors';

export class ClientError extends ProtocolError {
  override readonly name: string = 'ClientError';
}

export function recipientNotOnNetwork(address: string): ClientError {
  return new ClientError('recipient_not_on_network', `Recipient ${address} is not on the XMTP network`);
}

export function selfMessaging(): ClientError {
  return new ClientError('self_messaging', 'self messaging not supported');
}

/** Any thrown value as `{code, message}` (DecodedMessage.error, per-item batch results): the protocol's errorData. */
export { errorData as errorInfo } from '@/protocol/errors';
