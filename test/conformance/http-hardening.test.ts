/**
 * The HTTP side's hardening, the same on both servers: login throttling (LOGIN_RATE_LIMIT, per
 * username and per client address, shared through Redis between nodes), the Origin check of the
 * cookie endpoints and the admin API, the JSON-only login body, the security headers of every
 * answer, the Secure refresh cookie (SECURE_COOKIES, TRUST_PROXY), and the settings refused at start.
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailable, startRedis, type TestRedis } from '../integration/redis-server';
import { adminCall, login, postJson, type Session } from './helpers';
import type { StartOptions, TestServer } from './server';
import { servers } from './servers';

/** A sign-in attempt, optionally from a client address (X-Forwarded-For) and with other headers. */
function attempt(server: TestServer, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(server, '/auth/login', { username, password }, headers);
}

/** Headers a proxy in front would add for a client at `address`. */
const from = (address: string, extra: Record<string, string> = {}) => ({ 'X-Forwarded-For': address, ...extra });

/** Asserts a 429 of the login throttle and returns its wait, milliseconds. */
async function expectThrottled(response: Response, windowSeconds: number): Promise<number> {
  expect(response.status).toBe(429);
  expect(response.headers.getSetCookie()).toEqual([]);
  const body = (await response.json()) as { error: { code: string; retryAfterMs: number } };
  expect(body.error.code).toBe('rate_limited');
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(Math.ceil(windowSeconds));
  expect(body.error.retryAfterMs).toBeGreaterThan(0);
  expect(body.error.retryAfterMs).toBeLessThanOrEqual(windowSeconds * 1000);
  expect(Number(retryAfter)).toBe(Math.max(1, Math.ceil(body.error.retryAfterMs / 1000)));
  return body.error.retryAfterMs;
}

/** Fails `count` sign-ins for `username` (each a 401). */
async function fail(server: TestServer, username: string, count: number, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < count; i++) expect((await attempt(server, username, 'wrong password', headers)).status).toBe(401);
}

/** The directives of a Content-Security-Policy, by name. */
function directives(policy: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (policy ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

/** The Content-Security-Policy of GET `path` asked for with `host` as the Host header (fetch cannot set it). */
function policyFor(httpUrl: string, path: string, host: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    get(`${httpUrl}${path}`, { headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.headers['content-security-policy'] as string | undefined);
    }).once('error', reject);
  });
}

/** The refresh cookie's Set-Cookie line of a response. */
const setCookie = (response: Response) => response.headers.getSetCookie()[0] ?? '';

