// Reference for the node benchmark: the cheapest possible node:http server (reads the body, answers {}).
// Run as a child process by bench/node.ts so it gets a core of its own, like the node does.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
});
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
