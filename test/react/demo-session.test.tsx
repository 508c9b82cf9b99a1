/**
 * The demo app's browser session (demo/web/src/session.ts) against a fake server that rotates the
 * refresh cookie like the reference server: presenting a rotated cookie again revokes the family.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession, isNoSession, isSessionEnded, REFRESH_LOCK } from '../../demo/web/src/session';

/** One browser profile: a cookie jar shared by every tab, and the server behind it. */
function fakeBrowser() {
  let jar: string | undefined;
  let next = 0;
  const issued = new Map<string, { family: number; used: boolean; revoked: boolean }>();
  const sent: string[] = [];
  let logoutAnswer: 'ok' | 'network' | 500 = 'ok';
  const issue = (family: number) => {
    const cookie = `c${++next}`;
    issued.set(cookie, { family, used: false, revoked: false });
    return cookie;
  };
  const revokeFamily = (family: number) => issued.forEach((row) => row.family === family && (row.revoked = true));
  const token = () => `h.${btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 300 }))}.s`;
  const ok = () => new Response(JSON.stringify({ accessToken: token(), expiresIn: 300 }), { status: 200 });

  const fetch = vi.fn(async (path: string) => {
    // The browser attaches the cookie when the request leaves; the answer comes a moment later.
    const cookie = jar;
    sent.push(`${path} ${cookie ?? '-'}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (path === '/auth/login') {
      jar = issue(next + 1000);
      return ok();
    }
    if (path === '/auth/logout') {
      if (logoutAnswer === 'network') throw new TypeError('Failed to fetch');
      if (logoutAnswer !== 'ok') return new Response('boom', { status: logoutAnswer });
      const row = cookie ? issued.get(cookie) : undefined;
      if (row) revokeFamily(row.family);
      jar = undefined;
      return new Response(null, { status: 204 });
    }
    const row = cookie ? issued.get(cookie) : undefined;
    if (!row || row.revoked) return new Response('{}', { status: 401 });
    if (row.used) {
      revokeFamily(row.family);
      return new Response('{}', { status: 401 });
    }
    row.used = true;
    jar = issue(row.family);
    return ok();
  });
  return {
    fetch,
    sent,
    failLogout(answer: 'network' | 500) {
      logoutAnswer = answer;
    },
    fixLogout() {
      logoutAnswer = 'ok';
    },
  };
}

/** navigator.locks as Chromium has it, for one lock name at a time: first come, first served. */
function fakeLocks() {
  const names: string[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  return {
    names,
    request(name: string, task: () => Promise<unknown>) {
      names.push(name);
      const run = tail.then(task);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

function setLocks(locks: unknown) {
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true, writable: true });
}

describe('the demo app’s session', () => {
  let browser: ReturnType<typeof fakeBrowser>;

  beforeEach(() => {
    localStorage.clear();
    browser = fakeBrowser();
    vi.stubGlobal('fetch', browser.fetch);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    setLocks(undefined);
  });

  it('keeps every tab signed in when three tabs refresh at once, each sending the newest cookie', async () => {
    const locks = fakeLocks();
    setLocks(locks);
    await createSession().login('alice', 'alice-pass');
    const tabs = [createSession(), createSession(), createSession()];

    const tokens = await Promise.all(tabs.map((tab) => tab.refresh()));

    expect(tokens).toHaveLength(3);
    const cookies = browser.sent.filter((line) => line.startsWith('/auth/refresh')).map((line) => line.split(' ')[1]);
    expect(new Set(cookies).size).toBe(3);
    expect(locks.names.every((name) => name === REFRESH_LOCK)).toBe(true);
    // The family survived: another refresh still works.
    await expect(tabs[0]!.refresh()).resolves.toEqual(expect.any(String));
  });

  it('still signs in and refreshes where the browser has no Web Locks API', async () => {
    setLocks(undefined);
    const tab = createSession();
    await tab.login('alice', 'alice-pass');
    await expect(tab.refresh()).resolves.toEqual(expect.any(String));
  });

  it('still refreshes when the lock manager refuses the lock', async () => {
    setLocks({ request: () => Promise.reject(new DOMException('not fully active', 'InvalidStateError')) });
    const tab = createSession();
    await tab.login('alice', 'alice-pass');
    await expect(tab.refresh()).resolves.toEqual(expect.any(String));
  });

  it('stays quiet when a page opens with nobody signed in, but says the session ended when a refresh is refused later', async () => {
    setLocks(fakeLocks());
    const opened = createSession();
    const first = await opened.getToken('connect').catch((error: unknown) => error);
    expect(isNoSession(first)).toBe(true);

    const one = createSession();
    const other = createSession();
    await one.login('alice', 'alice-pass');
    await other.refresh();
    await one.logout();

    const ended = await other.refresh().catch((error: unknown) => error);
    expect(isNoSession(ended)).toBe(false);
    expect(isSessionEnded(ended)).toBe(true);
    expect(ended).toMatchObject({ name: 'AuthError', message: 'Your session ended, sign in again.' });
  });

  it('rejects a sign-out the server did not confirm, and a retry goes through', async () => {
    setLocks(fakeLocks());
    const tab = createSession();
    await tab.login('alice', 'alice-pass');

    browser.failLogout('network');
    await expect(tab.logout()).rejects.toThrow('Sign-out failed (the server could not be reached).');
    browser.failLogout(500);
    await expect(tab.logout()).rejects.toThrow('Sign-out failed (HTTP 500).');
    // Still valid on the server: another tab signs in through the cookie.
    await expect(createSession().refresh()).resolves.toEqual(expect.any(String));

    browser.fixLogout();
    await expect(tab.logout()).resolves.toBeUndefined();
    await expect(createSession().refresh()).rejects.toMatchObject({ name: 'AuthError' });
  });

  it('does not ask /auth/refresh on a page load in a browser where nobody has signed in', async () => {
    await expect(createSession().getToken('connect')).rejects.toSatisfy(isNoSession);
    expect(browser.sent).toEqual([]);
  });

  it('asks /auth/refresh on a page load once someone signed in, and stops asking after a refused refresh', async () => {
    await createSession().login('alice', 'alice-pass');
    await expect(createSession().getToken('connect')).resolves.toEqual(expect.any(String));
    // The cookie is gone behind the page's back (another browser profile's jar): one 401, then no more questions.
    const revoked = fakeBrowser();
    vi.stubGlobal('fetch', revoked.fetch);
    await expect(createSession().getToken('connect')).rejects.toSatisfy(isNoSession);
    expect(revoked.sent).toEqual(['/auth/refresh -']);
    await expect(createSession().getToken('connect')).rejects.toSatisfy(isNoSession);
    expect(revoked.sent).toEqual(['/auth/refresh -']);
  });

  it('keeps asking on a page load after a sign-out the server did not confirm (the session may still be there)', async () => {
    const tab = createSession();
    await tab.login('alice', 'alice-pass');
    browser.failLogout(500);
    await expect(tab.logout()).rejects.toThrow('Sign-out failed (HTTP 500).');
    await expect(createSession().getToken('connect')).resolves.toEqual(expect.any(String));
    browser.fixLogout();
    await tab.logout();
    const before = browser.sent.length;
    await expect(createSession().getToken('connect')).rejects.toSatisfy(isNoSession);
    expect(browser.sent.length).toBe(before);
  });

  it('tells the user when to try again once the server throttles sign-ins (429)', async () => {
    vi.stubGlobal('fetch', async () => new Response('{}', { status: 429, headers: { 'Retry-After': '42' } }));
    await expect(createSession().login('alice', 'wrong')).rejects.toThrow('Too many failed sign-ins. Try again in 42 s.');
    vi.stubGlobal('fetch', async () => new Response('{}', { status: 429 }));
    await expect(createSession().login('alice', 'wrong')).rejects.toThrow('Too many failed sign-ins. Try again in a minute.');
  });
});
