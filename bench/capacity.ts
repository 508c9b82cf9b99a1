/**
 * Section 5: capacity. Thousands of authenticated idle connections on the reference server (each a
 * bare `ws` client that sends `auth` and waits for `auth.ok`: cheaper for this process than SDK
 * clients, and the server cannot tell the difference). The server's resident memory is read from
 * /proc before and after; the baseline is the bare `ws` server (bench/baseline-server.ts) holding
 * the same number of connections, the floor for a Node WebSocket server.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../src/protocol';
import { startReferenceServer } from './reference-server';
import { num, times, type Row } from './report';
import { sleep } from './sdk-clients';
import { freePort, serverProcess, type ServerProcess } from './server-process';

/** What one capacity run measured. */
export interface CapacityFigures {
  connections: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerConnection: number;
  /** From the first connect to the last auth.ok, ms. */
  readyMs: number;
}

const SECTION = '5. Capacity (authenticated idle connections)';
/** Connections opened at once: below the listen backlog, so none is refused while queued. */
const CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 20_000;

/** Opens one connection, sends `auth` and resolves once `auth.ok` came. */
function openAuthenticated(port: number, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, [SUBPROTOCOL], { origin: `http://127.0.0.1:${port}`, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no auth.ok within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.once('message', (data) => {
      clearTimeout(timer);
      if (String(data).startsWith('{"type":"auth.ok"')) resolve(ws);
      else reject(new Error(`expected auth.ok, got ${String(data).slice(0, 100)}`));
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Fills `server` with `count` authenticated connections and measures its memory. */
async function fill(server: ServerProcess, count: number, token: string, settleMs: number): Promise<CapacityFigures> {
  const sockets: WebSocket[] = [];
  try {
    // A few connections first, so code paths are loaded and compiled before the baseline reading.
    for (let i = 0; i < 20; i++) (await openAuthenticated(server.port, token)).terminate();
    await sleep(settleMs);
    const rssBefore = server.rss();
    const begin = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        sockets.push(await openAuthenticated(server.port, token));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const readyMs = performance.now() - begin;
    await sleep(settleMs);
    const rssAfter = server.rss();
    return { connections: count, rssBefore, rssAfter, bytesPerConnection: (rssAfter - rssBefore) / count, readyMs };
  } finally {
    // The server goes first, so the sockets close from its side and this process sheds them at once.
    await server.kill('SIGKILL');
    for (const ws of sockets) ws.terminate();
  }
}

/**
 * Runs the section with `count` connections; `settleMs` is the wait before each memory reading,
 * so the server's allocations after the last connection have landed.
 */
export async function capacitySection(count: number, settleMs: number): Promise<{ rows: Row[]; figures: CapacityFigures[] }> {
  const reference = await startReferenceServer({ env: { RATE_LIMIT: 'off' }, raiseFileLimit: true });
  let own: CapacityFigures;
  try {
    own = await fill(reference.process, count, await reference.token('alice', 3600), settleMs);
  } finally {
    await reference.stop();
  }
  const bare = serverProcess({
    args: ['--import', 'tsx', 'bench/baseline-server.ts'],
    port: await freePort(),
    env: { BENCH_MODE: 'ws', BENCH_DATA: 'null' },
    raiseFileLimit: true,
  });
  await bare.start();
  const baseline = await fill(bare, count, 'any', settleMs);
  const kbPer = (bytes: number) => `${num(bytes / 1024, 1)} KB/conn`;
  const rows: Row[] = [
    {
      section: SECTION,
      figure: `${num(count)} connections: server memory per connection`,
      value: `${kbPer(own.bytesPerConnection)} (RSS ${num(own.rssBefore / 2 ** 20)} -> ${num(own.rssAfter / 2 ** 20)} MiB)`,
      baseline: `bare ws server: ${kbPer(baseline.bytesPerConnection)}`,
      comparison: `${times(own.bytesPerConnection / baseline.bytesPerConnection)} bare ws`,
      target: '<= 30 KB/conn',
      pass: own.bytesPerConnection <= 30 * 1024,
      data: { own, baseline },
    },
    {
      section: SECTION,
      figure: `${num(count)} connections: time to all ready (${CONCURRENCY} at a time)`,
      value: `${num(own.readyMs)} ms (${num(count / (own.readyMs / 1000))}/s)`,
      baseline: `bare ws server: ${num(baseline.readyMs)} ms`,
      comparison: `${times(own.readyMs / baseline.readyMs)} bare ws`,
    },
  ];
  return { rows, figures: [own, baseline] };
}
