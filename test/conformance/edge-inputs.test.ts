/**
 * Edge inputs that look like valid ones: non-canonical message ids and token subjects, strings
 * that are not valid Unicode, permissions outside the catalogue, and bad percent-encoding in an
 * admin path. Each server must answer as the other does and stay healthy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RawClient,
  adminCall,
  expectHealthy,
  expectNoTokensLogged,
  expectServerClose,
  forgeToken,
  grantPath,
  login,
  postJson,
  type Frame,
  type Session,
} from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

/** The same number written with Arabic-Indic digits (U+0660-U+0669), which str.isdigit() accepts. */
const arabicIndic = (id: string) => id.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit)));

describe.each(servers)('$name server on edge inputs', ({ start }) => {
  let server: TestServer;
  let admin: Session;
  let alice: Session;
  let carol: Session;
  /** Every token this file sends, checked against the logs at the end. */
  const sent: string[] = [];
  const token = (value: string) => {
    sent.push(value);
    return value;
  };

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
    alice = await login(server, 'alice');
    carol = await login(server, 'carol');
    sent.push(admin.accessToken, alice.accessToken, carol.accessToken);
  });
  afterAll(async () => {
    if (server) expectNoTokensLogged(server, sent);
    await server?.stop();
  });
  afterEach(async () => {
    await expectHealthy(server, alice.accessToken);
  });

  const grantsOf = async (name: string) => {
    const { users } = (await (await adminCall(server, 'GET', '/admin/users', admin.accessToken)).json()) as { users: { name: string; grants: string[] }[] };
    return users.find((user) => user.name === name)?.grants ?? [];
  };

  describe('chat.delete ids', () => {
    it.each([
      ['with a leading zero', (id: string) => `0${id}`],
      ['with a plus sign', (id: string) => `+${id}`],
      ['with spaces around it', (id: string) => ` ${id} `],
      ['in Arabic-Indic digits', arabicIndic],
      ['as a superscript digit', () => '\u00b2'],
      ['of 17 digits', () => '1'.repeat(17)],
    ])('answers not_found for a message id %s, deletes nothing and broadcasts nothing', async (_name, spell) => {
      const { client: carolSocket } = await RawClient.signedIn(server, carol.accessToken);
      const { client: aliceSocket } = await RawClient.signedIn(server, alice.accessToken);
      const sentRes = await aliceSocket.request('chat.send', { room: 'general', text: 'not deleted by a look-alike id' });
      const id = sentRes.data.message.id as string;
      const lookAlike = spell(id);
      expect(await carolSocket.request('chat.delete', { room: 'general', id: lookAlike })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const history = await aliceSocket.request('chat.history', { room: 'general' });
      expect((history.data.messages as { id: string }[]).map((message) => message.id)).toContain(id);
      // The canonical id still deletes it, and that is the only chat.deleted anyone sees.
      expect(await carolSocket.request('chat.delete', { room: 'general', id })).toMatchObject({ ok: true, data: {} });
      const deleted = await aliceSocket.next((frame: Frame) => frame.type === 'event' && frame.name === 'chat.deleted' && frame.data?.id === id);
      expect(deleted.data).toEqual({ room: 'general', id });
      expect(aliceSocket.received('event').filter((frame) => frame.name === 'chat.deleted').map((frame) => frame.data.id)).not.toContain(lookAlike);
      expect(carolSocket.frames.some((frame) => frame.type === 'error')).toBe(false);
      carolSocket.close();
      aliceSocket.close();
    });
  });

  describe('sign-in with strings that are not valid Unicode', () => {
    it.each([
      ['a lone high surrogate as password', { username: 'alice', password: '\ud800' }],
      ['a lone low surrogate after the right password', { username: 'alice', password: 'alice-pass\udc00' }],
      ['a lone surrogate as username', { username: 'alice\ud800', password: 'alice-pass' }],
    ])('refuses %s with 401, not a server error', async (_name, body) => {
      // JSON.stringify writes lone surrogates as \ud800 escapes, which is what reaches the server.
      const response = await postJson(server, '/auth/login', body);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    });
  });

  describe('the permission catalogue', () => {
    it.each(['auth.add_user', 'auth.change_permission@room:general', 'contenttypes.view_contenttype', 'chat.add_message'])(
      'answers 404 for a grant of %j, which is no permission of the contract, and grants nothing',
      async (grant) => {
        expect((await adminCall(server, 'PUT', grantPath('bob', grant), admin.accessToken)).status).toBe(404);
        expect((await adminCall(server, 'DELETE', grantPath('bob', grant), admin.accessToken)).status).toBe(404);
        expect(await grantsOf('bob')).not.toContain(grant);
      },
    );
  });

  describe('percent-encoding in a grant path', () => {
    it.each([
      ['an encoded lone surrogate', 'chat.view_message@%ED%A0%80'],
      ['a truncated UTF-8 sequence', 'chat.view_message@room:%E2%82'],
      ['a stray continuation byte', 'chat.view_message@room:%80'],
      ['a percent sign without two hex digits', 'chat.view_message@room:%zz'],
    ])('answers 400 for %s and grants nothing', async (_name, encoded) => {
      const path = `/admin/users/bob/grants/${encoded}`;
      expect((await adminCall(server, 'PUT', path, admin.accessToken)).status).toBe(400);
      expect((await adminCall(server, 'DELETE', path, admin.accessToken)).status).toBe(400);
      expect((await grantsOf('bob')).filter((grant) => grant.includes('\ufffd') || grant.includes('%'))).toEqual([]);
    });

    it('accepts a correctly encoded U+FFFD in a resource (the character itself is not malformed)', async () => {
      const grant = 'chat.view_message@room:\ufffd';
      expect((await adminCall(server, 'PUT', grantPath('bob', grant), admin.accessToken)).status).toBe(204);
      expect(await grantsOf('bob')).toContain(grant);
      expect((await adminCall(server, 'DELETE', grantPath('bob', grant), admin.accessToken)).status).toBe(204);
      expect(await grantsOf('bob')).not.toContain(grant);
    });
  });

  describe('token subjects', () => {
    const claims = (sub: string, name = 'alice') => ({ sub, name, aud: 'permsocket', expiresIn: 300 });
    const subjects: [string, (id: string) => string][] = [
      ['with a leading zero', (id) => `0${id}`],
      ['with a plus sign', (id) => `+${id}`],
      ['in Arabic-Indic digits', arabicIndic],
      ['of 20 digits', () => '99999999999999999999'],
      ['above 2^53', () => '9007199254740993'],
      ['zero', () => '0'],
    ];

    it.each(subjects)('closes with 4401 on auth with a signed token whose sub is alice\'s id %s', async (_name, spell) => {
      const client = await RawClient.open(server);
      client.send({ type: 'auth', token: token(await forgeToken(server.jwtSecret, claims(spell(alice.userId)))) });
      await expectServerClose(client, 4401);
    });

    it.each(subjects)('closes with 4401 on auth.refresh with a signed token whose sub is alice\'s id %s', async (_name, spell) => {
      const { client } = await RawClient.signedIn(server, alice.accessToken);
      client.send({ type: 'auth.refresh', token: token(await forgeToken(server.jwtSecret, claims(spell(alice.userId)))) });
      await expectServerClose(client, 4401);
    });

    it.each(subjects)('answers 401 on the admin API for a signed token whose sub is the admin id %s', async (_name, spell) => {
      const forged = token(await forgeToken(server.jwtSecret, claims(spell(admin.userId), 'admin')));
      expect((await adminCall(server, 'GET', '/admin/users', forged)).status).toBe(401);
    });
  });
});
