// V8's sampling CPU profiler on the extension's service worker, for the benchmarks' `--profile`: Playwright
// opens CDP sessions on pages only, so this attaches to the worker's target through the browser session and
// speaks to it with Target.sendMessageToTarget. The profile is written as a .cpuprofile (DevTools and
// speedscope open it) and summed up by function (self time), with the WebAssembly functions of libsecp256k1
// grouped as one line.
import { writeFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Starts profiling the context's service worker; `stop` ends it and gives the profile. */
export async function profileServiceWorker(
  context: BrowserContext,
): Promise<{ stop(): Promise<CpuProfile> }> {
  const cdp = await context.browser()!.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'service_worker');
  if (!worker) throw new Error('no service worker to profile');
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: worker.targetId,
    flatten: false,
  });
  let lastId = 0;
  const replies = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const reply = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id !== undefined) replies.get(reply.id)?.(reply);
  });
  const send = async (method: string, params: object = {}) => {
    const id = ++lastId;
    const reply = new Promise<{ result?: unknown; error?: { message: string } }>((resolve) =>
      replies.set(id, resolve),
    );
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method, params }),
    });
    const { result, error } = await reply;
    replies.delete(id);
    if (error) throw new Error(`${method}: ${error.message}`);
    return result;
  };
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 500 });
  await send('Profiler.start');
  return {
    async stop() {
      const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile };
      await cdp.detach();
      return profile;
    },
  };
}

/** Writes the profile and returns its `top` functions by self time, one line each. */
export function summarizeProfile(profile: CpuProfile, file: string, top = 25): string[] {
  writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    const where = frame.url.split('/').slice(-1)[0] ?? '';
    const key = frame.url.startsWith('wasm://')
      ? 'libsecp256k1 (WebAssembly)'
      : `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  });
  const lines = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([key, us]) =>
        `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${key}`,
    );
  return [`profile: ${file} (${(totalUs / 1000).toFixed(0)} ms sampled), self time by function:`, ...lines];
}
