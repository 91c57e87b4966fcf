import { describe, expect, it } from 'vitest';
import { createXmtpProvider, installXmtpProvider } from '@/extension/dapp/provider';
import { startDappRelay, type RelayPort } from '@/extension/dapp/relay';
import { PAGE_DAPP_CHANNEL, PAGE_LIMITS, type PortCall, type PortMessage } from '@/extension/messages/dapp';

const ORIGIN = 'https://shop.example';

/** A window as both scripts see it: an EventTarget whose postMessage delivers a cloned MessageEvent later. */
function pageWindow() {
  const target = new EventTarget();
  const win = Object.assign(target, {
    location: { origin: ORIGIN },
    postMessage(data: unknown, targetOrigin: string) {
      expect(targetOrigin).toBe(ORIGIN);
      const cloned = structuredClone(data); // throws for functions, as browsers do
      setTimeout(() =>
        target.dispatchEvent(
          Object.assign(new Event('message'), { data: cloned, origin: ORIGIN, source: win }),
        ),
      );
    },
  });
  return win as unknown as Window;
}

/** The background end of runtime ports, answering through `answer` (undefined = never answers). */
function background(answer?: (call: PortCall) => PortMessage | undefined) {
  const ports: { calls: PortCall[]; push(message: PortMessage): void; drop(): void }[] = [];
  const connect = (): RelayPort => {
    const messageListeners: ((m: unknown) => void)[] = [];
    const disconnectListeners: (() => void)[] = [];
    const port = {
      calls: [] as PortCall[],
      push: (message: PortMessage) => messageListeners.forEach((l) => l(JSON.parse(JSON.stringify(message)))),
      drop: () => disconnectListeners.forEach((l) => l()),
    };
    ports.push(port);
    return {
      postMessage(call) {
        port.calls.push(JSON.parse(JSON.stringify(call)));
        const reply = answer?.(call);
        if (reply) setTimeout(() => port.push(reply));
      },
      onMessage: { addListener: (l) => messageListeners.push(l) },
      onDisconnect: { addListener: (l) => disconnectListeners.push(l) },
    };
  };
  return { ports, connect };
}

const settle = (promise: Promise<unknown>) =>
  promise.then(
    (result) => ({ result }),
    (error: Error & { code: number }) => ({
      error: { code: error.code, message: error.message, isError: error instanceof Error },
    }),
  );

