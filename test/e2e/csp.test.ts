/**
 * The demo app under each server's Content-Security-Policy in real Chromium: signing in, the chat
 * over /ws and the admin panel all work, and the browser reports no blocked script, style,
 * connection or frame. A screenshot of each is kept in test/e2e/artifacts for review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../demo/web/build';
import type { TestServer } from '../conformance/server';
import { servers } from '../conformance/servers';
import { messages, openRoom, screenshot, sendMessage, signIn } from './support/app';
import { chromiumMissing, windowSet } from './support/browser';

const skip = chromiumMissing();

describe.skipIf(skip !== undefined).each(servers)('the demo app under the $name server’s Content-Security-Policy', ({ name, start }) => {
  let server: TestServer;
  const windows = windowSet();

  beforeAll(async () => {
    await buildDemo({ minify: false });
    server = await start();
  });
  afterAll(async () => {
    await windows.closeAll();
    await server?.stop();
  });

  it('signs in, chats and shows the admin panel with nothing blocked', async () => {
    const window = await windows.open(server.httpUrl);
    const { page } = window;
    const reports: string[] = [];
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) reports.push(message.text());
    });
    // Recorded by the page itself from its first script on, so nothing during the load is missed.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (globalThis as { cspViolations?: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const answer = await page.reload();
    expect(answer?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer?.headers()['content-security-policy']).not.toContain('unsafe-inline');

    await signIn(page, 'admin');
    await openRoom(page, 'general');
    await sendMessage(page, `under the policy on ${name}`);
    await messages(page, `under the policy on ${name}`).waitFor();
    await page.getByTestId('grants-alice').waitFor();
    // The stylesheet applied: the page is not rendered unstyled.
    expect(await page.evaluate(() => document.styleSheets.length)).toBeGreaterThan(0);
    await screenshot(page, `csp-${name}`);

    expect(await page.evaluate(() => (globalThis as { cspViolations?: string[] }).cspViolations)).toEqual([]);
    expect(reports).toEqual([]);
    expect(window.pageErrors).toEqual([]);
    await windows.close(window);
  });
});
