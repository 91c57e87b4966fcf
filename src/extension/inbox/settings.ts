// Settings live in browser.storage.local (not secret); validated once on every change.
import { ExtensionError } from '@/extension/errors';
import { DEFAULT_SETTINGS, type NodeHealth, type Settings } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';

const KEY = 'settings';

/** localhost, *.localhost, 127.0.0.0/8 and ::1: names and addresses that never leave this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]'
  );
}

export function parseNodeUrl(url: string, what = 'node URL'): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url).trim());
  } catch {
    throw new ExtensionError(
      'invalid_node_url',
      `invalid ${what}: ${JSON.stringify(String(url).slice(0, 100))}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ExtensionError('invalid_node_url', `${what} must be http or https: ${parsed.href}`);
  }
  // Plain http would let anyone on the path read and rewrite what the node says (whose keys, which messages
  // exist); it is allowed only to this machine, for development (issue #21).
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    throw new ExtensionError(
      'insecure_node_url',
      `${what} must use https (http only for localhost / 127.0.0.1 / [::1]): ${parsed.href}`,
    );
  }
  return parsed.href.replace(/\/+$/, '');
}

export function validateSettings(settings: Settings): Settings {
  if (!Array.isArray(settings.nodes) || settings.nodes.length === 0) {
    throw new ExtensionError('invalid_settings', 'at least one node URL is needed');
  }
  const minutes = settings.autoLockMinutes;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 24 * 60) {
    throw new ExtensionError('invalid_settings', `auto-lock minutes must be 0..1440: ${String(minutes)}`);
  }
  return {
    nodes: [...new Set(settings.nodes.map((url) => parseNodeUrl(url)))],
    autoLockMinutes: minutes,
    notifications: settings.notifications === true,
    notificationContent: settings.notificationContent === true,
    readReceipts: settings.readReceipts !== false,
    uploadUrl:
      typeof settings.uploadUrl === 'string' && settings.uploadUrl.trim()
        ? parseNodeUrl(settings.uploadUrl, 'upload address')
        : '',
    ens: settings.ens !== false,
    ensRpcUrl: parseNodeUrl(settings.ensRpcUrl, 'Ethereum RPC URL'),
    ensRegistry: registryAddress(settings.ensRegistry),
    ipfsGateway: parseNodeUrl(settings.ipfsGateway, 'IPFS gateway'),
    sync: settings.sync !== false,
  };
}

function registryAddress(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new ExtensionError('invalid_settings', `the ENS registry must be a 0x address: ${String(value)}`);
  }
  return value;
}

export async function readSettings(local: KeyValueArea): Promise<Settings> {
  const stored = (await local.get(KEY))[KEY] as Partial<Settings> | undefined;
  return { ...DEFAULT_SETTINGS, ...stored };
}

export async function writeSettings(local: KeyValueArea, patch: Partial<Settings>): Promise<Settings> {
  const next = validateSettings({ ...(await readSettings(local)), ...patch });
  await local.set({ [KEY]: next });
  return next;
}

const HEALTH_TIMEOUT_MS = 5_000;

/** Whether a node answers its health check, and how fast (the settings and onboarding show it as typed). */
export async function checkNodeHealth(
  fetchFn: typeof fetch,
  url: string,
  now: () => number,
): Promise<NodeHealth> {
  const base = parseNodeUrl(url);
  const started = now();
  const health: NodeHealth = { url: base, ok: false };
  try {
    const response = await fetchFn(`${base}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return { ...health, ok: response.ok, status: response.status, latencyMs: now() - started };
  } catch (error) {
    return { ...health, error: (error as Error)?.message ?? String(error) };
  }
}
