import { describe, expect, it } from 'vitest';
import {
  DAPP_ADMIN_MESSAGE_TYPES,
  DAPP_METHODS,
  isJsonValue,
  PAGE_DAPP_CHANNEL,
  PAGE_LIMITS,
  parsePageRequest,
  parsePortCall,
} from '@/extension/messages/dapp';
import { toRpcError, DappError } from '@/extension/dapp/errors';
import { ExtensionError } from '@/extension/errors';

const request = (fields: Record<string, unknown>) => ({
  channel: PAGE_DAPP_CHANNEL,
  direction: 'request',
  id: 'abc123',
  method: 'xmtp_address',
  ...fields,
});

describe('page messages of window.xmtp', () => {
  it('ignores what is not a dapp request: other channels, our own responses and events', () => {
    for (const data of [
      null,
      'xmtp_address',
      [request({})],
      { ...request({}), channel: 'xmtp-inbox/page' },
      { ...request({}), direction: 'response' },
      { ...request({}), direction: 'event' },
    ]) {
      expect(parsePageRequest(data)).toBeUndefined();
    }
  });

  it('forwards a well-formed call of a known method with JSON params', () => {
    expect(parsePageRequest(request({ params: [{ capabilities: ['inbox:read'] }] }))).toEqual({
      ok: true,
      id: 'abc123',
      method: 'xmtp_address',
      params: [{ capabilities: ['inbox:read'] }],
      large: false,
    });
    for (const method of DAPP_METHODS)
      expect(parsePageRequest(request({ method }))).toMatchObject({ ok: true });
  });

  it('lets only xmtp_sendMessage carry a file past 64 KiB, up to the file limit (issue #16)', () => {
    const file = {
      topic: 't',
      content: { type: 'attachment', filename: 'f', mimeType: 'a/b', data: 'A'.repeat(200_000) },
    };
    expect(parsePageRequest(request({ method: 'xmtp_sendMessage', params: file }))).toMatchObject({
      ok: true,
      large: true,
    });
    expect(parsePageRequest(request({ method: 'xmtp_getMessages', params: file }))).toMatchObject({
      ok: false,
      error: { code: -32602, message: expect.stringContaining('params too large') },
    });
    const huge = { ...file, content: { ...file.content, data: 'A'.repeat(40_000_000) } };
    expect(parsePageRequest(request({ method: 'xmtp_sendMessage', params: huge }))).toMatchObject({
      ok: false,
      error: { code: -32602 },
    });
  });

  it('answers malformed ids, methods and params with an error, never forwarding them', () => {
    for (const id of [undefined, 1, '', 'a b', 'x'.repeat(65), 'ü']) {
      expect(parsePageRequest(request({ id }))).toMatchObject({
        ok: false,
        id: null,
        error: { code: -32600 },
      });
    }
    expect(parsePageRequest(request({ method: 5 }))).toMatchObject({ ok: false, error: { code: -32600 } });
    for (const method of ['eth_sendTransaction', '__proto__', 'toString', 'xmtp_exportKey']) {
      expect(parsePageRequest(request({ method }))).toMatchObject({
        ok: false,
        id: 'abc123',
        error: { code: 4200, message: expect.stringContaining(method.slice(0, 10)) },
      });
    }
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) deep = { deep };
    for (const params of [
      new Date(),
      new Map(),
      new Uint8Array(2),
      Number.NaN,
      deep,
      'x'.repeat(PAGE_LIMITS.paramsChars + 1),
    ]) {
      expect(parsePageRequest(request({ params }))).toMatchObject({ ok: false, error: { code: -32602 } });
    }
  });

  it('checks port calls again in the background', () => {
    expect(parsePortCall({ id: 3, method: 'xmtp_getPermissions' })).toEqual({
      id: 3,
      method: 'xmtp_getPermissions',
      params: undefined,
    });
    expect(parsePortCall({ id: '3', method: 'xmtp_getPermissions' })).toBeUndefined();
    expect(parsePortCall({ id: 3, method: 'vault.unlock' })).toBeUndefined();
    expect(parsePortCall({ id: 3, method: 'xmtp_address', params: new Map() })).toBeUndefined();
  });

  it('accepts only plain JSON values', () => {
    expect(isJsonValue({ a: [1, 'b', null, true, { c: {} }] })).toBe(true);
    expect(isJsonValue(Object.create(null))).toBe(true);
    expect(isJsonValue(undefined)).toBe(false);
    expect(isJsonValue(() => 1)).toBe(false);
    expect(isJsonValue(Number.POSITIVE_INFINITY)).toBe(false);
    expect(isJsonValue(new (class Thing {})())).toBe(false);
  });

  it('declares each admin message once', () => {
    expect(new Set(DAPP_ADMIN_MESSAGE_TYPES).size).toBe(DAPP_ADMIN_MESSAGE_TYPES.length);
    expect(new Set(DAPP_METHODS).size).toBe(DAPP_METHODS.length);
  });
});

describe('errors a page receives', () => {
  it('keeps EIP-1193 codes and maps the inbox states a page may know about', () => {
    expect(toRpcError(new DappError(4001, 'no'))).toEqual({ code: 4001, message: 'no' });
    expect(toRpcError(new ExtensionError('vault_locked', 'the vault is locked'))).toMatchObject({
      code: 4900,
    });
    expect(toRpcError(new ExtensionError('no_account', 'x'))).toMatchObject({ code: 4900 });
    expect(toRpcError(new ExtensionError('invalid_address', 'invalid address: "0x1"'))).toEqual({
      code: -32602,
      message: 'invalid address: "0x1"',
    });
    expect(toRpcError(new ExtensionError('vault_corrupt', 'bad'))).toEqual({ code: -32603, message: 'bad' });
    expect(toRpcError('boom')).toEqual({ code: -32603, message: 'boom' });
  });
});