/** Starts `start` with `options` and expects it to exit at once with a message naming `variable`. */
async function expectRefusedAtStart(start: (options?: StartOptions) => Promise<TestServer>, variable: string, value: string): Promise<void> {
  let started: TestServer | undefined;
  let message = '';
  try {
    started = await start({ env: { [variable]: value } });
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  await started?.stop();
  expect(started, `started with ${variable}=${JSON.stringify(value)}`).toBeUndefined();
  expect(message).toMatch(/exited with 1 while starting/);
  expect(message).toContain(variable);
  expect(message).not.toContain('Traceback');
}

describe.each(servers)('$name server HTTP hardening with the default settings', ({ start }) => {
  let server: TestServer;
  let admin: Session;
  let port: string;

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
    port = new URL(server.httpUrl).port;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('login throttling', () => {
    it('answers 429 with Retry-After after five wrong passwords for a username, even to the right one', async () => {
      await fail(server, 'bob', 5);
      const wait = await expectThrottled(await attempt(server, 'bob', 'bob-pass'), 60);
      // The window of 60 s started at the first of the five failures, a moment ago.
      expect(wait).toBeGreaterThan(50_000);
      // Another user from the same address is not affected (5 of its 20 failures are spent).
      expect((await attempt(server, 'carol', 'carol-pass')).status).toBe(200);
    });
  });

  describe('the Origin of the cookie endpoints and the admin API', () => {
    const foreign = ['http://evil.example', 'null', 'https://127.0.0.1', () => `http://127.0.0.1:${port}.evil.example`];
    const origins = () => foreign.map((origin) => (typeof origin === 'function' ? origin() : origin));

    it('refuses a sign-in from a foreign Origin with 403 and sets no cookie', async () => {
      for (const origin of origins()) {
        const response = await attempt(server, 'alice', 'alice-pass', { Origin: origin });
        expect(response.status, origin).toBe(403);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
        expect(response.headers.getSetCookie()).toEqual([]);
      }
    });

    it('signs in from its own origins, by IP and by name, and without an Origin (not a browser)', async () => {
      expect((await attempt(server, 'alice', 'alice-pass', { Origin: server.origin })).status).toBe(200);
      expect((await attempt(server, 'alice', 'alice-pass', { Origin: `http://localhost:${port}` })).status).toBe(200);
      expect((await attempt(server, 'alice', 'alice-pass')).status).toBe(200);
    });

    it('refuses a refresh from a foreign Origin with 403 and leaves the cookie as it was', async () => {
      const alice = await login(server, 'alice');
      const refresh = (headers: Record<string, string>) =>
        fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: alice.cookie, ...headers } });
      for (const origin of origins()) {
        const response = await refresh({ Origin: origin });
        expect(response.status, origin).toBe(403);
        expect(response.headers.getSetCookie()).toEqual([]);
      }
      // Not rotated: the same cookie still refreshes once (a rotated one would revoke the family).
      expect((await refresh({ Origin: server.origin })).status).toBe(200);
    });

    it('refuses a logout from a foreign Origin with 403 and does not revoke the cookie', async () => {
      const alice = await login(server, 'alice');
      const logout = await fetch(`${server.httpUrl}/auth/logout`, { method: 'POST', headers: { Cookie: alice.cookie, Origin: 'http://evil.example' } });
      expect(logout.status).toBe(403);
      expect(logout.headers.getSetCookie()).toEqual([]);
      expect((await fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: alice.cookie } })).status).toBe(200);
    });

    it('refuses the admin API to a foreign Origin with 403, even with a superuser token, and changes nothing', async () => {
      const call = (method: 'GET' | 'PUT', path: string, origin: string) =>
        fetch(`${server.httpUrl}${path}`, { method, headers: { Authorization: `Bearer ${admin.accessToken}`, Origin: origin } });
      const path = `/admin/users/bob/grants/${encodeURIComponent('chat.delete_message')}`;
      for (const origin of origins()) {
        expect((await call('GET', '/admin/users', origin)).status, origin).toBe(403);
        expect((await call('PUT', path, origin)).status, origin).toBe(403);
      }
      // 403 for the Origin comes before the token is read.
      expect((await fetch(`${server.httpUrl}/admin/users`, { headers: { Origin: 'http://evil.example' } })).status).toBe(403);
      const list = await call('GET', '/admin/users', server.origin);
      expect(list.status).toBe(200);
      const { users } = (await list.json()) as { users: { name: string; grants: string[] }[] };
      expect(users.find((user) => user.name === 'bob')?.grants).not.toContain('chat.delete_message');
      expect((await adminCall(server, 'GET', '/admin/users', admin.accessToken)).status).toBe(200);
    });
  });

  describe('the login body', () => {
    const send = (body: BodyInit, type?: string) =>
      fetch(`${server.httpUrl}/auth/login`, { method: 'POST', headers: type === undefined ? {} : { 'Content-Type': type }, body });
    const credentials = JSON.stringify({ username: 'alice', password: 'alice-pass' });

    it.each([
      ['text/plain', 'text/plain'],
      ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
      ['multipart/form-data', 'multipart/form-data; boundary=x'],
      ['application/jsonp', 'application/jsonp'],
    ])('answers 415 to a JSON login body declared %s, and signs nobody in', async (_name, type) => {
      const response = await send(credentials, type);
      expect(response.status).toBe(415);
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it('answers 415 to a login body without a Content-Type', async () => {
      expect((await send(new TextEncoder().encode(credentials))).status).toBe(415);
    });

    it('checks the method first (405), then the Origin (403), then the body type (415)', async () => {
      const evil = { Origin: 'http://evil.example' };
      expect((await fetch(`${server.httpUrl}/auth/login`, { headers: evil })).status).toBe(405);
      expect((await fetch(`${server.httpUrl}/auth/login`, { method: 'POST', headers: { ...evil, 'Content-Type': 'text/plain' }, body: credentials })).status).toBe(403);
      expect((await send('{oops', 'application/json')).status).toBe(400);
    });

    it('signs in with application/json in any letter case and with parameters', async () => {
      expect((await send(credentials, 'application/json; charset=utf-8')).status).toBe(200);
      expect((await send(credentials, 'Application/JSON')).status).toBe(200);
    });
  });

  describe('security headers', () => {
    const answers: [string, () => Promise<Response>][] = [
      ['GET /healthz', () => fetch(`${server.httpUrl}/healthz`)],
      ['a JSON 404', () => fetch(`${server.httpUrl}/no/such/thing.json`)],
      ['a 401 sign-in', () => attempt(server, 'mallory', 'x')],
      ['a 415 sign-in', () => fetch(`${server.httpUrl}/auth/login`, { method: 'POST', body: 'x' })],
      ['a 403 refresh', () => fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Origin: 'http://evil.example' } })],
      ['a 204 logout', () => fetch(`${server.httpUrl}/auth/logout`, { method: 'POST' })],
      ['GET /admin/users', () => adminCall(server, 'GET', '/admin/users', admin.accessToken)],
      ['the app page', () => fetch(`${server.httpUrl}/`)],
    ];

    it.each(answers)('sends the security headers on %s', async (_name, request) => {
      const response = await request();
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = directives(response.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'none'"]);
      // The page's own WebSocket origin, by the Host it was asked for.
      expect(csp.get('connect-src')).toEqual(["'self'", `ws://127.0.0.1:${port}`, `wss://127.0.0.1:${port}`]);
    });

    it('names the host the page was asked for in connect-src, and leaves out a Host that is no host name', async () => {
      const connectSrc = async (host: string) => directives((await policyFor(server.httpUrl, '/healthz', host)) ?? null).get('connect-src');
      expect(await connectSrc(`localhost:${port}`)).toEqual(["'self'", `ws://localhost:${port}`, `wss://localhost:${port}`]);
      expect(await connectSrc('evil.example; script-src *')).toEqual(["'self'"]);
      expect(await connectSrc('a b')).toEqual(["'self'"]);
    });

    it('keeps the demo page free of inline scripts and styles, which the policy would block', () => {
      const html = readFileSync(new URL('../../demo/web/index.html', import.meta.url), 'utf8');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html).not.toMatch(/<style\b/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).not.toMatch(/\son[a-z]+=/i);
    });
  });

  describe('the refresh cookie', () => {
    it('is not Secure by default, whatever X-Forwarded-Proto says (no proxy is trusted)', async () => {
      const response = await attempt(server, 'alice', 'alice-pass', { 'X-Forwarded-Proto': 'https' });
      expect(response.status).toBe(200);
      expect(setCookie(response)).not.toMatch(/;\s*Secure/i);
      expect(directives(response.headers.get('content-security-policy')).get('connect-src')).toContain(`ws://127.0.0.1:${port}`);
    });
  });
});

