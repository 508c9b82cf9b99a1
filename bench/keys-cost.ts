/**
 * What a request key costs the engine, alone: one process runs the engine (demo contract, a
 * `chat.history` handler answering a fixed list, permissions from memory) on 127.0.0.1 and a raw
 * ws client that sends the same `req` frames with and without a `key`, in interleaved rounds
 * (A B, A B, ...) so that load from other processes hits both alike. Prints the medians and the
 * keyed/unkeyed ratios of throughput, sequential p50 and CPU time per request (client and server
 * together; the client's work is the same either way but for the key's bytes).
 *
 * npx tsx bench/keys-cost.ts [--rounds 8] [--requests 4000] [--in-flight 64] [--messages 0]
 * npx tsx bench/keys-cost.ts --only keyed   (or unkeyed: one path alone, e.g. under node --cpu-prof)
 * npx tsx bench/keys-cost.ts --store none   (a store that remembers nothing: the engine's keyed path without the window)
 * npx tsx bench/keys-cost.ts --max-per-user 1   (the window's work without keeping answers: what keeping them costs)
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { chatContract, type Message } from '../demo/contract';
import { SUBPROTOCOL } from '../src/protocol';
import { createServer, memoryKeys, type KeyStore } from '../src/server/index';
import { median, percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    requests: { type: 'string', default: '4000' },
    'in-flight': { type: 'string', default: '64' },
    messages: { type: 'string', default: '0' },
    only: { type: 'string' },
    store: { type: 'string', default: 'memory' },
    'max-per-user': { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const requests = Number(args.requests);
const inFlight = Number(args['in-flight']);
const history: Message[] = Array.from({ length: Number(args.messages) }, (_, i) => ({ id: String(i + 1), room: 'random', text: `message ${i}`, user: 'alice', at: 1_764_000_000_000 + i }));

if (args.store !== 'memory' && args.store !== 'none') throw new Error('--store expects memory or none');
const RUN = { run: true } as const;
const maxPerUser = args['max-per-user'] === undefined ? {} : { maxPerUser: Number(args['max-per-user']) };
const keys: KeyStore = args.store === 'memory' ? memoryKeys(maxPerUser) : { claim: () => RUN, finish: () => {} };

const ps = createServer({
  contract: chatContract,
  authenticate: () => ({ user: { id: '1', name: 'alice' }, exp: Math.floor(Date.now() / 1000) + 3600 }),
  loadPermissions: () => ({ version: 1, grants: ['chat.view_message', 'chat.send_message'] }),
  permissionsVersion: () => 1,
  handlers: {
    'chat.history': () => ({ messages: history }),
    'chat.send': () => {
      throw new Error('not in this bench');
    },
    'chat.delete': () => ({}),
  },
  allowedOrigins: () => true,
  rateLimit: false,
  ping: false,
  keys,
  logger: () => {},
});
const http = createHttpServer();
ps.attach(http);
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const port = (http.address() as AddressInfo).port;

const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, [SUBPROTOCOL], { perMessageDeflate: false, origin: `http://127.0.0.1:${port}` });
await new Promise<void>((resolve, reject) => {
  ws.once('open', resolve);
  ws.once('error', reject);
});
ws.send(JSON.stringify({ type: 'auth', token: 'any' }));
await new Promise<void>((resolve) => ws.once('message', () => resolve()));

const pending = new Map<string, () => void>();
ws.on('message', (raw) => {
  const frame = JSON.parse(String(raw)) as { id: string; ok: boolean };
  if (!frame.ok) throw new Error(`the engine refused: ${String(raw)}`);
  const resolve = pending.get(frame.id);
  pending.delete(frame.id);
  resolve?.();
});
let counter = 0;
const prefix = Math.random().toString(36).slice(2);
const PAYLOAD = { room: 'random' };
// The SDK's frames: the key is the request's first id.
const call = (keyed: boolean) =>
  new Promise<void>((resolve) => {
    const id = `${prefix}${(++counter).toString(36)}`;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ type: 'req', id, action: 'chat.history', payload: PAYLOAD, key: keyed ? id : undefined }));
  });

async function measure(keyed: boolean) {
  const cpu = process.cpuUsage();
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started++ < requests) await call(keyed);
    }),
  );
  const wallMs = performance.now() - begin;
  const rps = requests / (wallMs / 1000);
  const used = process.cpuUsage(cpu);
  const samples: number[] = [];
  for (let i = 0; i < requests / 4; i++) {
    const at = performance.now();
    await call(keyed);
    samples.push((performance.now() - at) * 1000);
  }
  return { rps, p50: percentile(samples, 50), cpuUs: (used.user + used.system) / requests, busy: (used.user + used.system) / 1000 / wallMs };
}

type Path = 'keyed' | 'unkeyed';
if (args.only !== undefined && args.only !== 'keyed' && args.only !== 'unkeyed') throw new Error('--only expects keyed or unkeyed');
const paths: Path[] = args.only === undefined ? ['keyed', 'unkeyed'] : [args.only as Path];
const results = { keyed: [] as Awaited<ReturnType<typeof measure>>[], unkeyed: [] as Awaited<ReturnType<typeof measure>>[] };
for (const path of paths) await measure(path === 'keyed');
for (let round = 0; round < rounds; round++) for (const path of paths) results[path].push(await measure(path === 'keyed'));
const fmt = (n: number) => n.toFixed(n < 100 ? 1 : 0);
const summary = (name: Path) => {
  const list = results[name];
  return { rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50)), cpuUs: median(list.map((r) => r.cpuUs)), busy: median(list.map((r) => r.busy)) };
};
for (const path of paths) {
  const s = summary(path);
  console.log(`${`${path}:`.padEnd(8)} ${fmt(s.rps)} req/s (${inFlight} in flight), p50 ${fmt(s.p50)} µs, CPU ${fmt(s.cpuUs)} µs/request, CPU/wall ${s.busy.toFixed(2)}`);
}
if (paths.length === 2) {
  const k = summary('keyed');
  const u = summary('unkeyed');
  console.log(`keyed/unkeyed: throughput ${(k.rps / u.rps).toFixed(3)}x, p50 ${(k.p50 / u.p50).toFixed(3)}x, CPU ${(k.cpuUs / u.cpuUs).toFixed(3)}x`);
  const perRound = results.keyed.map((r, i) => (r.cpuUs / results.unkeyed[i]!.cpuUs).toFixed(2));
  console.log(`CPU ratio by round: ${perRound.join(' ')}`);
}
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
ws.terminate();
await ps.close();
http.close();
