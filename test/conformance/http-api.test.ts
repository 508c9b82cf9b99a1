/**
 * The HTTP API of PROTOCOL.md: health, sign-in, refresh-cookie rotation and reuse detection,
 * logout, and the admin endpoints' status codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminCall,
  adminChange,
  cookieOf,
  decodeClaims,
  forgeToken,
  grantPath,
  login,
  postJson,
  type Session,
} from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

describe.each(servers)('$name server HTTP API', ({ start }) => {
  let server: TestServer;
  let admin: Session;
  let alice: Session;

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
    alice = await login(server, 'alice');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const refresh = (cookie?: string) =>
    fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: cookie ? { Cookie: cookie } : {} });

  describe('sign-in', () => {
    it('answers GET /healthz with 200', async () => {
      expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    });

    it('signs alice in with an HS256 access token and an httpOnly SameSite=Strict refresh cookie', async () => {
      const response = await postJson(server, '/auth/login', { username: 'alice', password: 'alice-pass' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { accessToken: string; expiresIn: number };
      expect(body.expiresIn).toBeGreaterThan(0);
      const header = JSON.parse(Buffer.from(body.accessToken.split('.')[0] ?? '', 'base64url').toString()) as { alg: string };
      expect(header.alg).toBe('HS256');
      const claims = decodeClaims(body.accessToken);
      expect(claims).toMatchObject({ name: 'alice', aud: 'permsocket' });
      expect(typeof claims.sub).toBe('string');
      expect(typeof claims.iat).toBe('number');
      expect(claims.exp).toBe((claims.iat as number) + body.expiresIn);
      const setCookie = response.headers.getSetCookie()[0] ?? '';
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
    });

    it('refuses a wrong password with 401 and a JSON error', async () => {
      const response = await postJson(server, '/auth/login', { username: 'alice', password: 'wrong' });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it('refuses an unknown user with 401', async () => {
      expect((await postJson(server, '/auth/login', { username: 'mallory', password: 'x' })).status).toBe(401);
    });

    it('refuses a malformed login body with a 4xx JSON error', async () => {
      const response = await fetch(`${server.httpUrl}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{oops' });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    it('refuses an inactive user with 401, and signs them in again once reactivated', async () => {
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/dave/active', { active: false });
      expect((await postJson(server, '/auth/login', { username: 'dave', password: 'dave-pass' })).status).toBe(401);
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/dave/active', { active: true });
      expect((await postJson(server, '/auth/login', { username: 'dave', password: 'dave-pass' })).status).toBe(200);
    });
  });

  describe('refresh cookie', () => {
    it('rotates the cookie on every refresh and answers a fresh access token', async () => {
      const session = await login(server, 'bob');
      const first = await refresh(session.cookie);
      expect(first.status).toBe(200);
      const body = (await first.json()) as { accessToken: string; expiresIn: number };
      expect(decodeClaims(body.accessToken)).toMatchObject({ sub: session.userId, aud: 'permsocket' });
      expect(body.expiresIn).toBeGreaterThan(0);
      const rotated = cookieOf(first);
      expect(rotated).toBeDefined();
      expect(rotated).not.toBe(session.cookie);
      expect((await refresh(rotated)).status).toBe(200);
    });

    it('answers 401 without a cookie', async () => {
      expect((await refresh()).status).toBe(401);
    });

    it('answers 401 for an unknown cookie', async () => {
      expect((await refresh(withCookieValue(alice.cookie, 'bogus-value'))).status).toBe(401);
    });

    it('revokes the whole family when an already rotated cookie is presented again', async () => {
      const session = await login(server, 'bob');
      const second = cookieOf(await refresh(session.cookie));
      expect(second).toBeDefined();
      // The first cookie again: a replay. Both it and the cookie that replaced it stop working.
      expect((await refresh(session.cookie)).status).toBe(401);
      expect((await refresh(second)).status).toBe(401);
    });

    it('leaves other sign-ins of the same user alone when one family is revoked', async () => {
      const victim = await login(server, 'carol');
      const other = await login(server, 'carol');
      await refresh(victim.cookie);
      expect((await refresh(victim.cookie)).status).toBe(401);
      expect((await refresh(other.cookie)).status).toBe(200);
    });

    it('revokes the cookie at logout (204)', async () => {
      const session = await login(server, 'bob');
      const response = await fetch(`${server.httpUrl}/auth/logout`, { method: 'POST', headers: { Cookie: session.cookie } });
      expect(response.status).toBe(204);
      expect((await refresh(session.cookie)).status).toBe(401);
    });

    it('revokes the refresh cookies of a user who is deactivated', async () => {
      const session = await login(server, 'carol');
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: false });
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: true });
      expect((await refresh(session.cookie)).status).toBe(401);
    });
  });

  describe('admin API', () => {
    it('lists users with their effective grants for a superuser', async () => {
      const response = await adminCall(server, 'GET', '/admin/users', admin.accessToken);
      expect(response.status).toBe(200);
      const { users } = (await response.json()) as { users: { name: string; active: boolean; superuser: boolean; groups: string[]; grants: string[] }[] };
      const byName = new Map(users.map((user) => [user.name, user]));
      expect(byName.get('alice')).toMatchObject({ active: true, superuser: false, groups: [] });
      expect([...(byName.get('alice')?.grants ?? [])].sort()).toEqual(['chat.send_message', 'chat.view_message']);
      expect(byName.get('bob')).toMatchObject({ groups: ['viewer'], grants: ['chat.view_message'] });
      expect([...(byName.get('carol')?.grants ?? [])].sort()).toEqual(['chat.delete_message', 'chat.send_message', 'chat.view_message']);
      expect([...(byName.get('dave')?.grants ?? [])].sort()).toEqual(['chat.send_message@room:general', 'chat.view_message']);
      expect(byName.get('admin')).toMatchObject({ superuser: true, grants: ['*'] });
    });

    it('answers 401 without a token and for an invalid one', async () => {
      expect((await adminCall(server, 'GET', '/admin/users', undefined)).status).toBe(401);
      expect((await adminCall(server, 'GET', '/admin/users', 'not.a.token')).status).toBe(401);
      const wrongKey = await forgeToken('wrong-secret', { sub: admin.userId, name: 'admin', aud: 'permsocket', expiresIn: 60 });
      expect((await adminCall(server, 'PUT', grantPath('bob', 'chat.send_message'), wrongKey)).status).toBe(401);
    });

    it('answers 403 for a user who is not a superuser', async () => {
      expect((await adminCall(server, 'GET', '/admin/users', alice.accessToken)).status).toBe(403);
      expect((await adminCall(server, 'PUT', grantPath('alice', 'chat.delete_message'), alice.accessToken)).status).toBe(403);
      expect((await adminCall(server, 'PUT', '/admin/users/alice/groups/moderator', alice.accessToken)).status).toBe(403);
      expect((await adminCall(server, 'PUT', '/admin/users/bob/active', alice.accessToken, { active: false })).status).toBe(403);
    });

    it('answers 404 for an unknown user or group', async () => {
      expect((await adminCall(server, 'PUT', grantPath('mallory', 'chat.view_message'), admin.accessToken)).status).toBe(404);
      expect((await adminCall(server, 'PUT', '/admin/users/bob/groups/no-such-group', admin.accessToken)).status).toBe(404);
      expect((await adminCall(server, 'DELETE', '/admin/users/bob/groups/no-such-group', admin.accessToken)).status).toBe(404);
      expect((await adminCall(server, 'PUT', '/admin/users/mallory/active', admin.accessToken, { active: false })).status).toBe(404);
    });

    it('answers 404 for a well-formed grant of a permission nobody declared, so a typo is never a silent grant', async () => {
      expect((await adminCall(server, 'PUT', grantPath('bob', 'chat.fly'), admin.accessToken)).status).toBe(404);
      expect((await adminCall(server, 'PUT', grantPath('bob', 'chat.fly@room:general'), admin.accessToken)).status).toBe(404);
      expect((await adminCall(server, 'DELETE', grantPath('bob', 'chat.fly'), admin.accessToken)).status).toBe(404);
      const listed = (await (await adminCall(server, 'GET', '/admin/users', admin.accessToken)).json()) as { users: { name: string; grants: string[] }[] };
      expect(listed.users.find((u) => u.name === 'bob')?.grants).not.toContain('chat.fly');
    });

    it.each(['not a grant', 'chat', 'chat.view message', 'chat.view_message@', '@room:general'])(
      'answers 400 for the malformed grant %j',
      async (grant) => {
        expect((await adminCall(server, 'PUT', grantPath('bob', grant), admin.accessToken)).status).toBe(400);
      },
    );

    it('answers 400 for an activation body without a boolean', async () => {
      expect((await adminCall(server, 'PUT', '/admin/users/bob/active', admin.accessToken, { active: 'no' })).status).toBe(400);
    });

    it('adds and removes a scoped direct grant and a group membership (204), visible in the list', async () => {
      const grantsOf = async (name: string) => {
        const { users } = (await (await adminCall(server, 'GET', '/admin/users', admin.accessToken)).json()) as { users: { name: string; grants: string[]; groups: string[] }[] };
        return users.find((user) => user.name === name);
      };
      await adminChange(server, admin.accessToken, 'PUT', grantPath('bob', 'chat.send_message@room:random'));
      expect((await grantsOf('bob'))?.grants).toContain('chat.send_message@room:random');
      await adminChange(server, admin.accessToken, 'PUT', grantPath('bob', 'chat.send_message@room:random'));
      await adminChange(server, admin.accessToken, 'DELETE', grantPath('bob', 'chat.send_message@room:random'));
      expect((await grantsOf('bob'))?.grants).not.toContain('chat.send_message@room:random');
      await adminChange(server, admin.accessToken, 'DELETE', grantPath('bob', 'chat.send_message@room:random'));
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/bob/groups/moderator');
      expect((await grantsOf('bob'))?.groups).toEqual(['moderator', 'viewer']);
      expect((await grantsOf('bob'))?.grants).toContain('chat.delete_message');
      await adminChange(server, admin.accessToken, 'DELETE', '/admin/users/bob/groups/moderator');
      expect((await grantsOf('bob'))?.grants).toEqual(['chat.view_message']);
    });
  });
});

/** A cookie header with the same name as `cookie` and another value. */
function withCookieValue(cookie: string, value: string): string {
  return `${cookie.split('=')[0]}=${value}`;
}
