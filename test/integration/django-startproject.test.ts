/**
 * A new user's path, as docs/django.md tells it: a fresh `django-admin startproject` in a temporary
 * folder, permsocket-django built as a wheel and pip-installed into a temporary venv, the guide's
 * code blocks applied as written (at most 30 lines of the project's own code, settings included),
 * then plain `daphne` (and `uvicorn`) on a free port, driven with the SDK: sign-in, a refusal, a
 * live grant push from `user.user_permissions.add` in another process, deactivation with 4403,
 * and a binary frame closing with 1003.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PermissionDeniedError, action, createClient, defineContract, type Client } from 'permsocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PYTHON, djangoUnavailable } from '../conformance/django-server';
import { freePort } from '../conformance/helpers';
import { redisUnavailable, startRedis, type TestRedis } from './redis-server';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const GUIDE = join(repoRoot, 'docs/django.md');
const SECRET = 'startproject-test-secret-of-at-least-32-bytes';
const MAX_PROJECT_LINES = 30;

const django = djangoUnavailable();
if (django && process.env.CI === 'true') throw new Error(django);
const missing = django ?? redisUnavailable();
if (missing) console.warn(`\nSkipping the startproject test: ${missing}\n`);

/** The guide's blocks tagged ```python file=<path> apply=<append|replace|create>. */
export function guideBlocks(markdown: string): { file: string; apply: string; code: string }[] {
  const blocks: { file: string; apply: string; code: string }[] = [];
  for (const match of markdown.matchAll(/```python file=(\S+) apply=(append|replace|create)\n([\s\S]*?)```/g)) {
    blocks.push({ file: match[1]!, apply: match[2]!, code: match[3]! });
  }
  return blocks;
}

/** Lines of code (not blank, not a comment) a block adds: all of an appended or created one, and
 * those of a replacing one that the generated file did not have. */
export function addedLines(block: { apply: string; code: string }, before: string): number {
  const original = new Set(block.apply === 'replace' ? before.split('\n').map((line) => line.trim()) : []);
  return block.code
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !original.has(line)).length;
}

const contract = defineContract({
  actions: { 'users.count': action<{ active: boolean }, { count: number }>({ permission: 'auth.view_user' }) },
  events: {},
});

