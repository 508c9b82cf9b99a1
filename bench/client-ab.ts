/**
 * The client's cost alone, as an interleaved A/B in one process: a raw `ws` client and the SDK
 * send the same `chat.history` requests (64 in flight) to one bare ws server child
 * (bench/baseline-server.ts), taking turns, the order swapped every round so machine load falls on
 * both alike. Printed per round: requests per second and this process's CPU time per request
 * (user + system, from `process.cpuUsage`), which a loaded machine moves far less than wall-clock
 * throughput. `--shared-loop` drives both with one copy of the load loop, as section 2 did before
 * each system got its own (bench/load.ts says why that doubled the SDK's CPU).
 *
 *   npx tsx bench/client-ab.ts [--rounds 8] [--requests 20000] [--shared-loop]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { chatContract } from '../demo/contract';
import { createClient } from '../src/index';
import { SUBPROTOCOL } from '../src/protocol';
import { createLoad, type Call } from './load';
import { originWebSocket } from './sdk-clients';
import { exitOnSignals, freePort, serverProcess } from './server-process';
import { median } from './stats';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, requests: { type: 'string', default: '20000' }, 'shared-loop': { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const IN_FLIGHT = 64;
const PAYLOAD = { room: 'random' };

exitOnSignals();
const server = serverProcess({ args: ['--import', 'tsx', 'bench/baseline-server.ts'], port: await freePort(), env: { BENCH_MODE: 'ws', BENCH_DATA: JSON.stringify({ messages: [] }) } });
await server.start();
const url = `ws://127.0.0.1:${server.port}/ws`;
const origin = `http://127.0.0.1:${server.port}`;

// The raw client: the SDK's request frame, answers matched by id, nothing else.
const ws = new WebSocket(url, [SUBPROTOCOL], { origin, perMessageDeflate: false });
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
const pending = new Map<string, (data: unknown) => void>();
let counter = 0;
// Ids made the way the SDK makes them (a random prefix per client, then a counter): the same frames.
const prefix = Math.random().toString(36).slice(2);
ws.on('message', (raw) => {
  const frame = JSON.parse(String(raw)) as { id: string; data: unknown };
  pending.get(frame.id)?.(frame.data);
  pending.delete(frame.id);
});
const raw: Call = () =>
  new Promise((resolve) => {
    const id = `${prefix}${(++counter).toString(36)}`;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ type: 'req', id, action: 'chat.history', payload: PAYLOAD }));
  });

// The SDK against the same server (it answers auth with a fixed auth.ok; the token is not read).
const client = createClient({ url, contract: chatContract, getToken: () => 'bench', WebSocket: originWebSocket(origin), requestTimeout: 30_000 });
await client.ready({ timeout: 10_000 });
const sdk: Call = () => client.request('chat.history', PAYLOAD);

const shared = createLoad();
const loads = values['shared-loop'] ? { raw: shared, sdk: shared } : { raw: createLoad(), sdk: createLoad() };

/** Runs one system's throughput measurement; returns req/s and CPU µs per request. */
async function turn(name: 'raw' | 'sdk') {
  const before = process.cpuUsage();
  const rate = await loads[name].throughput(name === 'raw' ? raw : sdk, requests, IN_FLIGHT);
  const cpu = process.cpuUsage(before);
  return { rate, cpu: (cpu.user + cpu.system) / requests };
}

await turn('raw');
await turn('sdk');
const ratios: number[] = [];
const cpuRatios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order: ('raw' | 'sdk')[] = round % 2 ? ['raw', 'sdk'] : ['sdk', 'raw'];
  const result: Record<string, { rate: number; cpu: number }> = {};
  for (const name of order) result[name] = await turn(name);
  const r = result.raw as { rate: number; cpu: number };
  const s = result.sdk as { rate: number; cpu: number };
  ratios.push(s.rate / r.rate);
  cpuRatios.push(s.cpu / r.cpu);
  process.stdout.write(`round ${round + 1} (${order.join(' then ')}): raw ${r.rate.toFixed(0)} req/s, ${r.cpu.toFixed(1)} µs CPU; SDK ${s.rate.toFixed(0)} req/s, ${s.cpu.toFixed(1)} µs CPU; throughput ${(s.rate / r.rate).toFixed(2)}x\n`);
}
const range = (xs: number[]) => `median ${median(xs).toFixed(2)}x (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
process.stdout.write(`${values['shared-loop'] ? 'one shared load loop' : 'a load loop per system'}: SDK/raw throughput ${range(ratios)}; SDK/raw CPU per request ${range(cpuRatios)}\n`);
client.close();
ws.terminate();
await server.kill('SIGKILL');
