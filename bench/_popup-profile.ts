// `npm run bench -- extension --profile`: one popup open traced with Chromium's own tracing (CDP Tracing on the
// browser session, so the popup's new renderer process is in the trace from its navigation on), written to
// $TMPDIR as a trace file DevTools' Performance panel opens, and summed up here: what the popup's main thread
// does between navigation start and the list rendered (parse, script evaluation, style, layout, paint, idle), the
// scripts fetched and evaluated, and where the JS time goes (the sampled CPU profile in the trace, by function).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of the event; `dur` is wall time, which includes time the thread was descheduled. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown> & { data?: Record<string, unknown>; name?: string };
}

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'blink.user_timing',
  'loading',
  'navigation',
  'v8',
  'v8.execute',
  'toplevel',
];
/** The sampled CPU profile: where JS time goes, but its start alone costs the page ~300 ms (seen in a trace). */
const CPU_CATEGORIES = ['disabled-by-default-v8.cpu_profiler'];

/** Opens the popup once under tracing; returns the trace file's path and a summary, line by line. */
export async function profilePopupOpen(
  context: BrowserContext,
  popupUrl: string,
  until: string,
  { cpu = false }: { cpu?: boolean } = {},
): Promise<{ file: string; summary: string[] }> {
  const cdp = await context.browser()!.newBrowserCDPSession();
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as TraceEvent[])));
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  const page = await context.newPage();
  await page.setViewportSize({ width: 380, height: 600 });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: [...CATEGORIES, ...(cpu ? CPU_CATEGORIES : [])],
      recordMode: 'recordAsMuchAsPossible',
    },
  });
  await page.goto(popupUrl);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, until);
  await new Promise((r) => setTimeout(r, 200)); // the paint after the mark
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  await page.close();
  const file = join(process.env.TMPDIR ?? tmpdir(), `xmtp-popup-trace-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ traceEvents: events }));
  return { file, summary: summarize(events, popupUrl, until) };
}

const fmt = (us: number) => `${(us / 1000).toFixed(1)} ms`;

export function summarize(events: TraceEvent[], popupUrl: string, until: string): string[] {
  const out: string[] = [];
  // The popup's renderer: the process whose main thread committed the popup's navigation.
  const navStart = events.find(
    (e) =>
      e.name === 'navigationStart' &&
      String((e.args?.data as { documentLoaderURL?: string })?.documentLoaderURL ?? '').startsWith(popupUrl),
  );
  if (!navStart) return ['no navigationStart of the popup in the trace'];
  const { pid, tid } = navStart;
  const t0 = navStart.ts;
  const mark = (name: string) =>
    events.find((e) => e.pid === pid && e.cat.includes('blink.user_timing') && e.name === name)?.ts;
  const end = mark(until) ?? Infinity;
  out.push(`renderer pid ${pid}; times from the popup's navigationStart`);
  for (const name of [
    'xmtp-inbox:prefetch-start',
    'xmtp-inbox:popup-start',
    'xmtp-inbox:list-received',
    'xmtp-inbox:list-rendered',
  ]) {
    const ts = mark(name);
    if (ts !== undefined) out.push(`  mark ${name}: ${fmt(ts - t0)}`);
  }
  // The browser's side of navigation: when the navigation began in the browser process, as far as it is traced.
  const firstPaint = events.find(
    (e) => e.pid === pid && (e.name === 'firstContentfulPaint' || e.name === 'firstPaint') && e.ts > t0,
  );
  if (firstPaint) out.push(`  ${firstPaint.name}: ${fmt(firstPaint.ts - t0)}`);

  // Top-level tasks on the main thread from navigation start to the mark, by their main child.
  const main = events.filter(
    (e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.ts >= t0 && e.ts <= end,
  );
  const tasks = main.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  // Tasks nest (RunTask inside ThreadControllerImpl::RunTask): the outer ones only.
  const outer = tasks.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  const busy = outer.reduce((s, e) => s + (e.dur ?? 0), 0);
  const cpu = outer.reduce((s, e) => s + (e.tdur ?? 0), 0);
  out.push(
    `main thread: ${fmt(end - t0)} to ${until}; ${outer.length} tasks, ${fmt(busy)} of them in wall time, ` +
      `${fmt(cpu)} on the CPU (the rest of a task's wall time the thread was descheduled)`,
  );
  const threads = new Map<string, string>();
  for (const e of events)
    if (e.pid === pid && e.name === 'thread_name') threads.set(String(e.tid), String(e.args?.name));
  const from = mark('xmtp-inbox:prefetch-start');
  const received = mark('xmtp-inbox:list-received');
  if (from !== undefined && received !== undefined) {
    // The worker shares the popup's renderer process: its CPU while the popup waited for the first screen.
    const workerTasks = events.filter(
      (e) =>
        e.pid === pid &&
        e.name === 'ThreadControllerImpl::RunTask' &&
        threads.get(String(e.tid)) === 'ServiceWorker thread' &&
        e.ts >= from &&
        e.ts <= received,
    );
    out.push(
      `  service worker from our first script to the first screen received (${fmt(received - from)}): ` +
        `${workerTasks.length} tasks, ${fmt(workerTasks.reduce((s, e) => s + (e.tdur ?? 0), 0))} on the CPU`,
    );
  }
  const byName = new Map<string, number>();
  const cpuByName = new Map<string, number>();
  for (const e of main) {
    if (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') continue;
    byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ?? 0));
    cpuByName.set(e.name, (cpuByName.get(e.name) ?? 0) + (e.tdur ?? 0));
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 18);
  out.push('  wall time by event (nested events count in their parents too), and its CPU time:');
  for (const [name, us] of top) out.push(`    ${name}: ${fmt(us)} (CPU ${fmt(cpuByName.get(name) ?? 0)})`);
  out.push('  the longest tasks (start, length, what):');
  for (const t of [...tasks].sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0)).slice(0, 10)) {
    const inner = main
      .filter(
        (e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + (t.dur ?? 0) && (e.dur ?? 0) > 300,
      )
      .slice(0, 4)
      .map(
        (e) =>
          `${e.name}${e.args?.data && 'url' in e.args.data ? ` ${String(e.args.data.url).split('/').pop()}` : ''} ${fmt(e.dur ?? 0)}`,
      );
    out.push(`    ${fmt(t.ts - t0)} +${fmt(t.dur ?? 0)}: ${inner.join(', ')}`);
  }
  // Resource loads of the popup (its scripts and CSS) as the renderer saw them.
  const sends = events.filter((e) => e.pid === pid && e.name === 'ResourceSendRequest' && e.ts >= t0);
  const finishes = events.filter((e) => e.pid === pid && e.name === 'ResourceFinish');
  for (const s of sends) {
    const data = s.args?.data as { url?: string; requestId?: string } | undefined;
    const fin = finishes.find((f) => (f.args?.data as { requestId?: string })?.requestId === data?.requestId);
    out.push(
      `  fetch ${String(data?.url).split('/').pop()}: sent ${fmt(s.ts - t0)}${fin ? `, finished ${fmt(fin.ts - t0)}` : ''}`,
    );
  }
  out.push(...jsProfile(events, pid, mark('xmtp-inbox:prefetch-start') ?? t0, end));
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url?: string; lineNumber: number };
}

