// The fan-out floor of this machine, for bench/node.ts: one process writes one 400-byte message to
// each of N loopback TCP sockets (no WebSocket, no JSON, no node), read by sink processes laid out like
// the node benchmark's subscribers (two by default). Reports publish → delivery latencies like the fan-out phase.
import { fork } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { deliveriesFrom } from './_deliveries';

const MESSAGE_BYTES = 400;
const now = (): number => performance.timeOrigin + performance.now();

if (process.argv[2] === 'sink') {
  const [count, port] = [Number(process.argv[3]), Number(process.argv[4])];
  const latencies: number[] = [];
  const stamps: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', (error) => console.error(`tcp fan-out sink: ${error.message}`));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      // Arrival = when the read reaches the process, as in the WebSocket subscribers.
      const arrived = now();
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= MESSAGE_BYTES) {
        const stamp = Number(pending.subarray(0, 20).toString('latin1'));
        stamps.push(stamp);
        latencies.push(arrived - stamp);
        pending = pending.subarray(MESSAGE_BYTES);
      }
    });
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
  }
  process.on('message', () => {
    process.send?.({ latencies, stamps });
  });
  process.send?.('ready');
} else {
  const [subscribers, rounds, intervalMs, processes = 2, warmup = 0] = process.argv.slice(2).map(Number) as [
    number,
    number,
    number,
    number?,
    number?,
  ];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1', async () => {
    const port = (server.address() as { port: number }).port;
    // The C receivers (_c-sink.ts) when bench/node.ts compiled them, else this file's Node sinks.
    const sinks = Array.from({ length: processes }, (_, i) => {
      const count = String(Math.floor(subscribers / processes) + (i < subscribers % processes ? 1 : 0));
      return process.env.FANOUT_SINK_BIN
        ? fork(new URL('./_c-sink.ts', import.meta.url).pathname, ['tcp', count, String(port)])
        : fork(new URL(import.meta.url).pathname, ['sink', count, String(port)]);
    });
    await Promise.all(sinks.map((sink) => new Promise((r) => sink.once('message', r))));
    while (sockets.length < subscribers) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    // The first `warmup` publishes are sent like the others and left out of the report.
    let measuredFrom = 0;
    for (let round = 0; round < warmup + rounds; round++) {
      if (round === warmup) measuredFrom = now();
      const message = Buffer.alloc(MESSAGE_BYTES, ' ');
      message.write(now().toFixed(3).padStart(20, ' '), 'latin1');
      for (const socket of sockets) socket.write(message);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const reports = await Promise.all(
      sinks.map(
        (sink) =>
          new Promise<{ latencies: number[]; stamps: number[] }>((resolve) => {
            sink.once('message', resolve);
            sink.send('report');
          }),
      ),
    );
    const { values, lastDelivery } = deliveriesFrom(
      reports.map((r) => ({ values: r.latencies, stamps: r.stamps })),
      measuredFrom,
    );
    for (const sink of sinks) sink.kill();
    // Exit only once the (large) report has gone down the IPC channel.
    process.send?.({ values, lastDelivery }, () => process.exit(0));
  });
}
