// Firefox end-to-end harness: builds `.output/firefox-mv2` (once per run, beside harness.ts's Chromium build),
// launches Debian's Firefox ESR through puppeteer-core over WebDriver BiDi as docs/design.md §4 says, installs the
// build as a temporary add-on under a UUID fixed by a pref (so the test knows its moz-extension:// origin), and
// takes screenshots.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildIfStale, ROOT, screenshotPath } from './harness';
import { until as waitUntil } from '../helpers/until';

export const FIREFOX = '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION_DIR = join(ROOT, '.output', 'firefox-mv2');
/** The moz-extension:// host the test gives the add-on (`extensions.webextensions.uuids`). */
export const EXTENSION_UUID = '3f6c1a2e-8d4b-4e7a-9c51-0b2d7e6f4a18';

/** Builds `.output/firefox-mv2` (`wxt build -b firefox`) unless it is newer than every build input. */
export function buildFirefoxExtension(): Promise<string> {
  return buildIfStale(FIREFOX_EXTENSION_DIR, ['-b', 'firefox']);
}

export interface FirefoxSession {
  browser: Browser;
  /** The add-on's id as Firefox installed it (the manifest's browser_specific_settings.gecko.id). */
  addonId: string;
  /** `moz-extension://<uuid>` */
  origin: string;
  /** Opens an extension page (`popup.html`, …) in a new tab and waits until its script has rendered. */
  openExtensionPage(path: string, ready?: string): Promise<Page>;
  /** Opens the popup as a tab (a real toolbar popup cannot be opened by automation), 380×600 like the popup. */
  openPopup(): Promise<Page>;
  /** Reloads an extension page and waits until it has rendered again. */
  reload(page: Page, ready?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Since Firefox 153 WebDriver may load moz-extension: pages only with `--remote-allow-system-access`, and the load
 * of such a page is never reported to BiDi (the tab switches process, the old frame detaches): the navigation
 * promise is left alone and the page's own content is awaited instead.
 */
async function waitForExtensionPage(page: Page, url: string, ready: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await page
      .evaluate(
        (selector) => ({ href: location.href, ready: document.querySelector(selector) !== null }),
        ready,
      )
      .catch(() => undefined);
    if (state && state.href === url && state.ready) return;
    if (Date.now() > deadline)
      throw new Error(`${url} did not render ${ready} (at ${state?.href ?? 'no document'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function launchFirefox(extensionDir = FIREFOX_EXTENSION_DIR): Promise<FirefoxSession> {
  if (!existsSync(FIREFOX))
    throw new Error(`${FIREFOX} is missing: apt-get install firefox-esr (the Firefox e2e tests need it)`);
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } };
  };
  const geckoId = manifest.browser_specific_settings?.gecko?.id;
  if (!geckoId) throw new Error(`${extensionDir}/manifest.json has no browser_specific_settings.gecko.id`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: EXTENSION_UUID }),
      // Notifications from the background go to the OS; none here.
      'alerts.useSystemBackend': false,
    },
  });
  let addonId: string;
  try {
    addonId = await browser.installExtension(extensionDir);
  } catch (error) {
    await browser.close();
    throw error;
  }
  const origin = `moz-extension://${EXTENSION_UUID}`;
  const session: FirefoxSession = {
    browser,
    addonId,
    origin,
    async openExtensionPage(path, ready = '#app > *') {
      const page = await browser.newPage();
      const url = `${origin}/${path}`;
      page.goto(url).catch(() => undefined);
      await waitForExtensionPage(page, url, ready);
      return page;
    },
    async openPopup() {
      const page = await session.openExtensionPage('popup.html');
      await page.setViewport({ width: 380, height: 600 });
      return page;
    },
    async reload(page, ready = '#app > *') {
      const url = await page.evaluate(() => location.href);
      // Mark the old document, so the wait below cannot see it as the reloaded one.
      await page.evaluate(() => document.documentElement.setAttribute('data-e2e-stale', ''));
      await page.evaluate(() => setTimeout(() => location.reload(), 0));
      await waitForExtensionPage(page, url, `${ready}`, 20_000);
      const deadline = Date.now() + 20_000;
      while (
        await page
          .evaluate(
            (selector) =>
              document.documentElement.hasAttribute('data-e2e-stale') || !document.querySelector(selector),
            ready,
          )
          .catch(() => true)
      ) {
        if (Date.now() > deadline) throw new Error(`${url} did not reload`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await browser.close();
    },
  };
  return session;
}

/**
 * Finds the page whose URL contains `part` among the browser's tabs and windows (the approval window is opened by
 * the background with windows.create). Each page is asked for its own location, as BiDi does not report the load
 * of moz-extension: pages.
 */
export async function waitForPage(
  browser: Browser,
  part: string,
  ready: string,
  ms = 15_000,
  except: Page[] = [],
): Promise<Page> {
  const deadline = Date.now() + ms;
  for (;;) {
    for (const page of await browser.pages()) {
      if (except.includes(page)) continue;
      const found = await page
        .evaluate(
          (p, selector) => location.href.includes(p) && document.querySelector(selector) !== null,
          part,
          ready,
        )
        .catch(() => false);
      if (found) return page;
    }
    if (Date.now() > deadline) throw new Error(`no page at *${part}* showing ${ready}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Polls `read` until it returns something other than undefined or false (test/helpers/until.ts). */
export const until = <T>(what: string, read: () => Promise<T | undefined | false>, ms = 20_000) =>
  waitUntil(read, what, ms);

/** Sends one popup-map request from an extension page, as the popup does, and returns the raw Reply. */
export function extensionRequest(page: Page, type: string, payload: unknown): Promise<unknown> {
  return page.evaluate(
    (t, p) =>
      (
        globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).browser.runtime.sendMessage({ type: t, payload: p }),
    type,
    payload as never,
  );
}

/** Saves a screenshot as harness.ts's screenshot() does (docs/screenshots/ only with `SCREENSHOTS=1`). */
export async function firefoxScreenshot(
  page: Page,
  name: string,
  dir: 'test-results' | 'docs/screenshots' = 'test-results',
): Promise<string> {
  const path = screenshotPath(name, dir);
  await page.screenshot({ path });
  return path;
}
