/**
 * The Django fault drill, the shape of bench/soak-drill.ts on the Django reference server: clients
 * send `chat.send` (each with a unique text) and `chat.history` continuously while daphne is killed
 * (SIGKILL, and SIGTERM once) and started again on the same port and database. With request keys
 * it checks the promise "nothing lost, nothing twice":
 *
 * - every request resolves: none is rejected because the connection dropped, none times out;
 * - no `chat.send` is stored twice, and every one that resolved is stored (read back from the
 *   SQLite file): a send committed just before a SIGKILL is found by its key when re-sent;
 * - every client is ready again after each restart within a bounded number of attempts, and
 *   makes none once the server stays up.
 *
 * Clients are the bare-protocol KeyedClient (bench/keyed-client.ts) or, with `client: 'sdk'`, the
 * SDK itself (which re-sends with keys once the client half of request keys is in).
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { isPermsocketError } from '../src/index';
import { djangoServer, type DjangoServer } from './django-process';
import { KeyedClient } from './keyed-client';
import { chatClient, sleep, waitFor } from './sdk-clients';
import { freePort } from './server-process';
import { seededRandom } from './stats';

/** The size and pace of a drill. */
export interface DjangoDrillOptions {
  clients: number;
  kills: number;
  terms: number;
  seed: number;
  requestTimeoutMs: number;
  trafficMs: readonly [number, number];
  pauseMs: readonly [number, number];
  sendShare: number;
  readyWaitMs: number;
  maxAttemptsPerRestart: number;
  client: 'raw' | 'sdk';
  log: (line: string) => void;
}

/** One restart as it happened. */
export interface DjangoRestart {
  signal: 'SIGKILL' | 'SIGTERM';
  downMs: number;
  readyMs: number;
  pendingAtKill: number;
  maxAttempts: number;
}

/** What a drill found. */
export interface DjangoDrillReport {
  restarts: DjangoRestart[];
  requests: { total: number; resolved: number; rejected: Record<string, number>; resent: number | undefined };
  sends: { resolved: number; unresolved: number; appliedThoughUnresolved: number; duplicates: number; resolvedButMissing: number };
  memory: { serverRssBefore: number; serverRssAfter: number };
  violations: string[];
}

/** The common face of both kinds of client. */
interface DrillClient {
  readonly ready: boolean;
  request(action: 'chat.send' | 'chat.history', payload: Record<string, string>): Promise<unknown>;
  /** Requests re-sent after a drop; undefined for the SDK, which does not count them. */
  readonly resent: number | undefined;
  close(): void;
}

const PENDING_SLACK_MS = 2_000;
const QUIET_MS = 2_000;
const SERVER_RSS_TOLERANCE = 1.5;
const VIEWER_EVERY = 20;

interface Tracked {
  client: number;
  action: 'chat.send' | 'chat.history';
  text: string | undefined;
  startedAt: number;
  settled: number;
}

