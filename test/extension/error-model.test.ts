// One error model (issue #20 item 6): every layer's errors are ProtocolErrors with a code, and the protocol's,
// the client's and the extension's conversions to data agree, with one fallback code.
import { describe, expect, it } from 'vitest';
import { errorInfo, ClientError } from '@/client/errors';
import { ApiError } from '@/client/api/api-error';
import { ExtensionError, toErrorData } from '@/extension/errors';
import { errorData, INTERNAL, ProtocolError } from '@/protocol/errors';

describe('the error model', () => {
  it('keeps a code from any layer and gives everything else the one fallback code', async () => {
    const cases: unknown[] = [
      new ProtocolError('invalid_public_key', 'bad key'),
      new ClientError('recipient_not_on_network', 'not on XMTP'),
      new ApiError('unavailable', 'node down', { status: 503 }),
      new ExtensionError('vault_locked', 'the vault is locked'),
      new TypeError('Failed to fetch'),
      'a string',
      { code: 7 },
      null,
    ];
    const expected = [
      { code: 'invalid_public_key', message: 'bad key' },
      { code: 'recipient_not_on_network', message: 'not on XMTP' },
      { code: 'unavailable', message: 'node down' },
      { code: 'vault_locked', message: 'the vault is locked' },
      { code: INTERNAL, message: 'Failed to fetch' },
      { code: INTERNAL, message: 'a string' },
      { code: INTERNAL, message: '[object Object]' },
      { code: INTERNAL, message: 'null' },
    ];
    expect(INTERNAL).toBe('internal');
    expect(cases.map(errorData)).toEqual(expected);
    expect(cases.map(errorInfo)).toEqual(expected);
    expect(cases.map(toErrorData)).toEqual(expected);
    expect(new ExtensionError('x', 'y')).toBeInstanceOf(ProtocolError);
  });
});
