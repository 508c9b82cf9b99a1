/**
 * What a request key costs the reference server (demo/server), in its own CPU time per request
 * read from /proc (so other processes' load moves it far less than a wall-clock figure): a raw ws
 * client sends `chat.history` with and without a `key`, and an SDK client (which sends keys to a
 * server that offers them), 64 in flight and then one at a time (p50), in interleaved rounds. `--root` adds another checkout
 * of the repository (with this one's node_modules above it, e.g. `git archive main | tar -x -C
 * bench/.tmp/main`): its server runs beside this one, interleaved with it, for a before/after.
 *
 * npx tsx bench/keys-cost-server.ts [--root bench/.tmp/main] [--rounds 6] [--requests 15000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../src/protocol';
import { repoRoot } from './machine';
import { chatClient, waitFor } from './sdk-clients';
import { freePort } from './server-process';
import { median, percentile } from './stats';

const { values: args } = parseArgs({
  options: { root: { type: 'string', multiple: true, default: [] }, rounds: { type: 'string', default: '6' }, requests: { type: 'string', default: '15000' } },
});
const requests = Number(args.requests);
const PAYLOAD = { room: 'random' };
// /proc/<pid>/stat counts in clock ticks: 100 per second on Linux.
const TICK_US = 10_000;

/** The server's user + system CPU so far, in µs. */
function cpuOf(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Starts the reference server of a checkout and signs in an SDK client and a raw ws client. */
async function startAt(root: string) {
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-keys-cost-'));
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE: join(dir, 'db.sqlite3'), JWT_SECRET: secret, ALLOWED_ORIGINS: origin, RATE_LIMIT: 'off' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((listening, failed) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on ${origin}`)) listening();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => failed(new Error(`the server in ${root} exited:\n${output}`)));
  });
  const login = await fetch(`${origin}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-pass' }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const { sub } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  const token = () =>
    new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience('permsocket').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret));

  const sdk = chatClient({ wsUrl: `ws://127.0.0.1:${port}/ws`, origin }, token, { requestTimeout: 30_000 });
  await waitFor(() => sdk.state === 'ready', 20_000, 'the SDK client to be ready');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, [SUBPROTOCOL], { origin, perMessageDeflate: false });
  await new Promise((opened) => ws.once('open', opened));
  ws.send(JSON.stringify({ type: 'auth', token: await token() }));
  await new Promise((authenticated) => ws.once('message', authenticated));
  const pending = new Map<string, () => void>();
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { id: string };
    pending.get(frame.id)?.();
    pending.delete(frame.id);
  });
  let counter = 0;
  const prefix = Math.random().toString(36).slice(2);
  // The SDK's frames: the key is the request's first id.
  const raw = (keyed: boolean) => () =>
    new Promise<void>((answered) => {
      const id = `${prefix}${(++counter).toString(36)}`;
      pending.set(id, answered);
      ws.send(JSON.stringify({ type: 'req', id, action: 'chat.history', payload: PAYLOAD, key: keyed ? id : undefined }));
    });
  const calls: Record<string, () => Promise<unknown>> = { 'raw unkeyed': raw(false), 'raw keyed': raw(true), 'SDK (keyed)': () => sdk.request('chat.history', PAYLOAD) };
  return {
    root,
    calls,
    cpu: () => cpuOf(child),
    async stop() {
      sdk.close();
      ws.terminate();
      child.kill('SIGKILL');
      await new Promise((exited) => child.once('exit', exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
type Server = Awaited<ReturnType<typeof startAt>>;

async function measure(server: Server, call: () => Promise<unknown>) {
  const cpu = server.cpu();
  const begin = performance.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (started++ < requests) await call();
    }),
  );
  const cpuUs = (server.cpu() - cpu) / requests;
  const rps = requests / ((performance.now() - begin) / 1000);
  const samples: number[] = [];
  for (let i = 0; i < requests / 10; i++) {
    const at = performance.now();
    await call();
    samples.push((performance.now() - at) * 1000);
  }
  return { cpuUs, rps, p50: percentile(samples, 50) };
}

const servers: Server[] = [];
try {
  for (const root of [repoRoot, ...args.root.map((root) => resolve(root))]) servers.push(await startAt(root));
  const results = new Map<string, { cpuUs: number; rps: number; p50: number }[]>();
  const each = async (use: (name: string, server: Server, call: () => Promise<unknown>) => Promise<void>) => {
    for (const server of servers) for (const [name, call] of Object.entries(server.calls)) await use(`${server.root} ${name}`, server, call);
  };
  await each(async (_, server, call) => void (await measure(server, call)));
  for (let round = 0; round < Number(args.rounds); round++) {
    await each(async (name, server, call) => void results.set(name, [...(results.get(name) ?? []), await measure(server, call)]));
  }
  for (const server of servers) {
    const of = (name: string) => median(results.get(`${server.root} ${name}`)!.map((r) => r.cpuUs));
    console.log(`${server.root}:`);
    for (const name of Object.keys(server.calls)) {
      const list = results.get(`${server.root} ${name}`)!;
      console.log(`  ${name.padEnd(12)} server CPU ${of(name).toFixed(1)} µs/request, ${median(list.map((r) => r.rps)).toFixed(0)} req/s, sequential p50 ${median(list.map((r) => r.p50)).toFixed(1)} µs`);
    }
    console.log(`  keyed / unkeyed server CPU: raw ${(of('raw keyed') / of('raw unkeyed')).toFixed(2)}x, SDK ${(of('SDK (keyed)') / of('raw unkeyed')).toFixed(2)}x`);
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  for (const server of servers) await server.stop();
}
