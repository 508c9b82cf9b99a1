/**
 * The fault drill: SDK clients send requests continuously while the reference server is killed
 * (SIGKILL, and SIGTERM for a graceful stop) and started again at random moments. It checks the
 * promises the SDK makes when things break:
 *
 * - every request settles exactly once, resolved or rejected with a typed PermsocketError, and
 *   none is left pending past its timeout;
 * - a non-idempotent request (`chat.send`, each with a unique text) is never applied twice (no text
 *   and no request key stored twice), and every one that resolved is stored exactly once (read
 *   back from the SQLite file);
 * - with request keys (the reference server offers them), every request resolves: one in flight at
 *   a kill is re-sent with its key after the next `auth.ok`, none is rejected for a lost connection;
 * - every client is ready again after each restart, within a bounded number of attempts, and
 *   makes none once the server stays up (no reconnect loop);
 * - the server's memory after the drill is back near its level before it, and the clients'
 *   heap (this process) does not grow with the number of requests made.
 *
 * Used by `npm run soak` (bench/soak.ts) and, smaller, by test/integration/soak.test.ts.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import type { ChatContract } from '../demo/contract';
import { isPermsocketError, type Client } from '../src/index';
import { startReferenceServer, type ReferenceServer } from './reference-server';
import { chatClient, sleep, waitFor } from './sdk-clients';
import { freePort } from './server-process';
import { seededRandom } from './stats';

/** The size and pace of a drill. */
export interface DrillOptions {
  clients: number;
  /** Restarts by SIGKILL. */
  kills: number;
  /** Restarts by SIGTERM (graceful: in-flight requests finish, sockets close with 1001). */
  terms: number;
  /** Seeds the kill moments, the signal order and each client's mix of requests. */
  seed: number;
  /** Each request's timeout (the SDK's requestTimeout). */
  requestTimeoutMs: number;
  /** Traffic time before each kill, [min, max] ms, drawn from the seeded generator. */
  trafficMs: readonly [number, number];
  /** Each client's pause between requests, [min, max] ms. */
  pauseMs: readonly [number, number];
  /** Share of requests that are `chat.send` (the rest are `chat.history`). */
  sendShare: number;
  /** How long every client may take to be ready again after a restart. */
  readyWaitMs: number;
  /** Most connection attempts one client may make per restart before it counts as looping. */
  maxAttemptsPerRestart: number;
  /**
   * Whether every request must resolve (request keys on): any rejection is then a violation.
   * @default true
   */
  everyResolved?: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One restart as it happened. */
export interface RestartRecord {
  signal: 'SIGKILL' | 'SIGTERM';
  /** Kill to the new process listening, ms. */
  downMs: number;
  /** Kill to the last client ready again, ms (Infinity when some never were). */
  readyMs: number;
  /** Requests in flight or queued at the kill. */
  pendingAtKill: number;
  /** The most attempts one client made to get back. */
  maxAttempts: number;
}

/** What a drill found. */
export interface DrillReport {
  restarts: RestartRecord[];
  requests: {
    total: number;
    resolved: number;
    rejected: Record<string, number>;
    lostConnection: number;
    /** Made before a restart and resolved after it: carried across the drop (re-sent, or queued). */
    acrossRestart: number;
  };
  sends: {
    resolved: number;
    unresolved: number;
    appliedThoughUnresolved: number;
    /** Texts stored more than once. */
    duplicates: number;
    /** Request keys stored more than once for one user. */
    keyDuplicates: number;
    /** Messages stored with a request key (every send the SDK made to a server with keys). */
    keyed: number;
    resolvedButMissing: number;
  };
  memory: { serverRssBefore: number; serverRssAfter: number; clientHeapBefore: number; clientHeapAfter: number };
  /** Every broken promise, in words; empty when the drill passed. */
  violations: string[];
}

/** Slack beyond a request's timeout before a still-pending request counts as stuck. */
const PENDING_SLACK_MS = 2_000;
/** After the last restart the server stays up this long; no client may attempt a connection. */
const QUIET_MS = 2_000;
/** Server memory after the drill may exceed the level before it by this factor. */
const SERVER_RSS_TOLERANCE = 1.25;
/** Client heap growth allowed over the drill (after a full GC), bytes. */
const CLIENT_HEAP_TOLERANCE = 16 * 2 ** 20;

/** One client in this many is a viewer of #general (alice) and receives every send as an event. */
const VIEWER_EVERY = 50;

/** A request from its call until it settles. */
interface Tracked {
  client: number;
  action: 'chat.send' | 'chat.history';
  text: string | undefined;
  startedAt: number;
  settled: number;
}

/** A full garbage collection, so heap readings compare live objects only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Runs the drill; never throws for a violation, it reports them. */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const random = seededRandom(options.seed);
  const between = ([min, max]: readonly [number, number], rng = random) => min + rng() * (max - min);
  const violations: string[] = [];
  const violate = (message: string) => {
    if (violations.length < 200) violations.push(message);
    options.log(`VIOLATION ${message}`);
  };
  const server: ReferenceServer = await startReferenceServer({ port: await freePort(), raiseFileLimit: true });
  const clients: Client<ChatContract>[] = [];
  const attempts: number[] = [];
  const readyAt: number[] = [];
  const pending = new Set<Tracked>();
  const rejected: Record<string, number> = {};
  const resolvedTexts: string[] = [];
  const unresolvedTexts: string[] = [];
  let total = 0;
  let resolved = 0;
  let acrossRestart = 0;
  let lastKillAt = Number.NEGATIVE_INFINITY;
  let running = true;
  const restarts: RestartRecord[] = [];
  const memory = { serverRssBefore: 0, serverRssAfter: 0, clientHeapBefore: 0, clientHeapAfter: 0 };

