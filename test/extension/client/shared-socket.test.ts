import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '@/client/api';
import type { StreamConnection, WebSocketConstructor } from '@/client/api/stream-connection';
import { openWsStream, wsUrl } from '@/client/api/ws-stream';
import { MAX_TOPICS_PER_SOCKET, sharedWebSocket } from '@/extension/client/shared-socket';
import { startNode, type XmtpNode } from '@/network/node';
import { toBase64 } from '@/protocol/bytes';
import { until } from '../../helpers/until';
import { realNodeForFile } from '../../helpers/node-for-file';

// One WebSocket per node for every account (issue #17 item 3): the client's own WebSocket stream code over the
// shared sockets, against a real node on port 0 (auth off, so the test can publish to any topic).
let node: XmtpNode;
realNodeForFile('xmtp-inbox-shared-socket-', (started) => (node = started), { auth: false });

const topic = (name: string) => `/xmtp/0/m-shared-${name}/proto`;
const Real = WebSocket as unknown as WebSocketConstructor;

async function publish(on: XmtpNode, contentTopic: string, text: string) {
  const response = await fetch(`${on.url}/message/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      envelopes: [
        {
          contentTopic,
          timestampNs: String(BigInt(Date.now()) * 1_000_000n),
          message: toBase64(new TextEncoder().encode(text)),
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

/** Open WebSocket subscriptions as the node counts them. */
async function nodeSockets(on: XmtpNode): Promise<number> {
  const text = await (await fetch(`${on.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('xmtp_subscriptions_open{transport="websocket"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** A client stream over `WebSocketClass`, recording what it hears. */
async function stream(WebSocketClass: WebSocketConstructor, topics: string[], on = node) {
  const heard: string[] = [];
  const errors: unknown[] = [];
  const connection: StreamConnection = await openWsStream({
    WebSocket: WebSocketClass,
    node: on.url,
    topics,
    handlers: {
      onEnvelope: (envelope: Envelope) => heard.push(new TextDecoder().decode(envelope.message)),
      onError: (error) => errors.push(error),
    },
    connectTimeoutMs: 5_000,
    livenessTimeoutMs: 60_000,
  });
  return { connection, heard, errors };
}

describe('shared WebSockets', () => {
  it('gives two clients one socket to the node, each hearing only its own topics', async () => {
    const shared = sharedWebSocket(Real);
    const [alice, bob] = await Promise.all([
      stream(shared.WebSocket, [topic('a')]),
      stream(shared.WebSocket, [topic('b')]),
    ]);
    expect(shared.openSockets(wsUrl(node.url))).toBe(1);
    await until(async () => (await nodeSockets(node)) === 1, 'one socket on the node');

    await publish(node, topic('a'), 'for alice');
    await publish(node, topic('b'), 'for bob');
    await until(() => alice.heard.length === 1 && bob.heard.length === 1, 'both envelopes');
    expect(alice.heard).toEqual(['for alice']);
    expect(bob.heard).toEqual(['for bob']);

    // A topic set changed in place is confirmed by the node before the client is told.
    await alice.connection.setTopics!([topic('a'), topic('c')]);
    expect([...alice.connection.topics]).toEqual([topic('a'), topic('c')]);
    await publish(node, topic('c'), 'new topic');
    await until(() => alice.heard.length === 2, 'the envelope on the added topic');
    expect(bob.heard).toEqual(['for bob']);

    // One leaving keeps the other; the last one leaving closes the socket.
    alice.connection.close();
    await expect(alice.connection.ended).resolves.toMatchObject({ reason: 'closed by client' });
    await publish(node, topic('b'), 'still here');
    await until(() => bob.heard.length === 2, 'bob after alice left');
    expect(shared.openSockets(wsUrl(node.url))).toBe(1);
    bob.connection.close();
    expect(shared.openSockets(wsUrl(node.url))).toBe(0);
    await until(async () => (await nodeSockets(node)) === 0, 'no socket left on the node');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('moves a client whose topics do not fit beside the others to a socket of its own', async () => {
    const shared = sharedWebSocket(Real);
    const many = (name: string) =>
      Array.from({ length: MAX_TOPICS_PER_SOCKET * 0.6 }, (_, i) => topic(`${name}-${i}`));
    const first = await stream(shared.WebSocket, many('first'));
    const second = await stream(shared.WebSocket, [topic('small')]);
    expect(shared.openSockets(wsUrl(node.url))).toBe(1);
    // 6,000 + 6,000 is over the node's 10,000 per socket: the second moves, and is confirmed there.
    await second.connection.setTopics!(many('second'));
    expect(shared.openSockets(wsUrl(node.url))).toBe(2);
    await until(async () => (await nodeSockets(node)) === 2, 'two sockets on the node');

    await publish(node, topic('second-5'), 'after the move');
    await publish(node, topic('first-5'), 'on the first socket');
    await until(() => second.heard.length === 1 && first.heard.length === 1, 'one envelope each');
    expect(second.heard).toEqual(['after the move']);
    expect(first.heard).toEqual(['on the first socket']);
    expect([...first.errors, ...second.errors]).toEqual([]);
    first.connection.close();
    second.connection.close();
    await until(async () => (await nodeSockets(node)) === 0, 'both sockets closed');
  });

  it('closes every client with the code the node closed the socket with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-shared-socket-stop-'));
    const stopping = await startNode({ port: 0, dataDir: dir, rateLimit: false, auth: false });
    try {
      const shared = sharedWebSocket(Real);
      const [one, two] = await Promise.all([
        stream(shared.WebSocket, [topic('x')], stopping),
        stream(shared.WebSocket, [topic('y')], stopping),
      ]);
      await stopping.close();
      const ends = await Promise.all([one.connection.ended, two.connection.ended]);
      expect(ends.map((end) => end.code)).toEqual([1001, 1001]);
      expect(shared.openSockets(wsUrl(stopping.url))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a request it cannot share with the error the node would give, and keeps the socket', async () => {
    const shared = sharedWebSocket(Real);
    const socket = new shared.WebSocket(wsUrl(node.url));
    const frames: unknown[] = [];
    socket.onmessage = (event) => frames.push(JSON.parse(String(event.data)));
    await new Promise((resolve) => (socket.onopen = resolve));
    socket.send(JSON.stringify({ id: 7, method: 'subscribeAll' }));
    socket.send(JSON.stringify({ id: 8, method: 'set', contentTopics: 'not a list' }));
    socket.send('not json');
    socket.send(JSON.stringify({ id: 9, method: 'set', contentTopics: [topic('z')] }));
    // Replies carry the request's id; the ones answered here can come before the node's. (A keepalive ping
    // may come too: not a reply.)
    const replies = () => frames.filter((f) => !(typeof f === 'object' && f !== null && 'ping' in f));
    await until(() => replies().length >= 4, 'four replies').catch(() => {
      throw new Error(`four replies expected, got ${JSON.stringify(frames)}`);
    });
    expect(replies()).toHaveLength(4);
    expect(replies()).toEqual(
      expect.arrayContaining([
        {
          id: 7,
          error: expect.objectContaining({ code: 3, message: expect.stringMatching(/"set" requests only/) }),
        },
        {
          id: 8,
          error: expect.objectContaining({ code: 3, message: expect.stringMatching(/array of topic/) }),
        },
        { error: expect.objectContaining({ code: 3 }) },
        { id: 9, result: { topics: 1 } },
      ]),
    );
    socket.close();
  });
});