describe.each(servers)('$name server with TRUST_PROXY=1 and LOGIN_RATE_LIMIT=3,5,60', ({ start }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await start({ env: { TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '3,5,60' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts a username’s failures from every address together', async () => {
    await fail(server, 'carol', 1, from('192.0.2.1'));
    await fail(server, 'carol', 1, from('192.0.2.2'));
    await fail(server, 'carol', 1, from('192.0.2.3'));
    await expectThrottled(await attempt(server, 'carol', 'carol-pass', from('192.0.2.4')), 60);
    await expectThrottled(await attempt(server, 'carol', 'carol-pass', from('192.0.2.1')), 60);
    // The addresses themselves are not blocked.
    expect((await attempt(server, 'bob', 'bob-pass', from('192.0.2.1'))).status).toBe(200);
  });

  it('clears a username’s failures when it signs in', async () => {
    await fail(server, 'dave', 2, from('192.0.2.10'));
    expect((await attempt(server, 'dave', 'dave-pass', from('192.0.2.10'))).status).toBe(200);
    // Without the reset these two would make four failures, one past the limit.
    await fail(server, 'dave', 2, from('192.0.2.11'));
    expect((await attempt(server, 'dave', 'dave-pass', from('192.0.2.11'))).status).toBe(200);
  });

  it('counts an address’s failures over every username, and then refuses even a right password from it', async () => {
    for (const name of ['ghost-1', 'ghost-2', 'ghost-3', 'ghost-4', 'ghost-5']) await fail(server, name, 1, from('198.51.100.7'));
    await expectThrottled(await attempt(server, 'alice', 'alice-pass', from('198.51.100.7')), 60);
    expect((await attempt(server, 'alice', 'alice-pass', from('198.51.100.8'))).status).toBe(200);
  });

  it('believes only the last X-Forwarded-For entry, the one the proxy appended', async () => {
    for (let i = 1; i <= 5; i++) await fail(server, `spoof-${i}`, 1, from(`10.0.0.${i}, 203.0.113.5`));
    await expectThrottled(await attempt(server, 'spoof-6', 'x', from('10.9.9.9, 203.0.113.5')), 60);
    expect((await attempt(server, 'spoof-6', 'x', from('203.0.113.5, 203.0.113.6'))).status).toBe(401);
  });

  it('counts the addresses of one IPv6 /64 together', async () => {
    for (let i = 1; i <= 5; i++) await fail(server, `six-${i}`, 1, from(`2001:db8:1:2::${i.toString(16)}`));
    await expectThrottled(await attempt(server, 'six-6', 'x', from('2001:db8:1:2:ffff:ffff:ffff:ffff')), 60);
    await expectThrottled(await attempt(server, 'six-6', 'x', from('2001:0db8:0001:0002:0::9')), 60);
    expect((await attempt(server, 'six-6', 'x', from('2001:db8:1:3::1'))).status).toBe(401);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    for (let i = 1; i <= 5; i++) await fail(server, `mapped-${i}`, 1, from('::ffff:198.51.100.99'));
    await expectThrottled(await attempt(server, 'mapped-6', 'x', from('198.51.100.99')), 60);
  });

  it('makes the cookie Secure and the policy wss-only when X-Forwarded-Proto is https', async () => {
    const https = await attempt(server, 'bob', 'bob-pass', from('192.0.2.50', { 'X-Forwarded-Proto': 'https' }));
    expect(https.status).toBe(200);
    expect(setCookie(https)).toMatch(/;\s*Secure/i);
    const port = new URL(server.httpUrl).port;
    expect(directives(https.headers.get('content-security-policy')).get('connect-src')).toEqual(["'self'", `wss://127.0.0.1:${port}`]);
    const cookie = setCookie(https).split(';')[0] as string;
    const refreshed = await fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: cookie, 'X-Forwarded-Proto': 'https' } });
    expect(refreshed.status).toBe(200);
    expect(setCookie(refreshed)).toMatch(/;\s*Secure/i);
    const logout = await fetch(`${server.httpUrl}/auth/logout`, { method: 'POST', headers: { 'X-Forwarded-Proto': 'https' } });
    expect(setCookie(logout)).toMatch(/Max-Age=0/i);
    expect(setCookie(logout)).toMatch(/;\s*Secure/i);
  });

  it('leaves the cookie without Secure when X-Forwarded-Proto is http or missing', async () => {
    for (const headers of [from('192.0.2.51', { 'X-Forwarded-Proto': 'http' }), from('192.0.2.51')]) {
      const response = await attempt(server, 'bob', 'bob-pass', headers);
      expect(response.status).toBe(200);
      expect(setCookie(response)).not.toMatch(/;\s*Secure/i);
    }
  });
});

