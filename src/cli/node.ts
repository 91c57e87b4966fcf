// `xmtp-inbox node`: runs an XMTP node until SIGINT/SIGTERM. Every flag is validated before
// anything starts, and an error names the flag (docs/design.md §5.8).
import { parseArgs } from 'node:util';
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';
import { startNode } from '@/network/node';
import type { NodeOptions } from '@/network/node';
import { DEFAULT_RATE_LIMITS, parseRateLimit } from '@/network/limits/rate-limiter';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_SOCKETS_PER_IP } from '@/network/limits/sizes';
import { DEFAULT_REOPEN_GRACE_MS } from '@/network/reopen';
import { parsePeerLimits } from '@/network/p2p/peer-limits';
import { DEFAULT_DATA_DIR } from '@/network/store/open';
import { applyAttachmentArgs, ATTACHMENT_FLAGS, ATTACHMENT_USAGE, FlagError } from './node-attachment-args';

export const NODE_USAGE = `usage: xmtp-inbox node [options]

Runs an XMTP node: the message API over HTTP/JSON (publish, query, batch-query, subscribe,
subscribe-all), a WebSocket subscription at /message/v1/ws, /healthz and /metrics.

options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port PORT            port, 0 for any free one (default 5555)
  --data-dir DIR         SQLite store in DIR/envelopes.db (default ${DEFAULT_DATA_DIR})
  --store URL            PostgreSQL store instead (postgres://user:pass@host:port/db)
  --no-auth              accept publishes without auth tokens (development only)
  --rate-limit SPEC      PUB_PER_MIN:PUB_MAX,DEF_PER_MIN:DEF_MAX per client IP, or "off"
                         (default ${DEFAULT_RATE_LIMITS.publish.perMinute}:${DEFAULT_RATE_LIMITS.publish.max},${DEFAULT_RATE_LIMITS.default.perMinute}:${DEFAULT_RATE_LIMITS.default.max})
  --trust-proxy          take the client IP from X-Forwarded-For (only behind your own proxy)
  --max-body-bytes N     request body cap (default ${DEFAULT_MAX_BODY_BYTES}); larger bodies get 413 unread
  --max-sockets-per-ip N open WebSockets per client IP (default ${DEFAULT_MAX_SOCKETS_PER_IP})
  --reopen-grace-ms MS   a reopened HTTP subscription gets what it missed within MS (default ${DEFAULT_REOPEN_GRACE_MS}, 0 = off)

peer-to-peer (off unless --p2p-port is given):
  --p2p-port PORT        join a network of nodes: libp2p on this TCP port (0 for any free one)
  --p2p-host HOST        address for peers to reach (default: --host)
  --bootstrap MULTIADDR  a node to join, e.g. /ip4/10.0.0.1/tcp/6000/p2p/12D3KooW… (repeatable)
  --announce MULTIADDR   address to advertise to peers instead of the listen address (repeatable)
  --p2p-key FILE         node key (default DIR/p2p-key with --data-dir; sync positions sit beside it)
  --sync-interval SEC    also sync history with every peer this often (default 60; 0 = only on connect)
  --peer-limits SPEC     per-peer limits, "off" or NAME=VALUE,… overriding the defaults
                         gossip=1000:10000 (envelopes/s:burst), sync=20:100 (pages/s:burst),
                         sync-streams=4, peer-exchange=1:10 (rounds/s:burst), advertised=200:8 (peers:addrs)
  -h, --help             show this help

${ATTACHMENT_USAGE}`;

export class UsageError extends Error {}

