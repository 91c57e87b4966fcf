// One envelope to thousands of WebSocket subscribers: the text frame (RFC 6455 §5.2, unmasked as every
// server frame is) is built once per envelope and the same bytes are written to every socket, one
// write each. `ws.send` would frame it again per socket (a header Buffer, an options object, then a
// corked two-buffer writev): at 5,000 subscribers that was most of the fan-out's cost beyond the
// kernel's own (npm run bench -- node, fan-out phase).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** A final (FIN) text frame carrying `payload`, header and payload in one Buffer. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}

// The parts of ws 8's WebSocket this relies on: its socket, and whether its sender is idle (state 0,
// nothing queued behind a compression or a Blob read). Both are internal, so they are checked on
// every write and anything unexpected falls back to ws.send.
interface WsInternals {
  _socket?: Duplex;
  _sender?: { _state?: number };
}

/**
 * Writes a pre-built text frame to an open WebSocket. The bytes go to the socket's write queue, so
 * `ws.bufferedAmount` (the slow-subscriber bound) counts them exactly as it counts ws.send's.
 */
export function sendFrame(ws: WebSocket, frame: Buffer, payload: Buffer): void {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  if (socket && internals._sender?._state === 0 && socket.writable) {
    socket.write(frame);
    return;
  }
  ws.send(payload, { binary: false });
}