  const settle = (request: Tracked, error?: unknown) => {
    request.settled++;
    if (request.settled > 1) violate(`request of client ${request.client} (${request.action}) settled ${request.settled} times`);
    pending.delete(request);
    if (error === undefined) {
      resolved++;
      if (request.startedAt < lastKillAt) acrossRestart++;
      if (request.text !== undefined) resolvedTexts.push(request.text);
      return;
    }
    const name = isPermsocketError(error) ? error.name : `untyped ${error instanceof Error ? error.name : typeof error}`;
    rejected[name] = (rejected[name] ?? 0) + 1;
    if (!isPermsocketError(error)) violate(`client ${request.client}: ${request.action} rejected with an untyped error: ${String(error)}`);
    if (request.text !== undefined) unresolvedTexts.push(request.text);
  };

  const traffic = async (index: number, client: Client<ChatContract>) => {
    const rng = seededRandom(options.seed * 1_000_003 + index);
    let sequence = 0;
    while (running) {
      const send = rng() < options.sendShare;
      const text = send ? `soak-${options.seed}-${index}-${sequence++}` : undefined;
      const request: Tracked = { client: index, action: send ? 'chat.send' : 'chat.history', text, startedAt: performance.now(), settled: 0 };
      pending.add(request);
      total++;
      const promise = send ? client.request('chat.send', { room: 'general', text: text as string }) : client.request('chat.history', { room: 'random' });
      await promise.then(
        () => settle(request),
        (error: unknown) => settle(request, error),
      );
      await sleep(between(options.pauseMs, rng));
    }
  };

