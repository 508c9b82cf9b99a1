/**
 * The fault drills' client loop and its tallies, shared by the Node drill (bench/soak-drill.ts)
 * and the Django drill (bench/django-drill.ts): each client sends `chat.send` (a unique text) or
 * `chat.history` without pause but a short seeded one, every request is tracked until it settles,
 * and one still pending well past its timeout is reported as a promise the client broke.
 */
import { performance } from 'node:perf_hooks';
import type { ChatContract } from '../demo/contract';
import type { Client } from '../src/index';
import type { DrillPace, DrillSize } from './drill-pace';
import { sleep } from './sdk-clients';
import { between, seededRandom } from './stats';

/** Slack beyond a request's timeout before a still-pending request counts as stuck. */
export const PENDING_SLACK_MS = 2_000;

/** The common face of the SDK and the bare-protocol KeyedClient. */
export interface DrillClient {
  /** 'ready' while it can send. */
  readonly state: string;
  request(action: 'chat.send' | 'chat.history', payload: { room: string; text?: string }): Promise<unknown>;
}

/** A request from its call until it settles. */
export interface Tracked {
  client: number;
  action: 'chat.send' | 'chat.history';
  text: string | undefined;
  startedAt: number;
  settled: number;
}

/** What the traffic needs to know. */
export interface TrafficOptions extends Pick<DrillPace, 'requestTimeoutMs' | 'pauseMs' | 'sendShare'>, Pick<DrillSize, 'seed'> {
  /** Starts every chat.send text; the drill reads its sends back from the database by it. */
  textPrefix: string;
  /** The name a rejection is counted under; reports it with `violate` where it is a violation. */
  nameRejection: (error: unknown, request: Tracked) => string;
  violate: (message: string) => void;
}

/** The counts, as they stand. */
export interface Tallies {
  total: number;
  resolved: number;
  rejected: Record<string, number>;
  /** Made before a restart and resolved after it: carried across the drop (re-sent, or queued). */
  acrossRestart: number;
  resolvedTexts: string[];
  unresolvedTexts: string[];
}

/** The running traffic. */
export interface Traffic {
  readonly tallies: Tallies;
  /** Requests in flight or queued now. */
  pending(): number;
  /** Marks a kill: a request made before it that resolves later counts as carried across. */
  killed(at: number): void;
  /** Starts one loop per client. */
  start(clients: readonly DrillClient[]): void;
  /** Ends the loops; a violation when they do not settle within a request's timeout plus slack. */
  stop(): Promise<void>;
  /** Ends the loops and the stuck-request watchdog at once (for `finally`). */
  dispose(): void;
}

/** The SDK client as a DrillClient. */
export function sdkDrillClient(client: Client<ChatContract>): DrillClient {
  return {
    get state() {
      return client.state;
    },
    request: (action, payload) => (action === 'chat.send' ? client.request('chat.send', { room: payload.room, text: payload.text as string }) : client.request('chat.history', { room: payload.room })),
  };
}

/** Prepares the traffic (and its watchdog, which runs from now on). */
export function drillTraffic(options: TrafficOptions): Traffic {
  const { violate } = options;
  const pending = new Set<Tracked>();
  const loops: Promise<void>[] = [];
  const tallies: Tallies = { total: 0, resolved: 0, rejected: {}, acrossRestart: 0, resolvedTexts: [], unresolvedTexts: [] };
  let lastKillAt = Number.NEGATIVE_INFINITY;
  let running = true;

  const settle = (request: Tracked, error?: unknown) => {
    request.settled++;
    if (request.settled > 1) violate(`request of client ${request.client} (${request.action}) settled ${request.settled} times`);
    pending.delete(request);
    if (error === undefined) {
      tallies.resolved++;
      if (request.startedAt < lastKillAt) tallies.acrossRestart++;
      if (request.text !== undefined) tallies.resolvedTexts.push(request.text);
      return;
    }
    const name = options.nameRejection(error, request);
    tallies.rejected[name] = (tallies.rejected[name] ?? 0) + 1;
    if (request.text !== undefined) tallies.unresolvedTexts.push(request.text);
  };

  const loop = async (index: number, client: DrillClient) => {
    // Each client's own generator: its mix of requests does not depend on the others' timing.
    const rng = seededRandom(options.seed * 1_000_003 + index);
    let sequence = 0;
    while (running) {
      const send = rng() < options.sendShare;
      const text = send ? `${options.textPrefix}-${options.seed}-${index}-${sequence++}` : undefined;
      const request: Tracked = { client: index, action: send ? 'chat.send' : 'chat.history', text, startedAt: performance.now(), settled: 0 };
      pending.add(request);
      tallies.total++;
      const promise = send ? client.request('chat.send', { room: 'general', text: text as string }) : client.request('chat.history', { room: 'random' });
      await promise.then(
        () => settle(request),
        (error: unknown) => settle(request, error),
      );
      await sleep(between(options.pauseMs, rng));
    }
  };

  // A request still pending well past its timeout is a promise the client broke.
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

  return {
    tallies,
    pending: () => pending.size,
    killed: (at) => (lastKillAt = at),
    start: (clients) => clients.forEach((client, i) => loops.push(loop(i, client))),
    async stop() {
      running = false;
      const drained = await Promise.race([Promise.all(loops).then(() => true), sleep(options.requestTimeoutMs + PENDING_SLACK_MS).then(() => false)]);
      if (!drained) violate(`${pending.size} requests never settled after the traffic stopped`);
    },
    dispose() {
      running = false;
      clearInterval(watchdog);
    },
  };
}