describe.skipIf(missing !== null)('a fresh startproject following docs/django.md', () => {
  let dir: string;
  let python: string;
  let redis: TestRedis;
  let env: NodeJS.ProcessEnv;
  let projectLines = 0;
  const servers: ChildProcess[] = [];
  const clients: Client<any>[] = [];

  const manage = (...args: string[]) => run(python, ['manage.py', ...args], { cwd: join(dir, 'proj'), env, timeout: 60_000 });
  const shell = (code: string) => manage('shell', '-c', code);

  /** Starts `python <command>` on `port` and resolves once /auth/refresh answers. */
  async function serve(port: number, command: string[]): Promise<{ httpUrl: string; wsUrl: string; origin: string; logs: () => string }> {
    let output = '';
    const child = spawn(python, command, { cwd: join(dir, 'proj'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(child);
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const httpUrl = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      const answered = await fetch(`${httpUrl}/auth/refresh`, { method: 'POST' }).then((r) => r.status, () => 0);
      if (answered === 401) break;
      if (attempt > 150 || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { httpUrl, wsUrl: `ws://127.0.0.1:${port}/ws`, origin: httpUrl, logs: () => output };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'permsocket-startproject-'));
    redis = await startRedis();
    // A wheel, installed into a fresh venv that sees Debian's Django, Channels and daphne.
    await run(PYTHON, ['-m', 'venv', '--system-site-packages', join(dir, 'venv')], { timeout: 60_000 });
    python = join(dir, 'venv/bin/python');
    // Built from a copy: setuptools builds in the source folder, where demo/django/bootstrap.py
    // may be building at the same time for another test file.
    cpSync(join(repoRoot, 'permsocket-django'), join(dir, 'src'), {
      recursive: true,
      filter: (source) => !/(^|\/)(build|[^/]*\.egg-info|__pycache__)$/.test(source),
    });
    await run(python, ['-m', 'pip', 'wheel', '--quiet', '--no-build-isolation', '--no-index', '--no-deps', '-w', join(dir, 'wheels'), join(dir, 'src')], {
      cwd: dir,
      timeout: 120_000,
    });
    const wheel = readdirSync(join(dir, 'wheels')).find((name) => name.endsWith('.whl'));
    await run(python, ['-m', 'pip', 'install', '--quiet', '--no-build-isolation', '--no-index', join(dir, 'wheels', wheel!)], { cwd: dir, timeout: 120_000 });
    mkdirSync(join(dir, 'proj'));
    await run(python, ['-m', 'django', 'startproject', 'mysite', join(dir, 'proj')], { cwd: dir, timeout: 60_000 });

    for (const block of guideBlocks(readFileSync(GUIDE, 'utf8'))) {
      const path = join(dir, 'proj', block.file);
      const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
      const after = block.apply === 'append' ? `${before}\n${block.code}` : block.code;
      writeFileSync(path, after);
      projectLines += addedLines(block, before);
    }
    copyFileSync(join(repoRoot, 'test/integration/fixtures/startproject-contract.json'), join(dir, 'proj/contract.json'));
    env = { ...process.env, PYTHONUNBUFFERED: '1', JWT_SECRET: SECRET, REDIS_URL: redis.url, ALLOWED_ORIGINS: 'http://127.0.0.1' };
    await manage('migrate', '-v', '0');
    await shell("from django.contrib.auth.models import User; User.objects.create_user('ann', password='ann-pass')");
  }, 240_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    // A child that a signal already ended keeps exitCode null: its signalCode says it is gone.
    const running = servers.filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(
      running.map(
        (child) =>
          new Promise((resolve) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => resolve(clearTimeout(kill)));
            child.kill('SIGTERM');
          }),
      ),
    );
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes at most 30 lines of the project’s own code, settings included', () => {
    expect(guideBlocks(readFileSync(GUIDE, 'utf8')).map((block) => block.file)).toEqual([
      'mysite/settings.py',
      'mysite/urls.py',
      'mysite/asgi.py',
      'mysite/consumers.py',
    ]);
    expect(projectLines).toBeGreaterThan(0);
    expect(projectLines).toBeLessThanOrEqual(MAX_PROJECT_LINES);
    // The figure docs/django.md announces in its heading.
    expect(readFileSync(GUIDE, 'utf8')).toContain(`## Quickstart: a fresh project in ${projectLines} lines`);
  });

  it('names the missing secret and the empty origin list in `manage.py check`', async () => {
    const failed = await run(python, ['manage.py', 'check'], { cwd: join(dir, 'proj'), env: { ...env, JWT_SECRET: '', ALLOWED_ORIGINS: '' } }).catch((error) => error);
    expect(failed.stderr).toContain('permsocket.E001');
    expect(failed.stderr).toContain('permsocket.E003');
    const origin = 'http://app.test';
    const { stdout } = await run(python, ['manage.py', 'check'], { cwd: join(dir, 'proj'), env: { ...env, ALLOWED_ORIGINS: origin } });
    expect(stdout).toContain('no issues');
  });

  describe('under plain daphne', () => {
    let server: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => {
      const port = await freePort();
      env.ALLOWED_ORIGINS = `http://127.0.0.1:${port}`;
      server = await serve(port, ['-m', 'daphne', '-b', '127.0.0.1', '-p', String(port), 'mysite.asgi:application']);
    }, 60_000);

    it('signs in with the SDK, refuses, pushes a grant made in another process, and closes a deactivated user with 4403', async () => {
      const client = createClient({
        url: server.wsUrl,
        contract,
        getToken: async () => {
          const response = await fetch(`${server.httpUrl}/auth/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: 'ann', password: 'ann-pass' }),
          });
          return ((await response.json()) as { accessToken: string }).accessToken;
        },
        WebSocket: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { origin: server.origin });
          }
        },
      });
      clients.push(client);
      await new Promise<void>((resolve) => (client.state === 'ready' ? resolve() : client.on('state', (state) => state === 'ready' && resolve())));
      expect(client.user?.name).toBe('ann');
      expect(client.can('users.count', { active: true })).toBe(false);
      const refused = await client.request('users.count', { active: true }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PermissionDeniedError);

      const pushed = new Promise((resolve) => client.on('permissions', resolve));
      await shell(
        "from django.contrib.auth.models import User, Permission; User.objects.get(username='ann').user_permissions.add(Permission.objects.get(codename='view_user'))",
      );
      await pushed;
      expect(client.can('users.count', { active: true })).toBe(true);
      expect(await client.request('users.count', { active: true })).toEqual({ count: 1 });

      const forbidden = new Promise<void>((resolve) => client.on('state', (state) => state === 'forbidden' && resolve()));
      await shell("from django.contrib.auth.models import User; u = User.objects.get(username='ann'); u.is_active = False; u.save()");
      await forbidden;
      await shell("from django.contrib.auth.models import User; User.objects.filter(username='ann').update(is_active=True)");
    }, 60_000);

    it('closes a binary frame with 1003 and a frame over 64 KiB with 1009', async () => {
      expect(await closeCodeAfter(server, (socket) => socket.send(Buffer.from([1, 2, 3])))).toBe(1003);
      expect(await closeCodeAfter(server, (socket) => socket.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70_000) })))).toBe(1009);
    });

    it('refuses a socket from an origin that is not listed with HTTP 403', async () => {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(server.wsUrl, 'permsocket.v1', { origin: 'http://evil.test' });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => resolve(101));
      });
      expect(status).toBe(403);
    });
  });

  describe('under uvicorn', () => {
    it('closes a binary frame with 1003 and a frame over 64 KiB with 1009', async () => {
      const port = await freePort();
      env.ALLOWED_ORIGINS = `http://127.0.0.1:${port}`;
      const server = await serve(port, ['-m', 'uvicorn', '--host', '127.0.0.1', '--port', String(port), '--ws', 'wsproto', 'mysite.asgi:application']);
      expect(await closeCodeAfter(server, (socket) => socket.send(Buffer.from([1, 2, 3])))).toBe(1003);
      expect(await closeCodeAfter(server, (socket) => socket.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70_000) })))).toBe(1009);
    }, 60_000);
  });
});

/** Opens a raw socket, does `act` once it is open, and resolves with the server's close code. */
function closeCodeAfter(server: { wsUrl: string; origin: string }, act: (socket: WebSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(server.wsUrl, 'permsocket.v1', { origin: server.origin });
    const timer = setTimeout(() => reject(new Error('no close within 5 s')), 5_000);
    socket.on('open', () => act(socket));
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