describe.each(servers)('$name server with SECURE_COOKIES=1 and LOGIN_RATE_LIMIT=100,3,60', ({ start }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await start({ env: { SECURE_COOKIES: '1', LOGIN_RATE_LIMIT: '100,3,60' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sets, rotates and clears the refresh cookie with Secure', async () => {
    const signIn = await attempt(server, 'alice', 'alice-pass');
    expect(signIn.status).toBe(200);
    expect(setCookie(signIn)).toMatch(/;\s*Secure/i);
    const refreshed = await fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: setCookie(signIn).split(';')[0] as string } });
    expect(refreshed.status).toBe(200);
    expect(setCookie(refreshed)).toMatch(/;\s*Secure/i);
    const logout = await fetch(`${server.httpUrl}/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(204);
    expect(setCookie(logout)).toMatch(/;\s*Secure/i);
  });

  // Last: it blocks this server's one address for the rest of the window.
  it('ignores X-Forwarded-For without TRUST_PROXY: every failure counts against the connection’s address', async () => {
    for (let i = 1; i <= 3; i++) await fail(server, `ghost-${i}`, 1, from(`192.0.2.${i}`));
    await expectThrottled(await attempt(server, 'alice', 'alice-pass', from('192.0.2.200')), 60);
  });
});

describe.each(servers)('$name server with a 0.8 s window (LOGIN_RATE_LIMIT=1,100,0.8)', ({ start }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await start({ env: { LOGIN_RATE_LIMIT: '1,100,0.8' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lets the username in again once the window that began at its first failure has passed', async () => {
    await fail(server, 'alice', 1);
    const wait = await expectThrottled(await attempt(server, 'alice', 'alice-pass'), 0.8);
    // The server's own figure: waiting it out (not a guess) is enough, and it is under a second.
    await new Promise((resolve) => setTimeout(resolve, wait + 50));
    expect((await attempt(server, 'alice', 'alice-pass')).status).toBe(200);
  });
});

describe.each(servers)('$name server settings of the HTTP hardening', ({ start }) => {
  it.each([
    ['LOGIN_RATE_LIMIT', '5,20'],
    ['LOGIN_RATE_LIMIT', '5,20,60,1'],
    ['LOGIN_RATE_LIMIT', '0,20,60'],
    ['LOGIN_RATE_LIMIT', '5,2.5,60'],
    ['LOGIN_RATE_LIMIT', '5,20,0'],
    ['LOGIN_RATE_LIMIT', '5,,60'],
    ['LOGIN_RATE_LIMIT', 'lots'],
    ['SECURE_COOKIES', 'yes'],
    ['SECURE_COOKIES', 'true'],
    ['TRUST_PROXY', '2'],
  ])('refuses to start with %s=%j, naming the variable', async (variable, value) => {
    await expectRefusedAtStart(start, variable, value);
  });

  it('turns login throttling off with LOGIN_RATE_LIMIT=" off "', async () => {
    const server = await start({ env: { LOGIN_RATE_LIMIT: ' off ' } });
    try {
      await fail(server, 'bob', 7);
      expect((await attempt(server, 'bob', 'bob-pass')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe.each(servers)('$name server: two nodes sharing Redis count sign-in failures together', ({ start }) => {
  const missing = redisUnavailable();
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    if (missing) return;
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '3,4,60' };
    nodeA = await start({ env });
    nodeB = await start({ env, database: nodeA.database, jwtSecret: nodeA.jwtSecret });
  });
  afterAll(async () => {
    await nodeB?.stop();
    await nodeA?.stop();
    await redis?.stop();
  });

  it.skipIf(missing !== null)('refuses a username on node A after failures spread over nodes A and B', async () => {
    await fail(nodeA, 'carol', 2, from('192.0.2.1'));
    await fail(nodeB, 'carol', 1, from('192.0.2.2'));
    await expectThrottled(await attempt(nodeA, 'carol', 'carol-pass', from('192.0.2.3')), 60);
    await expectThrottled(await attempt(nodeB, 'carol', 'carol-pass', from('192.0.2.3')), 60);
  });

  it.skipIf(missing !== null)('clears on node A the failures of a username that signed in on node B', async () => {
    await fail(nodeA, 'dave', 2, from('192.0.2.10'));
    expect((await attempt(nodeB, 'dave', 'dave-pass', from('192.0.2.11'))).status).toBe(200);
    await fail(nodeA, 'dave', 2, from('192.0.2.12'));
    expect((await attempt(nodeA, 'dave', 'dave-pass', from('192.0.2.12'))).status).toBe(200);
  });

  it.skipIf(missing !== null)('refuses an address on node B after its failures on both nodes', async () => {
    await fail(nodeA, 'ghost-1', 1, from('198.51.100.7'));
    await fail(nodeB, 'ghost-2', 1, from('198.51.100.7'));
    await fail(nodeA, 'ghost-3', 1, from('198.51.100.7'));
    await fail(nodeB, 'ghost-4', 1, from('198.51.100.7'));
    await expectThrottled(await attempt(nodeB, 'alice', 'alice-pass', from('198.51.100.7')), 60);
    await expectThrottled(await attempt(nodeA, 'alice', 'alice-pass', from('198.51.100.7')), 60);
    expect((await attempt(nodeA, 'alice', 'alice-pass', from('198.51.100.8'))).status).toBe(200);
  });
});