/**
 * Self time by function from the trace's sampled CPU profiles of the popup's renderer process (the popup's main
 * thread and the extension's service worker share it), per thread, from our first script to the mark.
 */
function jsProfile(events: TraceEvent[], pid: number, from: number, end: number): string[] {
  const threads = new Map<string, string>();
  for (const e of events)
    if (e.pid === pid && e.name === 'thread_name') threads.set(String(e.tid), String(e.args?.name));
  // One sampled profile per thread, by its id: its nodes, its clock and the self time per function.
  const profiles = new Map<string, { tid: number; nodes: Map<number, ProfileNode>; at: number }>();
  const self = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (e.pid !== pid || (e.name !== 'Profile' && e.name !== 'ProfileChunk')) continue;
    const id = String((e as { id?: string }).id);
    const data = e.args?.data as {
      startTime?: number;
      cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] };
      timeDeltas?: number[];
    };
    if (e.name === 'Profile') {
      profiles.set(id, { tid: e.tid, nodes: new Map(), at: Number(data?.startTime ?? 0) });
      continue;
    }
    const profile = profiles.get(id);
    if (!profile) continue;
    for (const n of data.cpuProfile?.nodes ?? []) profile.nodes.set(n.id, n);
    const samples = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    const thread = threads.get(String(profile.tid)) ?? String(profile.tid);
    const bucket = self.get(thread) ?? new Map<string, number>();
    self.set(thread, bucket);
    for (let i = 0; i < samples.length; i++) {
      profile.at += deltas[i] ?? 0;
      if (profile.at < from || profile.at > end) continue;
      const node = profile.nodes.get(samples[i]!);
      if (!node) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      const key = `${functionName || '(anonymous)'} ${(url ?? '').split('/').pop()}:${lineNumber}`;
      bucket.set(key, (bucket.get(key) ?? 0) + (deltas[i + 1] ?? 0));
    }
  }
  const out: string[] = [];
  for (const [thread, bucket] of self) {
    const total = [...bucket.values()].reduce((s, v) => s + v, 0);
    if (!total) continue;
    out.push(`JS samples on ${thread} from our first script to the mark: ${fmt(total)}; the top functions:`);
    for (const [key, us] of [...bucket].sort((a, b) => b[1] - a[1]).slice(0, 20))
      out.push(`    ${key}: ${fmt(us)}`);
  }
  return out;
}
