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
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import type { ChatContract } from '../demo/contract';
import { isPermsocketError, type Client } from '../src/index';
import { narrowDave } from './drill-grants';
import type { DrillPace, DrillSize } from './drill-pace';
import { checkQuiet, Reconnects, runRestarts, type RestartRecord } from './drill-restarts';
import { checkStoredTexts, type StoredSends } from './drill-stored-sends';
import { drillTraffic, sdkDrillClient } from './drill-traffic';
import { violationList } from './drill-violations';
import { startReferenceServer } from './reference-server';
import { chatClient, waitFor } from './sdk-clients';
import { freePort } from './server-process';
import { mib } from './stats';

export type { RestartRecord } from './drill-restarts';

/** The size and pace of a drill; what is left out of the pace is SOAK_PACE's. */
export interface DrillOptions extends DrillSize, Partial<DrillPace> {
  /**
   * Whether every request must resolve (request keys on): any rejection is then a violation.
   * @default true
   */
  everyResolved?: boolean;
}

/**
 * The pace of `npm run soak`. Requests time out as late as a restart may take (readyWaitMs): on a
 * busy machine a restart and the backoff after it took up to 10 s, and a request must outlive one.
 */
export const SOAK_PACE: DrillPace = { requestTimeoutMs: 30_000, trafficMs: [300, 2_500], pauseMs: [20, 200], sendShare: 0.5, readyWaitMs: 30_000, maxAttemptsPerRestart: 10 };

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
  sends: StoredSends & {
    /** Request keys stored more than once for one user. */
    keyDuplicates: number;
    /** Messages stored with a request key (every send the SDK made to a server with keys). */
    keyed: number;
  };
  memory: { serverRssBefore: number; serverRssAfter: number; clientHeapBefore: number; clientHeapAfter: number };
  /** Every broken promise, in words; empty when the drill passed. */
  violations: string[];
}

/** Server memory after the drill may exceed the level before it by this factor. */
const SERVER_RSS_TOLERANCE = 1.25;
/** Client heap growth allowed over the drill (after a full GC), bytes. */
const CLIENT_HEAP_TOLERANCE = 16 * 2 ** 20;

/** One client in this many is a viewer of #general (alice) and receives every send as an event. */
const VIEWER_EVERY = 50;

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
  const pace = { ...SOAK_PACE, ...options };
  const { violations, violate } = violationList(options.log);
  const server = await startReferenceServer({ port: await freePort(), raiseFileLimit: true });
  const clients: Client<ChatContract>[] = [];
  const reconnects = new Reconnects();
  const memory = { serverRssBefore: 0, serverRssAfter: 0, clientHeapBefore: 0, clientHeapAfter: 0 };
  const traffic = drillTraffic({
    ...pace,
    textPrefix: 'soak',
    violate,
    nameRejection: (error, request) => {
      if (isPermsocketError(error)) return error.name;
      violate(`client ${request.client}: ${request.action} rejected with an untyped error: ${String(error)}`);
      return `untyped ${error instanceof Error ? error.name : typeof error}`;
    },
  });

  try {
    await narrowDave(server.httpUrl, await server.token('admin', 600));
    for (let i = 0; i < options.clients; i++) {
      // Mostly dave (see drill-grants.ts): the load stays on requests, not on events.
      const user = i % VIEWER_EVERY === 0 ? 'alice' : 'dave';
      const client = chatClient(server, () => server.token(user, 3600), {
        requestTimeout: pace.requestTimeoutMs,
        // Restarts come every few seconds: reset the backoff after 1 s of calm and cap it at 5 s, so
        // a drill of 20 restarts takes minutes (the default 10 s / 30 s would stretch each one).
        retry: { resetAfter: 1_000, maxDelay: 5_000 },
        onAttempt: () => reconnects.attempted(i),
      });
      reconnects.add(i);
      client.on('ready', () => reconnects.ready(i));
      clients.push(client);
    }
    await waitFor(() => clients.every((client) => client.state === 'ready'), 60_000, 'every client to be ready');
    memory.clientHeapBefore = heapUsed();
    options.log(`${options.clients} clients ready; traffic starts`);
    const drillClients = clients.map(sdkDrillClient);
    traffic.start(drillClients);
    const { restarts, serverRssBefore } = await runRestarts(server.process, drillClients, reconnects, traffic, { ...pace, kills: options.kills, terms: options.terms, seed: options.seed, log: options.log, violate });
    memory.serverRssBefore = serverRssBefore;

    await traffic.stop();
    await checkQuiet(reconnects, violate);
    const notReady = clients.filter((client) => client.state !== 'ready').length;
    if (notReady > 0) violate(`${notReady} clients not ready after the drill`);

    memory.serverRssAfter = server.process.rss();
    memory.clientHeapAfter = heapUsed();
    if (memory.serverRssAfter > memory.serverRssBefore * SERVER_RSS_TOLERANCE) {
      violate(`server RSS ${mib(memory.serverRssAfter)} after the drill, ${mib(memory.serverRssBefore)} before (allowed x${SERVER_RSS_TOLERANCE})`);
    }
    const { total, resolved, rejected, acrossRestart, resolvedTexts, unresolvedTexts } = traffic.tallies;
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
    traffic.dispose();
    for (const client of clients) client.close();
    await server.stop();
  }
}

/** The shared read-back, plus the request keys the Node server stores with each message. */
function checkStoredSends(file: string, resolvedTexts: string[], unresolvedTexts: string[], violate: (message: string) => void): DrillReport['sends'] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const sends = checkStoredTexts(db, { table: 'messages', prefix: 'soak' }, resolvedTexts, unresolvedTexts, violate);
    const keyDuplicates = db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE request_key IS NOT NULL GROUP BY user, request_key HAVING COUNT(*) > 1)').pluck().get() as number;
    if (keyDuplicates > 0) violate(`${keyDuplicates} request keys were stored more than once`);
    const keyed = db.prepare("SELECT COUNT(*) FROM messages WHERE text LIKE 'soak-%' AND request_key IS NOT NULL").pluck().get() as number;
    if (keyed !== sends.stored) violate(`${sends.stored - keyed} of ${sends.stored} stored sends carry no request key`);
    return { ...sends, keyDuplicates, keyed };
  } finally {
    db.close();
  }
}
