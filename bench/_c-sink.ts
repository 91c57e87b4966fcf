// Runs the C fan-out receivers (bench/fanout-sink.c, compiled by bench/node.ts into
// $FANOUT_SINK_BIN) behind the same IPC messages as the Node receivers they replace, so the node
// benchmark forks either kind the same way:
//   _c-sink.ts ws          like _ws-subscribers.ts: {type:'start', url, count, topic} → {type:'ready'};
//                          {type:'report'} → {type:'latencies', values, stamps, closedEarly}; {type:'stop'}
//   _c-sink.ts tcp N PORT  like _tcp-fanout.ts's sink: 'ready'; any message → {latencies, stamps}
// This process only relays: during a fan-out it sleeps, and the C program does all the reading.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const bin = process.env.FANOUT_SINK_BIN;
if (!bin) throw new Error('FANOUT_SINK_BIN is not set (bench/node.ts compiles the sink)');

interface Report {
  values: number[];
  stamps: number[];
  closedEarly: number;
}

/** Starts the receiver program; resolves once it says "ready". */
function startSink(args: string[]): Promise<{ report(): Promise<Report>; stop(): void }> {
  const child: ChildProcessWithoutNullStreams = spawn(bin!, args);
  child.stderr.pipe(process.stderr);
  const lines = createInterface({ input: child.stdout });
  let onLine: (line: string) => void = () => undefined;
  lines.on('line', (line) => onLine(line));
  const report = (): Promise<Report> =>
    new Promise((resolve) => {
      let expected = -1;
      const result: Report = { values: [], stamps: [], closedEarly: 0 };
      onLine = (line) => {
        if (expected < 0) {
          const m = /^records (\d+) closed (\d+)$/.exec(line);
          if (!m) return;
          expected = Number(m[1]);
          result.closedEarly = Number(m[2]);
        } else {
          const space = line.indexOf(' ');
          result.stamps.push(Number(line.slice(0, space)));
          result.values.push(Number(line.slice(space + 1)));
        }
        if (result.values.length === expected) resolve(result);
      };
      child.stdin.write('report\n');
    });
  return new Promise((resolve, reject) => {
    onLine = (line) => {
      if (line === 'ready') resolve({ report, stop: () => child.kill() });
      else if (line.startsWith('failed')) reject(new Error(`fanout-sink ${line}`));
    };
    child.once('exit', (code, signal) => reject(new Error(`fanout-sink exited (${code ?? signal})`)));
    child.once('error', reject);
  });
}

if (process.argv[2] === 'tcp') {
  const [count, port] = [process.argv[3]!, process.argv[4]!];
  const sink = await startSink(['tcp', '127.0.0.1', port, count]);
  process.on('message', () => {
    void sink.report().then((r) => process.send?.({ latencies: r.values, stamps: r.stamps }));
  });
  process.on('disconnect', () => {
    sink.stop();
    process.exit(0);
  });
  process.send?.('ready');
} else {
  let sink: Awaited<ReturnType<typeof startSink>> | undefined;
  process.on(
    'message',
    (m: { type: 'start'; url: string; count: number; topic: string } | { type: 'report' | 'stop' }) => {
      if (m.type === 'start') {
        const url = new URL(m.url);
        startSink(['ws', url.hostname, url.port, url.pathname, String(m.count), m.topic]).then(
          (started) => {
            sink = started;
            process.send?.({ type: 'ready' });
          },
          (error: Error) => process.send?.({ type: 'failed', message: error.message }),
        );
      } else if (m.type === 'report') {
        void sink!.report().then((r) => process.send?.({ type: 'latencies', ...r }));
      } else {
        sink?.stop();
        process.exit(0);
      }
    },
  );
  process.on('disconnect', () => {
    sink?.stop();
    process.exit(0);
  });
}