  // A request still pending well past its timeout is a promise the SDK broke.
  const reported = new WeakSet<Tracked>();
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const request of pending) {
      if (now - request.startedAt > options.requestTimeoutMs + PENDING_SLACK_MS && !reported.has(request)) {
        reported.add(request);
        violate(`client ${request.client}: ${request.action} still pending after ${Math.round(now - request.startedAt)} ms (timeout ${options.requestTimeoutMs} ms)`);
      }
    }
  }, 250);

  const loops: Promise<void>[] = [];
  try {
    await narrowDave(server);
    for (let i = 0; i < options.clients; i++) {
      // Mostly dave, who sends to #general but reads only #random, so a send fans out to the few
      // alice clients instead of to all of them: the load stays on requests, not on events.
      const user = i % VIEWER_EVERY === 0 ? 'alice' : 'dave';
      const client = chatClient(server, () => server.token(user, 3600), {
        requestTimeout: options.requestTimeoutMs,
        // Restarts come every few seconds: reset the backoff after 1 s of calm and cap it at 5 s, so
        // a drill of 20 restarts takes minutes (the default 10 s / 30 s would stretch each one).
        retry: { resetAfter: 1_000, maxDelay: 5_000 },
        onAttempt: () => (attempts[i] = (attempts[i] ?? 0) + 1),
      });
      attempts[i] = 0;
      readyAt[i] = 0;
      client.on('ready', () => (readyAt[i] = performance.now()));
      clients.push(client);
    }
    await waitFor(() => clients.every((client) => client.state === 'ready'), 60_000, 'every client to be ready');
    memory.clientHeapBefore = heapUsed();
    options.log(`${options.clients} clients ready; traffic starts`);
    clients.forEach((client, i) => loops.push(traffic(i, client)));

    const count = options.kills + options.terms;
    const signals: ('SIGKILL' | 'SIGTERM')[] = [...Array(options.kills).fill('SIGKILL'), ...Array(options.terms).fill('SIGTERM')];
    // A seeded shuffle: where the graceful stop falls among the kills is part of the seed.
    for (let i = signals.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [signals[i], signals[j]] = [signals[j] as 'SIGKILL', signals[i] as 'SIGKILL'];
    }
    for (let r = 0; r < count; r++) {
      await sleep(between(options.trafficMs));
      if (r === 0) memory.serverRssBefore = server.process.rss();
      const signal = signals[r] as 'SIGKILL' | 'SIGTERM';
      const before = [...attempts];
      const pendingAtKill = pending.size;
      const killedAt = performance.now();
      lastKillAt = killedAt;
      await server.process.kill(signal);
      await server.process.start();
      const upAt = performance.now();
      const back = () => readyAt.every((at, i) => at > killedAt && clients[i]?.state === 'ready');
      await waitFor(back, options.readyWaitMs, 'every client to be ready again').catch(() => {
        const stuck = clients.map((client, i) => ({ i, state: client.state })).filter(({ i }) => !((readyAt[i] as number) > killedAt));
        violate(`restart ${r + 1} (${signal}): ${stuck.length} clients not ready within ${options.readyWaitMs} ms (e.g. ${JSON.stringify(stuck.slice(0, 5))})`);
      });
      const lastReady = Math.max(...readyAt);
      const maxAttempts = Math.max(...attempts.map((n, i) => n - (before[i] as number)));
      if (maxAttempts > options.maxAttemptsPerRestart) {
        violate(`restart ${r + 1}: a client made ${maxAttempts} connection attempts (bound ${options.maxAttemptsPerRestart})`);
      }
      const record: RestartRecord = { signal, downMs: upAt - killedAt, readyMs: back() ? lastReady - killedAt : Number.POSITIVE_INFINITY, pendingAtKill, maxAttempts };
      restarts.push(record);
      options.log(`restart ${r + 1}/${count} ${signal}: down ${Math.round(record.downMs)} ms, all ready after ${Math.round(record.readyMs)} ms, ${pendingAtKill} requests pending at the kill, max ${maxAttempts} attempts`);
    }

    running = false;
    const drained = await Promise.race([Promise.all(loops).then(() => true), sleep(options.requestTimeoutMs + PENDING_SLACK_MS).then(() => false)]);
    if (!drained) violate(`${pending.size} requests never settled after the traffic stopped`);

    const attemptsBefore = attempts.reduce((a, b) => a + b, 0);
    await sleep(QUIET_MS);
    const extra = attempts.reduce((a, b) => a + b, 0) - attemptsBefore;
    if (extra > 0) violate(`${extra} connection attempts while the server stayed up after the drill (a reconnect loop)`);
    const notReady = clients.filter((client) => client.state !== 'ready').length;
    if (notReady > 0) violate(`${notReady} clients not ready after the drill`);

    memory.serverRssAfter = server.process.rss();
    memory.clientHeapAfter = heapUsed();
    if (memory.serverRssAfter > memory.serverRssBefore * SERVER_RSS_TOLERANCE) {
      violate(`server RSS ${mib(memory.serverRssAfter)} after the drill, ${mib(memory.serverRssBefore)} before (allowed x${SERVER_RSS_TOLERANCE})`);
    }
    if (memory.clientHeapAfter - memory.clientHeapBefore > CLIENT_HEAP_TOLERANCE) {
      violate(`client heap grew ${mib(memory.clientHeapAfter - memory.clientHeapBefore)} over ${total} requests (allowed ${mib(CLIENT_HEAP_TOLERANCE)})`);
    }

    const sends = checkStoredSends(server.database, resolvedTexts, unresolvedTexts, violate);
    if (resolved === 0) violate('no request resolved at all');
    const lostConnection = rejected.ConnectionLostError ?? 0;
    if ((options.everyResolved ?? true) && resolved !== total) {
      violate(`${total - resolved} of ${total} requests did not resolve (${JSON.stringify(rejected)}); with request keys every one must`);
    }
    return { restarts, requests: { total, resolved, rejected, lostConnection, acrossRestart }, sends, memory, violations };
  } finally {
    running = false;
    clearInterval(watchdog);
    for (const client of clients) client.close();
    await server.stop();
  }
}