async function signIn(server: DjangoServer, username: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.origin },
    body: JSON.stringify({ username, password: `${username}-pass` }),
  });
  if (response.status !== 200) throw new Error(`login ${username}: HTTP ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Runs the drill; never throws for a violation, it reports them. */
export async function runDjangoDrill(options: DjangoDrillOptions): Promise<DjangoDrillReport> {
  const random = seededRandom(options.seed);
  const between = ([min, max]: readonly [number, number], rng = random) => min + rng() * (max - min);
  const violations: string[] = [];
  const violate = (message: string) => {
    if (violations.length < 200) violations.push(message);
    options.log(`VIOLATION ${message}`);
  };
  const server = djangoServer(await freePort(), { ACCESS_TOKEN_TTL: '3600', LOGIN_RATE_LIMIT: 'off', RATE_LIMIT: 'off' });
  const clients: DrillClient[] = [];
  const attempts: number[] = [];
  const readyAt: number[] = [];
  const pending = new Set<Tracked>();
  const rejected: Record<string, number> = {};
  const resolvedTexts: string[] = [];
  const unresolvedTexts: string[] = [];
  const restarts: DjangoRestart[] = [];
  const memory = { serverRssBefore: 0, serverRssAfter: 0 };
  let total = 0;
  let resolved = 0;
  let running = true;

  const settle = (request: Tracked, error?: unknown) => {
    request.settled++;
    if (request.settled > 1) violate(`request of client ${request.client} (${request.action}) settled ${request.settled} times`);
    pending.delete(request);
    if (error === undefined) {
      resolved++;
      if (request.text !== undefined) resolvedTexts.push(request.text);
      return;
    }
    const name = error instanceof Error ? error.name : typeof error;
    rejected[name] = (rejected[name] ?? 0) + 1;
    violate(`client ${request.client}: ${request.action} rejected with ${name}: ${error instanceof Error ? error.message : String(error)}`);
    if (request.text !== undefined) unresolvedTexts.push(request.text);
  };

  const traffic = async (index: number, client: DrillClient) => {
    const rng = seededRandom(options.seed * 1_000_003 + index);
    let sequence = 0;
    while (running) {
      const send = rng() < options.sendShare;
      const text = send ? `drill-${options.seed}-${index}-${sequence++}` : undefined;
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

  const reported = new WeakSet<Tracked>();
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const request of pending) {
      if (now - request.startedAt > options.requestTimeoutMs + PENDING_SLACK_MS && !reported.has(request)) {
        reported.add(request);
        violate(`client ${request.client}: ${request.action} still pending after ${Math.round(now - request.startedAt)} ms`);
      }
    }
  }, 250);

  const loops: Promise<void>[] = [];
  try {
    await server.start();
    const tokens: Record<string, string> = {};
    for (const username of ['alice', 'dave', 'admin']) tokens[username] = await signIn(server, username);
    await narrowDave(server, tokens.admin as string);
    for (let i = 0; i < options.clients; i++) {
      // Mostly dave, who sends to #general but reads only #random: a send reaches the few alice
      // clients as an event instead of every client, so the load stays on requests.
      const token = tokens[i % VIEWER_EVERY === 0 ? 'alice' : 'dave'] as string;
      attempts[i] = 0;
      readyAt[i] = 0;
      const onAttempt = () => (attempts[i] = (attempts[i] ?? 0) + 1);
      const onReady = () => (readyAt[i] = performance.now());
      clients.push(options.client === 'sdk' ? sdkClient(server, token, options.requestTimeoutMs, onAttempt, onReady) : rawClient(server, token, options.requestTimeoutMs, onAttempt, onReady));
    }
    await waitFor(() => clients.every((client) => client.ready), 60_000, 'every client to be ready');
    options.log(`${options.clients} ${options.client} clients ready; traffic starts`);
    clients.forEach((client, i) => loops.push(traffic(i, client)));

    const signals: ('SIGKILL' | 'SIGTERM')[] = [...Array(options.kills).fill('SIGKILL'), ...Array(options.terms).fill('SIGTERM')];
    for (let i = signals.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [signals[i], signals[j]] = [signals[j] as 'SIGKILL', signals[i] as 'SIGKILL'];
    }
    for (const [r, signal] of signals.entries()) {
      await sleep(between(options.trafficMs));
      if (r === 0) memory.serverRssBefore = server.rss();
      const before = [...attempts];
      const pendingAtKill = pending.size;
      const killedAt = performance.now();
      await server.kill(signal);
      await server.start();
      const upAt = performance.now();
      const back = () => readyAt.every((at, i) => at > killedAt && clients[i]?.ready);
      await waitFor(back, options.readyWaitMs, 'every client to be ready again').catch(() => {
        violate(`restart ${r + 1} (${signal}): ${clients.filter((client, i) => !((readyAt[i] as number) > killedAt && client.ready)).length} clients not ready within ${options.readyWaitMs} ms`);
      });
      const maxAttempts = Math.max(...attempts.map((n, i) => n - (before[i] as number)));
      if (maxAttempts > options.maxAttemptsPerRestart) violate(`restart ${r + 1}: a client made ${maxAttempts} connection attempts (bound ${options.maxAttemptsPerRestart})`);
      const record: DjangoRestart = { signal, downMs: upAt - killedAt, readyMs: back() ? Math.max(...readyAt) - killedAt : Number.POSITIVE_INFINITY, pendingAtKill, maxAttempts };
      restarts.push(record);
      options.log(`restart ${r + 1}/${signals.length} ${signal}: down ${Math.round(record.downMs)} ms, all ready after ${Math.round(record.readyMs)} ms, ${pendingAtKill} requests pending at the kill, max ${maxAttempts} attempts`);
    }

    running = false;
    const drained = await Promise.race([Promise.all(loops).then(() => true), sleep(options.requestTimeoutMs + PENDING_SLACK_MS).then(() => false)]);
    if (!drained) violate(`${pending.size} requests never settled after the traffic stopped`);
    const attemptsBefore = attempts.reduce((a, b) => a + b, 0);
    await sleep(QUIET_MS);
    const extra = attempts.reduce((a, b) => a + b, 0) - attemptsBefore;
    if (extra > 0) violate(`${extra} connection attempts while the server stayed up after the drill (a reconnect loop)`);
    memory.serverRssAfter = server.rss();
    if (memory.serverRssAfter > memory.serverRssBefore * SERVER_RSS_TOLERANCE) {
      violate(`server RSS ${(memory.serverRssAfter / 2 ** 20).toFixed(1)} MiB after the drill, ${(memory.serverRssBefore / 2 ** 20).toFixed(1)} MiB before`);
    }
    const sends = checkStoredSends(server.database, resolvedTexts, unresolvedTexts, violate);
    if (resolved === 0) violate('no request resolved at all');
    const resent = options.client === 'sdk' ? undefined : clients.reduce((sum, client) => sum + (client.resent ?? 0), 0);
    return { restarts, requests: { total, resolved, rejected, resent }, sends, memory, violations };
  } finally {
    running = false;
    clearInterval(watchdog);
    for (const client of clients) client.close();
    await server.stop();
  }
}

function rawClient(server: DjangoServer, token: string, requestTimeoutMs: number, onAttempt: () => void, onReady: () => void): DrillClient {
  const client = new KeyedClient({ wsUrl: server.wsUrl, origin: server.origin, token, requestTimeoutMs, onAttempt, onReady });
  return {
    get ready() {
      return client.state === 'ready';
    },
    get resent() {
      return client.resent;
    },
    request: (action, payload) => client.request(action, payload),
    close: () => client.close(),
  };
}

function sdkClient(server: DjangoServer, token: string, requestTimeoutMs: number, onAttempt: () => void, onReady: () => void): DrillClient {
  const client = chatClient(server, () => token, { requestTimeout: requestTimeoutMs, retry: { resetAfter: 1_000, maxDelay: 1_000 }, onAttempt });
  client.on('ready', onReady);
  return {
    get ready() {
      return client.state === 'ready';
    },
    resent: undefined,
    request: (action, payload) =>
      (action === 'chat.send' ? client.request('chat.send', payload as { room: string; text: string }) : client.request('chat.history', payload as { room: string })).catch((error: unknown) => {
        throw isPermsocketError(error) ? error : new Error(`untyped: ${String(error)}`);
      }),
    close: () => client.close(),
  };
}

/** Through the admin API: dave may read #random only (he keeps sending to #general). */
async function narrowDave(server: DjangoServer, adminToken: string): Promise<void> {
  const change = async (method: 'PUT' | 'DELETE', grant: string) => {
    const response = await fetch(`${server.httpUrl}/admin/users/dave/grants/${encodeURIComponent(grant)}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, Origin: server.origin },
    });
    if (response.status !== 204) throw new Error(`${method} dave's ${grant}: HTTP ${response.status}`);
  };
  await change('PUT', 'chat.view_message@room:random');
  await change('DELETE', 'chat.view_message');
}

/** Reads the messages back: no text twice, every resolved send once; counts lost-but-applied ones. */
function checkStoredSends(file: string, resolvedTexts: string[], unresolvedTexts: string[], violate: (message: string) => void): DjangoDrillReport['sends'] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.prepare('PRAGMA integrity_check').pluck().get();
    if (integrity !== 'ok') violate(`the database failed its integrity check: ${String(integrity)}`);
    const stored = new Map<string, number>();
    for (const text of db.prepare("SELECT text FROM chat_message WHERE text LIKE 'drill-%'").pluck().all() as string[]) {
      stored.set(text, (stored.get(text) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const [text, times] of stored) {
      if (times > 1) {
        duplicates++;
        violate(`"${text}" was applied ${times} times`);
      }
    }
    let resolvedButMissing = 0;
    for (const text of resolvedTexts) {
      if (!stored.has(text)) {
        resolvedButMissing++;
        violate(`"${text}" resolved but is not in the database`);
      }
    }
    const appliedThoughUnresolved = unresolvedTexts.filter((text) => stored.has(text)).length;
    return { resolved: resolvedTexts.length, unresolved: unresolvedTexts.length, appliedThoughUnresolved, duplicates, resolvedButMissing };
  } finally {
    db.close();
  }
}