/** Turns the command line into node options; throws UsageError naming the bad flag. */
export function parseNodeArgs(argv: string[]): NodeOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        store: { type: 'string' },
        'no-auth': { type: 'boolean' },
        'rate-limit': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
        'max-body-bytes': { type: 'string' },
        'max-sockets-per-ip': { type: 'string' },
        'reopen-grace-ms': { type: 'string' },
        'p2p-port': { type: 'string' },
        'p2p-host': { type: 'string' },
        bootstrap: { type: 'string', multiple: true },
        announce: { type: 'string', multiple: true },
        'p2p-key': { type: 'string' },
        'sync-interval': { type: 'string' },
        'peer-limits': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...ATTACHMENT_FLAGS,
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const options: NodeOptions = { auth: !values['no-auth'], trustProxy: values['trust-proxy'] ?? false };
  if (values.host !== undefined) {
    if (!/^[A-Za-z0-9.:\-[\]]+$/.test(values.host))
      throw new UsageError(`--host: invalid host "${values.host}"`);
    options.host = values.host.replace(/^\[(.*)\]$/, '$1');
  }
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      throw new UsageError(`--port: expected an integer from 0 to 65535, got "${values.port}"`);
    }
    options.port = port;
  }
  if (values['data-dir'] !== undefined && values.store !== undefined) {
    throw new UsageError('--data-dir and --store cannot be used together');
  }
  if (values['data-dir'] !== undefined) {
    if (values['data-dir'] === '') throw new UsageError('--data-dir: empty path');
    options.dataDir = values['data-dir'];
  }
  if (values.store !== undefined) {
    if (!/^postgres(ql)?:\/\/.+/.test(values.store)) {
      throw new UsageError(`--store: expected a postgres:// URL, got "${values.store}"`);
    }
    options.storeUrl = values.store;
  }
  const rate = values['rate-limit'];
  if (rate !== undefined) {
    try {
      options.rateLimit = rate === 'off' ? false : parseRateLimit(rate);
    } catch (err) {
      throw new UsageError(`--rate-limit: ${(err as Error).message}`);
    }
  }
  const cap = values['max-body-bytes'];
  if (cap !== undefined) {
    if (!/^\d+$/.test(cap) || Number(cap) < 1024) {
      throw new UsageError(`--max-body-bytes: expected an integer of at least 1024, got "${cap}"`);
    }
    options.maxBodyBytes = Number(cap);
  }
  const sockets = values['max-sockets-per-ip'];
  if (sockets !== undefined) {
    if (!/^\d+$/.test(sockets) || Number(sockets) < 1) {
      throw new UsageError(`--max-sockets-per-ip: expected a whole number of at least 1, got "${sockets}"`);
    }
    options.maxSocketsPerIp = Number(sockets);
  }
  const grace = values['reopen-grace-ms'];
  if (grace !== undefined) {
    if (!/^\d+$/.test(grace) || Number(grace) > 60_000) {
      throw new UsageError(
        `--reopen-grace-ms: expected a whole number of ms from 0 to 60000, got "${grace}"`,
      );
    }
    options.reopenGraceMs = Number(grace);
  }
  const p2pPort = values['p2p-port'];
  const p2pOnly = ['p2p-host', 'bootstrap', 'announce', 'p2p-key', 'sync-interval', 'peer-limits'] as const;
  if (p2pPort === undefined) {
    const stray = p2pOnly.find((flag) => values[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --p2p-port`);
  } else {
    if (!/^\d+$/.test(p2pPort) || Number(p2pPort) > 65535) {
      throw new UsageError(`--p2p-port: expected an integer from 0 to 65535, got "${p2pPort}"`);
    }
    const multiaddrs = (flag: 'bootstrap' | 'announce'): string[] | undefined => {
      const list = values[flag];
      for (const addr of list ?? []) {
        if (!/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d+(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/.test(addr)) {
          throw new UsageError(
            `--${flag}: expected a multiaddr like /ip4/1.2.3.4/tcp/6000[/p2p/ID], got "${addr}"`,
          );
        }
      }
      return list;
    };
    const host = values['p2p-host'];
    if (host !== undefined && !/^[A-Za-z0-9.:\-[\]]+$/.test(host)) {
      throw new UsageError(`--p2p-host: invalid host "${host}"`);
    }
    if (values['p2p-key'] === '') throw new UsageError('--p2p-key: empty path');
    const interval = values['sync-interval'];
    if (interval !== undefined && (!/^\d+$/.test(interval) || Number(interval) > 86_400)) {
      throw new UsageError(`--sync-interval: expected whole seconds from 0 to 86400, got "${interval}"`);
    }
    let peerLimits;
    if (values['peer-limits'] !== undefined) {
      try {
        peerLimits = parsePeerLimits(values['peer-limits']);
      } catch (err) {
        throw new UsageError(`--peer-limits: ${(err as Error).message}`);
      }
    }
    options.p2p = {
      port: Number(p2pPort),
      host: host?.replace(/^\[(.*)\]$/, '$1') ?? options.host,
      bootstrap: multiaddrs('bootstrap'),
      announce: multiaddrs('announce'),
      keyFile: values['p2p-key'],
      ...(interval !== undefined ? { syncIntervalMs: Number(interval) * 1000 } : {}),
      ...(peerLimits !== undefined ? { peerLimits } : {}),
    };
  }
  try {
    applyAttachmentArgs(values, options);
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  return options;
}

export async function runNode(argv: string[]): Promise<number> {
  let options: NodeOptions | 'help';
  try {
    options = parseNodeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`xmtp-inbox node: ${err.message}\n\n${NODE_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(NODE_USAGE);
    return 0;
  }
  // Auth tokens are checked by signature recovery: libsecp256k1 (WebAssembly), noble if it cannot load.
  const curve = await initNodeSecp256k1();
  const log = (level: string) => (msg: string) => process.stderr.write(`[${level}] ${msg}\n`);
  let node;
  try {
    node = await startNode({
      ...options,
      processMetrics: true,
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
    });
  } catch (err) {
    process.stderr.write(`xmtp-inbox node: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const rate = options.rateLimit;
  process.stdout.write(
    `XMTP node listening on ${node.url}\n` +
      `  store: ${node.storeDescription}\n` +
      `  attachments: ${node.attachmentsDescription ?? 'off'}\n` +
      `  auth: ${options.auth ? 'on (publish needs a token)' : 'OFF (--no-auth, development only)'}\n` +
      `  secp256k1: ${curve.backend}${curve.fallbackReason ? ` (${curve.fallbackReason})` : ''}\n` +
      `  rate limit: ${
        rate === false
          ? 'off'
          : `${(rate ?? DEFAULT_RATE_LIMITS).publish.perMinute}:${(rate ?? DEFAULT_RATE_LIMITS).publish.max} publish, ` +
            `${(rate ?? DEFAULT_RATE_LIMITS).default.perMinute}:${(rate ?? DEFAULT_RATE_LIMITS).default.max} other (per minute:bucket)`
      }\n` +
      (node.p2p
        ? `  p2p: peer id ${node.p2p.peerId}\n` +
          node.p2p
            .multiaddrs()
            .map((a) => `  p2p listening on ${a}\n`)
            .join('')
        : '  p2p: off (single node; --p2p-port joins a network)\n' +
          (options.storeUrl
            ? "  note: other nodes on this database reach this node's subscribers only through the p2p\n" +
              '        relay: start every node on it with --p2p-port and --bootstrap\n'
            : '')),
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stdout.write(`${signal}: closing streams and the store…\n`);
  await node.close();
  process.stdout.write('stopped\n');
  return 0;
}
