/**
 * Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core, one
 * persistent context (its own profile, so its own cookies) per signed-in user. Browsers are never
 * downloaded.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed. */
export const hasChromium = existsSync(CHROMIUM);

/**
 * Says what to do when Chromium is missing: under CI the suite must fail, elsewhere it is
 * skipped with the command that installs it.
 */
export function chromiumMissing(): string | undefined {
  if (hasChromium) return undefined;
  const message = `end-to-end tests need Chromium at ${CHROMIUM}: apt-get install -y chromium`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping: ${message}`);
  return message;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser window with its own profile, and what its page sent over WebSockets. */
export interface Window {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every text frame the page sent on any WebSocket, in order. */
  readonly sentFrames: string[];
  /** Uncaught page errors, to explain a failure. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Opens a fresh Chromium window (new profile: no cookies) at `url`. */
export async function openWindow(url: string): Promise<Window> {
  const profile = mkdtempSync(join(tmpdir(), 'permsocket-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const sentFrames: string[] = [];
  const pageErrors: string[] = [];
  page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => sentFrames.push(String(payload))));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  return {
    context,
    page,
    sentFrames,
    pageErrors,
    async close() {
      // Closing the context ends its browser process; the profile goes with it.
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The windows one test file opens: `close` ends the ones a test is done with, and `closeAll` (for
 * afterAll) whatever a failing test left open.
 */
export function windowSet() {
  const open = new Set<Window>();
  return {
    async open(url: string): Promise<Window> {
      const window = await openWindow(url);
      open.add(window);
      return window;
    },
    async close(...done: Window[]): Promise<void> {
      for (const window of done) open.delete(window);
      await Promise.all(done.map((window) => window.close()));
    },
    async closeAll(): Promise<void> {
      const all = [...open];
      open.clear();
      await Promise.all(all.map((window) => window.close()));
    },
  };
}
