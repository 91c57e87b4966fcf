// Live reachability of the node URLs being typed: GET /healthz through the background, debounced.
import { useEffect, useState } from 'preact/hooks';
import type { NodeHealth } from '@/extension/inbox/contract';
import { Field } from '@/ui/components/field';
import { errorText } from '@/ui/format';
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
          // A URL the background refuses (not http/https, plain http off this machine) says why, for people.
          (error) => !cancelled && setHealth((h) => ({ ...h, [url]: errorText(error).text })),
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
                : h.status
                  ? `unreachable (HTTP ${h.status}): is this an XMTP node?`
                  : 'unreachable: check the URL and that the node is running';
        const cls =
          typeof h === 'object'
            ? h.ok
              ? 'ok'
              : 'bad'
            : typeof h === 'string' && h !== 'checking'
              ? 'bad'
              : '';
        return (
          <li key={url} class={cls} title={typeof h === 'object' && h.error ? h.error : undefined}>
            <span class="dot" aria-hidden="true" /> {url}: {text}
          </li>
        );
      })}
    </ul>
  );
}

/** The node URL list as onboarding and settings edit it: one per line, each checked live below. */
export function NodeUrlsField({ text, onText }: { text: string; onText(text: string): void }) {
  return (
    <>
      <Field label="Node URLs" hint="One per line; tried in order.">
        <textarea rows={2} value={text} onInput={(e) => onText(e.currentTarget.value)} spellcheck={false} />
      </Field>
      <NodeStatus nodes={parseNodeList(text)} />
    </>
  );
}
