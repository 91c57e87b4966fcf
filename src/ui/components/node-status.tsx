// Live reachability of the node URLs being typed: GET /healthz through the background, debounced.
import { useEffect, useState } from 'preact/hooks';
import type { NodeHealth } from '@/extension/inbox-service';
import { call } from '@/ui/rpc';

export function parseNodeList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function NodeStatus({ nodes }: { nodes: string[] }) {
  const [health, setHealth] = useState<Record<string, NodeHealth | 'checking' | string>>({});
  const key = nodes.join(' ');

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      for (const url of nodes) {
        setHealth((h) => ({ ...h, [url]: 'checking' }));
        call('node.check', { url }).then(
          (result) => !cancelled && setHealth((h) => ({ ...h, [url]: result })),
          (error) => !cancelled && setHealth((h) => ({ ...h, [url]: (error as Error).message })),
        );
      }
    }, 400);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key]);

  return (
    <ul class="node-status" aria-live="polite">
      {nodes.map((url) => {
        const h = health[url];
        const text =
          h === undefined || h === 'checking'
            ? 'checking…'
            : typeof h === 'string'
              ? h
              : h.ok
                ? `reachable (${h.latencyMs} ms)`
                : `unreachable${h.status ? ` (HTTP ${h.status})` : h.error ? `: ${h.error}` : ''}`;
        const cls =
          typeof h === 'object'
            ? h.ok
              ? 'ok'
              : 'bad'
            : typeof h === 'string' && h !== 'checking'
              ? 'bad'
              : '';
        return (
          <li key={url} class={cls}>
            <span class="dot" aria-hidden="true" /> {url}: {text}
          </li>
        );
      })}
    </ul>
  );
}