/** Through the admin API: dave may read #random only (he keeps sending to #general). */
async function narrowDave(server: ReferenceServer): Promise<void> {
  const token = await server.token('admin', 600);
  const change = async (method: 'PUT' | 'DELETE', grant: string) => {
    const response = await fetch(`${server.httpUrl}/admin/users/dave/grants/${encodeURIComponent(grant)}`, { method, headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 204) throw new Error(`${method} dave's ${grant}: HTTP ${response.status}`);
  };
  await change('PUT', 'chat.view_message@room:random');
  await change('DELETE', 'chat.view_message');
}

/** Reads the messages back: no text twice, every resolved send once; counts lost-but-applied ones. */
function checkStoredSends(file: string, resolvedTexts: string[], unresolvedTexts: string[], violate: (message: string) => void): DrillReport['sends'] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.prepare('PRAGMA integrity_check').pluck().get();
    if (integrity !== 'ok') violate(`the database failed its integrity check: ${String(integrity)}`);
    const stored = new Map<string, number>();
    for (const text of db.prepare("SELECT text FROM messages WHERE text LIKE 'soak-%'").pluck().all() as string[]) {
      stored.set(text, (stored.get(text) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const [text, times] of stored) {
      if (times > 1) {
        duplicates++;
        violate(`"${text}" was applied ${times} times`);
      }
    }
    const keyDuplicates = db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE request_key IS NOT NULL GROUP BY user, request_key HAVING COUNT(*) > 1)').pluck().get() as number;
    if (keyDuplicates > 0) violate(`${keyDuplicates} request keys were stored more than once`);
    const keyed = db.prepare("SELECT COUNT(*) FROM messages WHERE text LIKE 'soak-%' AND request_key IS NOT NULL").pluck().get() as number;
    if (keyed !== stored.size) violate(`${stored.size - keyed} of ${stored.size} stored sends carry no request key`);
    let resolvedButMissing = 0;
    for (const text of resolvedTexts) {
      if (!stored.has(text)) {
        resolvedButMissing++;
        violate(`"${text}" resolved but is not in the database`);
      }
    }
    const appliedThoughUnresolved = unresolvedTexts.filter((text) => stored.has(text)).length;
    return { resolved: resolvedTexts.length, unresolved: unresolvedTexts.length, appliedThoughUnresolved, duplicates, keyDuplicates, keyed, resolvedButMissing };
  } finally {
    db.close();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