describe('window.xmtp ⇄ content script relay', () => {
  it('carries requests to the background and answers back, errors as Errors with an EIP-1193 code', async () => {
    const win = pageWindow();
    const bg = background((call) =>
      call.method === 'xmtp_getPermissions'
        ? { id: call.id, result: [] }
        : { id: call.id, error: { code: 4100, message: 'call xmtp_requestAccess first' } },
    );
    startDappRelay(win, bg.connect);
    const xmtp = createXmtpProvider(win);
    expect(await settle(xmtp.request({ method: 'xmtp_getPermissions' }))).toEqual({ result: [] });
    expect(await settle(xmtp.request({ method: 'xmtp_listConversations' }))).toEqual({
      error: { code: 4100, message: 'call xmtp_requestAccess first', isError: true },
    });
    expect(bg.ports).toHaveLength(1);
    expect(bg.ports[0]!.calls.map((c) => c.method)).toEqual([
      'xmtp_getPermissions',
      'xmtp_listConversations',
    ]);
  });

  it('answers unknown methods, bad shapes and uncloneable params itself, without forwarding', async () => {
    const win = pageWindow();
    const bg = background(() => undefined);
    startDappRelay(win, bg.connect);
    const xmtp = createXmtpProvider(win);
    expect(await settle(xmtp.request({ method: 'eth_sendTransaction' }))).toMatchObject({
      error: { code: 4200 },
    });
    expect(
      await settle(xmtp.request({ method: 'xmtp_getMessages', params: { topic: 'x'.repeat(70_000) } })),
    ).toMatchObject({
      error: { code: -32602 },
    });
    expect(
      await settle(xmtp.request({ method: 'xmtp_sendMessage', params: { content: () => 1 } })),
    ).toMatchObject({
      error: { code: -32602 },
    });
    expect(await settle(xmtp.request(undefined as never))).toMatchObject({ error: { code: -32600 } });
    expect(bg.ports).toHaveLength(0);
  });

  it(`limits a page to ${PAGE_LIMITS.inFlight} requests in flight`, async () => {
    const win = pageWindow();
    const bg = background(() => undefined);
    startDappRelay(win, bg.connect);
    const xmtp = createXmtpProvider(win);
    const waiting = Array.from({ length: PAGE_LIMITS.inFlight + 6 }, () =>
      settle(xmtp.request({ method: 'xmtp_address' })),
    );
    await new Promise((r) => setTimeout(r, 50));
    bg.ports[0]!.drop(); // the worker stops: whatever was waiting fails with 4900
    const outcomes = await Promise.all(waiting);
    expect(outcomes.filter((o) => 'error' in o && o.error.code === -32005)).toHaveLength(6);
    expect(outcomes.filter((o) => 'error' in o && o.error.code === 4900)).toHaveLength(PAGE_LIMITS.inFlight);
  });

  it('delivers events to listeners, and renews a subscription on a new port after the worker restarts', async () => {
    const win = pageWindow();
    const bg = background((call) => ({
      id: call.id,
      result: call.method === 'xmtp_subscribe' ? ['message'] : null,
    }));
    startDappRelay(win, bg.connect);
    const xmtp = createXmtpProvider(win);
    const heard: unknown[] = [];
    const listener = (data: unknown) => heard.push(data);
    xmtp.on('message', listener);
    expect(await xmtp.request({ method: 'xmtp_subscribe', params: { events: ['message'] } })).toEqual([
      'message',
    ]);
    bg.ports[0]!.push({ event: 'message', data: { id: 'm1', content: 'hi' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([{ id: 'm1', content: 'hi' }]);

    bg.ports[0]!.drop();
    await new Promise((r) => setTimeout(r, 700));
    expect(bg.ports).toHaveLength(2);
    expect(bg.ports[1]!.calls).toEqual([
      expect.objectContaining({ method: 'xmtp_subscribe', params: { events: ['message'] } }),
    ]);
    xmtp.removeListener('message', listener);
    bg.ports[1]!.push({ event: 'message', data: { id: 'm2' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toHaveLength(1);
  });

  it('ignores messages from other windows and replies to ids it never sent', async () => {
    const win = pageWindow();
    const bg = background(() => undefined);
    startDappRelay(win, bg.connect);
    const other = pageWindow();
    win.dispatchEvent(
      Object.assign(new Event('message'), {
        data: { channel: PAGE_DAPP_CHANNEL, direction: 'request', id: 'x1', method: 'xmtp_address' },
        origin: ORIGIN,
        source: other,
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(bg.ports).toHaveLength(0);
  });
});

describe('installing window.xmtp', () => {
  it('defines a non-writable provider and announces it with our rdns on request', () => {
    const win = pageWindow();
    const announced: { info: { rdns: string }; provider: unknown }[] = [];
    win.addEventListener('xmtp:announceProvider', (e) => announced.push((e as CustomEvent).detail));
    const provider = installXmtpProvider(win);
    expect((win as unknown as { xmtp: unknown }).xmtp).toBe(provider);
    expect(() => {
      'use strict';
      (win as unknown as { xmtp: unknown }).xmtp = 1;
    }).toThrow(TypeError);
    win.dispatchEvent(new Event('xmtp:requestProvider'));
    expect(announced).toHaveLength(2);
    expect(announced[1]).toMatchObject({ info: { rdns: 'org.xmtp-inbox', name: 'XMTP Inbox' }, provider });
    expect(Object.isFrozen(provider)).toBe(true);
  });

  it('never replaces a window.xmtp that is already there', () => {
    const win = pageWindow();
    const existing = { mine: true };
    (win as unknown as { xmtp: unknown }).xmtp = existing;
    const provider = installXmtpProvider(win);
    expect((win as unknown as { xmtp: unknown }).xmtp).toBe(existing);
    expect(provider.isXmtpInbox).toBe(true);
  });
});
