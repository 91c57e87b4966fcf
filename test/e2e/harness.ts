// End-to-end harness: builds the extension (once per run), launches Debian's Chromium with it through
// playwright-core exactly as docs/design.md §4 says, serves the test dapp on 127.0.0.1, and takes screenshots.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const EXTENSION_DIR = join(ROOT, '.output', 'chrome-mv3');
const CHROMIUM = '/usr/bin/chromium';
const BUILD_INPUTS = ['src', 'public', 'wxt.config.ts', 'package.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds `.output/chrome-mv3` unless it is newer than every build input, so several e2e files in one run build
 * once.
 */
export function buildExtension(): Promise<string> {
  return buildIfStale(EXTENSION_DIR, []);
}

/** Runs `wxt build ...args` into `dir` unless its manifest is newer than every build input. */
export async function buildIfStale(dir: string, args: string[]): Promise<string> {
  const manifest = join(dir, 'manifest.json');
  await withBuildLock(() => {
    const inputs = Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(ROOT, p))));
    if (existsSync(manifest) && statSync(manifest).mtimeMs >= inputs) return;
    const command = ['wxt', 'build', ...args];
    const result = spawnSync('npx', command, { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    if (result.status !== 0)
      throw new Error(`${command.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  });
  return dir;
}

/**
 * Runs `fn` holding a lock directory: WXT rewrites `.wxt/` on every build, so the Chromium build, the Firefox
 * build and the store zips of parallel test files must not run at the same time.
 */
export async function withBuildLock<T>(fn: () => T | Promise<T>, waitMs = 180_000): Promise<T> {
  const lock = join(ROOT, '.output', '.e2e-build-lock');
  mkdirSync(join(ROOT, '.output'), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ExtensionSession {
  context: BrowserContext;
  extensionId: string;
  /** The current service worker: Chrome stops it after ~30 s idle, so always ask again. */
  worker(): Promise<Worker>;
  /** Stops the service worker, as Chrome does after ~30 s idle, and waits until it is gone. */
  stopWorker(): Promise<void>;
  /** Opens the popup as a tab (a real popup cannot be opened by automation). */
  openPopup(): Promise<Page>;
  close(): Promise<void>;
}

/** `extraArgs`: more Chromium flags, e.g. to trust a test certificate (--ignore-certificate-errors-spki-list). */
export async function launchExtension(
  extensionDir = EXTENSION_DIR,
  extraArgs: string[] = [],
): Promise<ExtensionSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      ...extraArgs,
    ],
  });
  const worker = async () =>
    context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL((await worker()).url()).host;
  return {
    context,
    extensionId,
    worker,
    async stopWorker() {
      // Closing the worker's target stops it; Chrome starts a fresh one (new global scope) on the next event.
      // A marker on the old global tells when that has happened.
      await (await worker()).evaluate(() => ((globalThis as { e2eMarker?: number }).e2eMarker = 1));
      const cdp = await context.browser()!.newBrowserCDPSession();
      const { targetInfos } = (await cdp.send('Target.getTargets')) as {
        targetInfos: { type: string; url: string; targetId: string }[];
      };
      const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes(extensionId));
      if (!target) throw new Error('no service worker target');
      await cdp.send('Target.closeTarget', { targetId: target.targetId });
      await cdp.detach();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const marker = await (
          await worker()
        )
          .evaluate(() => (globalThis as { e2eMarker?: number }).e2eMarker)
          .catch(() => undefined);
        if (marker === undefined) return;
        if (Date.now() > deadline) throw new Error('the service worker did not stop');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async openPopup() {
      const page = await context.newPage();
      await page.setViewportSize({ width: 380, height: 600 });
      await page.goto(`chrome-extension://${extensionId}/popup.html`);
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

export interface DappServer {
  url: string;
  close(): Promise<void>;
}

/** Serves test/fixtures/dapp and, for its import map, @noble from node_modules, on 127.0.0.1:<random port>. */
export async function serveDapp(): Promise<DappServer> {
  const fixtures = join(ROOT, 'test', 'fixtures', 'dapp');
  const modules = join(ROOT, 'node_modules', '@noble');
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const [base, rest] = path.startsWith('/node_modules/@noble/')
      ? [modules, path.slice('/node_modules/@noble/'.length)]
      : [fixtures, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(base, rest));
    if (!file.startsWith(base)) return void response.writeHead(403).end();
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'text/plain' }).end(body),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * Saves a screenshot into `test-results/` (gitignored). The README's (`docs/screenshots/`) are rewritten only
 * with `SCREENSHOTS=1`, so a test run leaves the committed PNGs alone.
 */
export async function screenshot(
  page: Page,
  name: string,
  dir: 'test-results' | 'docs/screenshots' = 'test-results',
) {
  const path = screenshotPath(name, dir);
  await page.screenshot({ path });
  return path;
}

/** Where screenshot `name` goes (see screenshot()); the Firefox harness saves there too. */
export function screenshotPath(name: string, dir: 'test-results' | 'docs/screenshots'): `${string}.png` {
  const folder = join(
    ROOT,
    dir === 'docs/screenshots' && process.env.SCREENSHOTS !== '1' ? 'test-results' : dir,
  );
  mkdirSync(folder, { recursive: true });
  return join(folder, `${name}.png`) as `${string}.png`;
}

/** Sends one popup-map request from an extension page, as the popup does, and returns the raw Reply. */
export function popupRequest(page: Page, type: string, payload: unknown): Promise<unknown> {
  return page.evaluate(
    ([t, p]) =>
      (
        globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).chrome.runtime.sendMessage({ type: t, payload: p }),
    [type, payload] as const,
  );
}

/**
 * Onboards the popup showing the welcome screen with a new local key on `nodes` (through the popup's own request,
 * as its button does), and returns the new account's address.
 */
export async function createLocalAccount(
  popup: Page,
  { password, nodes }: { password: string; nodes: string[] },
): Promise<string> {
  await popup.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor({ timeout: 10_000 });
  const onboarded = (await popupRequest(popup, 'onboarding.createLocal', { password, nodes })) as {
    result?: { address: string };
    error?: unknown;
  };
  if (!onboarded.result) throw new Error(`onboarding failed: ${JSON.stringify(onboarded.error)}`);
  return onboarded.result.address;
}

/** What a page's window.xmtp request gave: its result, or its error's code and message. */
export type DappOutcome = { result?: unknown; error?: { code: number; message: string } };

/** One window.xmtp request from `page`, settled into a DappOutcome. */
export function dappRequest(page: Page, method: string, params?: unknown): Promise<DappOutcome> {
  return page.evaluate(
    ([m, p]) =>
      (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp
        .request(p === undefined ? { method: m } : { method: m, params: p })
        .then(
          (result) => ({ result }),
          (e: { code: number; message: string }) => ({ error: { code: e.code, message: e.message } }),
        ),
    [method, params] as const,
  );
}
