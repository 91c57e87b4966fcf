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

/** Any thrown value as `{code, message}` (DecodedMessage.error, per-item batch results). */
export function errorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof ProtocolError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'unknown_error', message: error.message };
  return { code: 'unknown_error', message: String(error) };
}
