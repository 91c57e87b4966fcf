// A TCP proxy that holds every chunk a client sends for a moment before passing it on, so an upload over
// loopback takes long enough for its progress to be seen (the attachments e2e). It forwards bytes as they are,
// TLS included; what the server sends back is not delayed.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface SlowProxy {
  /** The proxy's URL for `url`'s scheme: the same host, the proxy's port. */
  url: string;
  close(): Promise<void>;
}

export async function startSlowProxy(url: string, delayMs: number): Promise<SlowProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let queue = Promise.resolve();
    client.on('data', (chunk) => {
      queue = queue
        .then(() => new Promise((resolve) => setTimeout(resolve, delayMs)))
        .then(() => void upstream.write(chunk));
    });
    client.on('end', () => void queue.then(() => upstream.end()));
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, target.hostname, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${target.protocol}//${target.hostname}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
