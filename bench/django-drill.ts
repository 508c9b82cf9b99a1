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
import Database from 'better-sqlite3';
import { isPermsocketError } from '../src/index';
import { djangoServer, type DjangoServer } from './django-process';
import { narrowDave } from './drill-grants';
import type { DrillPace, DrillSize } from './drill-pace';
import { checkQuiet, Reconnects, runRestarts, type RestartRecord } from './drill-restarts';
import { checkStoredTexts, type StoredSends } from './drill-stored-sends';
import { drillTraffic, sdkDrillClient, type DrillClient } from './drill-traffic';
import { violationList } from './drill-violations';
import { KeyedClient } from './keyed-client';
import { chatClient, waitFor } from './sdk-clients';
import { freePort } from './server-process';
import { mib } from './stats';

/** The size and pace of a drill; what is left out of the pace is DJANGO_SOAK_PACE's. */
export interface DjangoDrillOptions extends DrillSize, Partial<DrillPace> {
  /** The bare-protocol KeyedClient or the SDK. */
  client: 'raw' | 'sdk';
}

/** The pace of `npm run soak:django`. */
export const DJANGO_SOAK_PACE: DrillPace = { requestTimeoutMs: 10_000, trafficMs: [1_000, 4_000], pauseMs: [50, 300], sendShare: 0.5, readyWaitMs: 30_000, maxAttemptsPerRestart: 20 };

/** One restart as it happened. */
export type DjangoRestart = RestartRecord;

/** What a drill found. */
export interface DjangoDrillReport {
  restarts: DjangoRestart[];
  requests: { total: number; resolved: number; rejected: Record<string, number>; resent: number | undefined };
  sends: StoredSends;
  memory: { serverRssBefore: number; serverRssAfter: number };
  violations: string[];
}

/** A drill client and what only the bare-protocol one counts. */
interface CountingClient extends DrillClient {
  /** Requests re-sent after a drop; undefined for the SDK, which does not count them. */
  readonly resent: number | undefined;
  close(): void;
}

const SERVER_RSS_TOLERANCE = 1.5;
const VIEWER_EVERY = 20;

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
  const pace = { ...DJANGO_SOAK_PACE, ...options };
  const { violations, violate } = violationList(options.log);
  const server = djangoServer(await freePort(), { ACCESS_TOKEN_TTL: '3600', LOGIN_RATE_LIMIT: 'off', RATE_LIMIT: 'off' });
  const clients: CountingClient[] = [];
  const reconnects = new Reconnects();
  const memory = { serverRssBefore: 0, serverRssAfter: 0 };
  const traffic = drillTraffic({
    ...pace,
    textPrefix: 'drill',
    violate,
    // With request keys every request must resolve: any rejection is a violation.
    nameRejection: (error, request) => {
      const name = error instanceof Error ? error.name : typeof error;
      violate(`client ${request.client}: ${request.action} rejected with ${name}: ${error instanceof Error ? error.message : String(error)}`);
      return name;
    },
  });

  try {
    await server.start();
    const tokens: Record<string, string> = {};
    for (const username of ['alice', 'dave', 'admin']) tokens[username] = await signIn(server, username);
    await narrowDave(server.httpUrl, tokens.admin as string, server.origin);
    for (let i = 0; i < options.clients; i++) {
      // Mostly dave (see drill-grants.ts): the load stays on requests, not on events.
      const token = tokens[i % VIEWER_EVERY === 0 ? 'alice' : 'dave'] as string;
      reconnects.add(i);
      const onAttempt = () => reconnects.attempted(i);
      const onReady = () => reconnects.ready(i);
      clients.push(options.client === 'sdk' ? sdkClient(server, token, pace.requestTimeoutMs, onAttempt, onReady) : rawClient(server, token, pace.requestTimeoutMs, onAttempt, onReady));
    }
    await waitFor(() => clients.every((client) => client.state === 'ready'), 60_000, 'every client to be ready');
    options.log(`${options.clients} ${options.client} clients ready; traffic starts`);
    traffic.start(clients);
    const { restarts, serverRssBefore } = await runRestarts(server, clients, reconnects, traffic, { ...pace, kills: options.kills, terms: options.terms, seed: options.seed, log: options.log, violate });
    memory.serverRssBefore = serverRssBefore;

    await traffic.stop();
    await checkQuiet(reconnects, violate);
    memory.serverRssAfter = server.rss();
    if (memory.serverRssAfter > memory.serverRssBefore * SERVER_RSS_TOLERANCE) {
      violate(`server RSS ${mib(memory.serverRssAfter)} after the drill, ${mib(memory.serverRssBefore)} before`);
    }
    const { total, resolved, rejected, resolvedTexts, unresolvedTexts } = traffic.tallies;
    const db = new Database(server.database, { readonly: true, fileMustExist: true });
    let sends: StoredSends;
    try {
      sends = checkStoredTexts(db, { table: 'chat_message', prefix: 'drill' }, resolvedTexts, unresolvedTexts, violate);
    } finally {
      db.close();
    }
    if (resolved === 0) violate('no request resolved at all');
    const resent = options.client === 'sdk' ? undefined : clients.reduce((sum, client) => sum + (client.resent ?? 0), 0);
    return { restarts, requests: { total, resolved, rejected, resent }, sends, memory, violations };
  } finally {
    traffic.dispose();
    for (const client of clients) client.close();
    await server.stop();
  }
}

function rawClient(server: DjangoServer, token: string, requestTimeoutMs: number, onAttempt: () => void, onReady: () => void): CountingClient {
  const client = new KeyedClient({ wsUrl: server.wsUrl, origin: server.origin, token, requestTimeoutMs, onAttempt, onReady });
  return {
    get state() {
      return client.state;
    },
    get resent() {
      return client.resent;
    },
    request: (action, payload) => client.request(action, payload),
    close: () => client.close(),
  };
}

function sdkClient(server: DjangoServer, token: string, requestTimeoutMs: number, onAttempt: () => void, onReady: () => void): CountingClient {
  const client = chatClient(server, () => token, { requestTimeout: requestTimeoutMs, retry: { resetAfter: 1_000, maxDelay: 1_000 }, onAttempt });
  client.on('ready', onReady);
  const drillClient = sdkDrillClient(client);
  return {
    get state() {
      return client.state;
    },
    resent: undefined,
    // An untyped rejection is named as such (the violation then says so).
    request: (action, payload) =>
      drillClient.request(action, payload).catch((error: unknown) => {
        throw isPermsocketError(error) ? error : new Error(`untyped: ${String(error)}`);
      }),
    close: () => client.close(),
  };
}
