/**
 * Section 2: a request and its answer over loopback. The SDK against the Node reference server on
 * permsocket/server (auth done once per connection, every request validated by the contract's zod
 * schema, its permission checked fresh through permissionsVersion, and the chat handler run) beside a bare `ws` client and server exchanging
 * the same JSON, and socket.io's emitWithAck with a handler doing the same work. Runs are
 * interleaved (A B C, A B C, ...) so a slow moment on a shared machine hits every system alike;
 * each figure is the median over the runs. Each system has its own copy of the load loops
 * (bench/load.ts), and the SDK on the bare server is compared with the raw ws client run by run.
 */
import { existsSync } from 'node:fs';
import { io as socketIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { ChatContract } from '../demo/contract';
import type { Client } from '../src/index';
import { SUBPROTOCOL } from '../src/protocol';
import { createLoad, type Call, type Load } from './load';
import { packageVersion, repoRoot } from './machine';
import { startReferenceServer, type ReferenceServer } from './reference-server';
import { num, times, type Row } from './report';
import { chatClient, waitFor, type Target } from './sdk-clients';
import { compiledEntry } from './compiled';
import { freePort, serverProcess, type ServerProcess } from './server-process';
import { median } from './stats';

/** Counts for one run of the section. */
export interface RoundTripCounts {
  warmup: number;
  /** Requests per throughput run. */
  throughputRequests: number;
  /** Requests per sequential latency run. */
  latencyRequests: number;
  runs: number;
  inFlight: number;
  /** Most requests per measurement for the Django server, which answers in milliseconds. */
  slowCap: number;
}

/** One system under test: how to send a request and how to tear it down. */
interface System {
  name: string;
  call: Call;
  /** Its own copy of the load loops (bench/load.ts says why). */
  load: Load;
  /** Most requests per measurement, for a system too slow for the full counts in the time budget. */
  cap?: number;
  close(): Promise<void>;
}

/** The median figures of one system. */
export interface RoundTripFigures {
  name: string;
  cap: number | undefined;
  throughput: number;
  p50: number;
  p99: number;
  runs: { throughput: number[]; p50: number[]; p99: number[] };
}

const SECTION = '2. Round trip over loopback (chat.history, one connection)';
const PAYLOAD = { room: 'random' };

// BENCH_SHARED_LOOP=1 drives every system with one copy of the loops, as this section did before
// (to compare the two harnesses on one machine; bench/load.ts says why each system has its own).
const sharedLoad = process.env.BENCH_SHARED_LOOP === '1' ? createLoad() : undefined;
const systemLoad = () => sharedLoad ?? createLoad();

/** Starts a baseline server child (bench/baseline-server.ts). */
async function startBaseline(mode: 'ws' | 'socketio', env: Record<string, string>): Promise<ServerProcess> {
  const child = serverProcess({ args: [await compiledEntry('bench/baseline-server.ts')], port: await freePort(), env: { BENCH_MODE: mode, ...env } });
  await child.start();
  return child;
}

/** An SDK client on `target`, signed in and ready. */
async function sdkSystem(name: string, target: Target, token: () => Promise<string>, onClose: () => Promise<void>): Promise<System> {
  const client: Client<ChatContract> = chatClient(target, token, { requestTimeout: 30_000 });
  await waitFor(() => client.state === 'ready', 20_000, `${name} to be ready`);
  return {
    name,
    call: () => client.request('chat.history', PAYLOAD),
    load: systemLoad(),
    async close() {
      client.close();
      await onClose();
    },
  };
}

/**
 * A bare ws client sending the SDK's `req` frame and matching the `res` by id: against the bare
 * echo (the floor), or signed in to the reference server (the server's cost alone, no SDK).
 */
async function rawWsSystem(server: ServerProcess, signIn?: { name: string; token: string; close: () => Promise<void> }): Promise<System> {
  const origin = `http://127.0.0.1:${server.port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, [SUBPROTOCOL], { origin, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (signIn) {
    ws.send(JSON.stringify({ type: 'auth', token: signIn.token }));
    await new Promise<void>((resolve) => ws.once('message', () => resolve()));
  }
  const pending = new Map<string, (data: unknown) => void>();
  let counter = 0;
  // Ids made the way the SDK makes them (a random prefix per client, then a counter), so both
  // clients send and match the very same frames, byte for byte in length.
  const prefix = Math.random().toString(36).slice(2);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { id: string; data: unknown };
    const resolve = pending.get(frame.id);
    pending.delete(frame.id);
    resolve?.(frame.data);
  });
  return {
    name: signIn?.name ?? 'raw ws',
    load: systemLoad(),
    call: () =>
      new Promise((resolve) => {
        const id = `${prefix}${(++counter).toString(36)}`;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'req', id, action: 'chat.history', payload: PAYLOAD }));
      }),
    async close() {
      ws.terminate();
      if (signIn) await signIn.close();
      else await server.kill('SIGKILL');
    },
  };
}

/** socket.io-client over WebSocket only (no long-polling start), acknowledgements as answers. */
async function socketIoSystem(server: ServerProcess, token: string): Promise<System> {
  const socket: Socket = socketIo(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], auth: { token }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    name: `socket.io ${packageVersion('socket.io')} emitWithAck`,
    load: systemLoad(),
    call: async () => {
      const answer = (await socket.emitWithAck('chat.history', PAYLOAD)) as { ok: boolean };
      if (!answer.ok) throw new Error(`socket.io answered ${JSON.stringify(answer)}`);
      return answer;
    },
    async close() {
      socket.disconnect();
      await server.kill('SIGKILL');
    },
  };
}

/**
 * The Django reference server through its test factory, when another engineer's
 * test/conformance/django-server.ts exists and starts; otherwise undefined with the reason.
 */
async function djangoSystem(cap: number): Promise<System | string> {
  const file = `${repoRoot}test/conformance/django-server.ts`;
  if (!existsSync(file)) return 'test/conformance/django-server.ts is not in this checkout';
  try {
    const module = (await import(file)) as { startDjangoServer?: (options?: { env?: Record<string, string> }) => Promise<{ wsUrl: string; origin: string; httpUrl: string; stop(): Promise<void> }> };
    if (typeof module.startDjangoServer !== 'function') return 'django-server.ts exports no startDjangoServer';
    const server = await module.startDjangoServer({ env: { RATE_LIMIT: 'off', ACCESS_TOKEN_TTL: '3600' } });
    const token = async () => {
      const response = await fetch(`${server.httpUrl}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-pass' }),
      });
      if (response.status !== 200) throw new Error(`django login: HTTP ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    };
    const system = await sdkSystem('permsocket SDK + Django server', server, token, () => server.stop());
    // Django answers in milliseconds, not microseconds: full counts would take most of the run.
    return { ...system, cap };
  } catch (error) {
    return `the Django server did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

/** Measures every system, interleaved, and returns the medians. */
async function measure(systems: System[], counts: RoundTripCounts): Promise<RoundTripFigures[]> {
  const runs = systems.map(() => ({ throughput: [] as number[], p50: [] as number[], p99: [] as number[] }));
  const capped = (system: System, count: number) => Math.min(count, system.cap ?? count);
  for (const system of systems) await system.load.throughput(system.call, capped(system, counts.warmup), counts.inFlight);
  for (let run = 0; run < counts.runs; run++) {
    for (const [i, system] of systems.entries()) {
      const record = runs[i] as (typeof runs)[number];
      record.throughput.push(await system.load.throughput(system.call, capped(system, counts.throughputRequests), counts.inFlight));
      const latency = await system.load.sequentialLatency(system.call, capped(system, counts.latencyRequests));
      record.p50.push(latency.p50);
      record.p99.push(latency.p99);
    }
  }
  return systems.map((system, i) => {
    const record = runs[i] as (typeof runs)[number];
    return { name: system.name, cap: system.cap, throughput: median(record.throughput), p50: median(record.p50), p99: median(record.p99), runs: record };
  });
}

/** Runs the section; `sdkP50` is handed on to the permission-cost section. */
export async function roundTripSection(counts: RoundTripCounts, note: (line: string) => void): Promise<{ rows: Row[]; figures: RoundTripFigures[] }> {
  const systems: System[] = [];
  let reference: ReferenceServer | undefined;
  try {
    reference = await startReferenceServer({ env: { RATE_LIMIT: 'off' } });
    const ref = reference;
    const sdk = await sdkSystem('permsocket SDK + Node server', ref, () => ref.token('alice', 3600), () => ref.stop());
    systems.push(sdk);
    // The bare baseline answers with exactly the JSON the reference server produced.
    const data = await sdk.call();
    const echo = await startBaseline('ws', { BENCH_DATA: JSON.stringify(data) });
    systems.push(await rawWsSystem(echo));
    // The SDK against the bare server: what the client library itself adds over raw ws. Measured
    // right after the raw ws client in every run, so the two figures compared share their moment.
    const echoForSdk = await startBaseline('ws', { BENCH_DATA: JSON.stringify(data) });
    const echoTarget = { wsUrl: `ws://127.0.0.1:${echoForSdk.port}/ws`, origin: `http://127.0.0.1:${echoForSdk.port}` };
    systems.push(await sdkSystem('permsocket SDK + bare ws server', echoTarget, async () => ref.token('alice', 3600), () => echoForSdk.kill('SIGKILL')));
    const secret = process.env.BENCH_SECRET ?? 'bench-socketio-secret';
    const io = await startBaseline('socketio', { DATABASE: `${ref.database}.socketio`, JWT_SECRET: secret });
    systems.push(await socketIoSystem(io, await signFor(secret, ref.userIds.alice ?? '')));
    // A bare ws client on the reference server: the server's own cost, without the SDK's.
    systems.push(await rawWsSystem(ref.process, { name: 'raw ws client + Node server', token: await ref.token('alice', 3600), close: async () => {} }));
    const django = await djangoSystem(counts.slowCap);
    if (typeof django === 'string') note(`Django server skipped: ${django}`);
    else systems.push(django);

    const figures = await measure(systems, counts);
    return { rows: rows(figures, counts), figures };
  } finally {
    for (const system of systems) await system.close().catch(() => {});
    if (systems.length === 0) await reference?.stop();
  }
}

async function signFor(secret: string, sub: string): Promise<string> {
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience('permsocket').setIssuedAt(now).setExpirationTime(now + 3600).sign(new TextEncoder().encode(secret));
}

function rows(figures: RoundTripFigures[], counts: RoundTripCounts): Row[] {
  const [sdk, raw, sdkOnBare, io, serverAlone, ...rest] = figures as [
    RoundTripFigures,
    RoundTripFigures,
    RoundTripFigures,
    RoundTripFigures,
    RoundTripFigures,
    ...RoundTripFigures[],
  ];
  const rps = (value: number) => `${num(value)} req/s`;
  const us = (value: number) => `${num(value)} µs`;
  // Run by run: the SDK on the bare server was measured right after the raw client each time.
  const ratios = sdkOnBare.runs.throughput.map((value, i) => value / (raw.runs.throughput[i] as number));
  const paired = { ratios, median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
  const out: Row[] = [
    {
      section: SECTION,
      figure: `throughput, ${counts.inFlight} in flight`,
      value: rps(sdk.throughput),
      baseline: `raw ws: ${rps(raw.throughput)}`,
      comparison: `${times(sdk.throughput / raw.throughput)} raw ws`,
      data: { sdk, raw },
    },
    {
      section: SECTION,
      figure: 'the server alone: a raw ws client on the Node server, 64 in flight',
      value: rps(serverAlone.throughput),
      baseline: `raw ws echo: ${rps(raw.throughput)}`,
      comparison: `${times(serverAlone.throughput / raw.throughput)} raw ws echo; p50 ${us(serverAlone.p50)}`,
      target: '>= 0.85x raw ws echo',
      pass: serverAlone.throughput >= 0.85 * raw.throughput,
      data: { serverAlone },
    },
    {
      section: SECTION,
      figure: 'throughput vs socket.io',
      value: rps(sdk.throughput),
      baseline: `socket.io: ${rps(io.throughput)}`,
      comparison: `${times(sdk.throughput / io.throughput)} socket.io`,
      target: '>= 1.10x socket.io',
      pass: sdk.throughput >= 1.1 * io.throughput,
      data: { io },
    },
    {
      section: SECTION,
      figure: 'sequential latency p50',
      value: us(sdk.p50),
      baseline: `raw ws: ${us(raw.p50)}`,
      comparison: `${times(sdk.p50 / raw.p50)} raw ws`,
      target: '<= 1.25x raw ws',
      pass: sdk.p50 <= 1.25 * raw.p50,
    },
    {
      section: SECTION,
      figure: 'sequential latency p50 vs socket.io',
      value: us(sdk.p50),
      baseline: `socket.io: ${us(io.p50)}`,
      comparison: `${times(sdk.p50 / io.p50)} socket.io`,
      target: '<= 0.95x socket.io',
      pass: sdk.p50 <= 0.95 * io.p50,
    },
    {
      section: SECTION,
      figure: 'sequential latency p99',
      value: us(sdk.p99),
      baseline: `raw ws: ${us(raw.p99)}; socket.io: ${us(io.p99)}`,
      comparison: `${times(sdk.p99 / raw.p99)} raw ws; ${times(sdk.p99 / io.p99)} socket.io`,
    },
    {
      section: SECTION,
      figure: 'SDK on a bare ws server (client cost alone)',
      value: `${rps(sdkOnBare.throughput)}; p50 ${us(sdkOnBare.p50)}`,
      baseline: `raw ws: ${rps(raw.throughput)}; p50 ${us(raw.p50)}`,
      comparison: `${times(paired.median)} throughput (per run ${times(paired.low)}-${times(paired.high)}); ${times(sdkOnBare.p50 / raw.p50)} p50`,
      target: '>= 0.90x raw ws',
      pass: paired.median >= 0.9,
      data: { sdkOnBare, pairedRatios: paired.ratios },
    },
  ];
  for (const other of rest) {
    out.push({
      section: SECTION,
      figure: other.cap ? `${other.name} (${other.cap} requests per measurement)` : other.name,
      value: `${rps(other.throughput)}; p50 ${us(other.p50)}; p99 ${us(other.p99)}`,
      baseline: `raw ws: ${rps(raw.throughput)}; p50 ${us(raw.p50)}`,
      comparison: `${times(other.throughput / raw.throughput)} throughput; ${times(other.p50 / raw.p50)} p50; ${times(other.throughput / sdk.throughput)} of the Node server`,
      data: { other },
    });
  }
  return out;
}
