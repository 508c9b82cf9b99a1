/**
 * A window's socket under a test's control, through a Playwright WebSocket route: cut it as a lost
 * network would, keep the page offline while others act, hold back or answer requests.
 */
import { expect } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';

/** The fields of a protocol frame the tests look at. */
export interface Frame {
  type: string;
  id?: string;
  action?: string;
  ok?: boolean;
  error?: { code: string };
}

/** One routed socket: the page's side and, once connected, the server's. */
export interface Connection {
  page: WebSocketRoute;
  server?: WebSocketRoute;
  /** Cut: nothing more goes either way. */
  dead: boolean;
}

/**
 * A window's line to the server, under the test's control. By default every frame is forwarded.
 * `cut()` drops the live socket as a network loss would (close 1006 in the page) and, until
 * `restore()`, holds new sockets unconnected, so the client stays offline however often it retries.
 */
export class Line {
  private offline = false;
  private readonly connections = new Set<Connection>();
  private readonly held: (() => void)[] = [];
  /** Request ids the page sent, by action. */
  private readonly actions = new Map<string, string>();
  /** Answers (res frames) the page was sent, by action, newest last. */
  readonly answers: { action: string; frame: Frame }[] = [];
  /** Called with each request the page sends; answering `true` keeps it from the server. */
  onRequest: ((frame: Frame, connection: Connection) => boolean | void) | undefined;
  /** When set, answers to this action are kept back until `release()`. */
  holdAnswersTo: string | undefined;
  private readonly heldAnswers: { connection: Connection; message: string | Buffer }[] = [];

  static async attach(page: Page): Promise<Line> {
    const line = new Line();
    await page.routeWebSocket(/\/ws$/, (ws) => line.route(ws));
    return line;
  }

  private route(ws: WebSocketRoute): void {
    const connection: Connection = { page: ws, dead: false };
    const early: (string | Buffer)[] = [];
    ws.onMessage((message) => (connection.server ? this.fromPage(connection, message) : early.push(message)));
    ws.onClose((code, reason) => {
      connection.dead = true;
      this.connections.delete(connection);
      void connection.server?.close({ code: code ?? 1000, reason: reason ?? '' });
    });
    const connect = () => {
      if (connection.dead) return;
      const server = ws.connectToServer();
      connection.server = server;
      server.onMessage((message) => this.fromServer(connection, message));
      server.onClose((code, reason) => {
        if (connection.dead) return;
        connection.dead = true;
        this.connections.delete(connection);
        void ws.close({ code: code ?? 1006, reason: reason ?? '' });
      });
      for (const message of early.splice(0)) this.fromPage(connection, message);
    };
    this.connections.add(connection);
    if (this.offline) this.held.push(connect);
    else connect();
  }

  private fromPage(connection: Connection, message: string | Buffer): void {
    if (connection.dead) return;
    const frame = JSON.parse(String(message)) as Frame;
    if (frame.type === 'req' && frame.id && frame.action) {
      this.actions.set(frame.id, frame.action);
      if (this.onRequest?.(frame, connection) === true) return;
    }
    if (!connection.dead) connection.server?.send(message);
  }

  private fromServer(connection: Connection, message: string | Buffer): void {
    if (connection.dead) return;
    const frame = JSON.parse(String(message)) as Frame;
    const action = frame.type === 'res' && frame.id ? this.actions.get(frame.id) : undefined;
    if (action !== undefined && action === this.holdAnswersTo) {
      this.heldAnswers.push({ connection, message });
      return;
    }
    if (action !== undefined) this.answers.push({ action, frame });
    connection.page.send(message);
  }

  /** Drops every open socket, as a lost network would: the request in flight gets no answer. */
  cut(options: { stayOffline?: boolean } = {}): void {
    this.offline = options.stayOffline ?? false;
    for (const connection of [...this.connections]) {
      connection.dead = true;
      this.connections.delete(connection);
      void connection.page.close({ code: 1006, reason: 'network lost (test)' });
      void connection.server?.close({ code: 1001, reason: 'network lost (test)' });
    }
  }

  /** Lets the held sockets (and every later one) through to the server. */
  restore(): void {
    this.offline = false;
    for (const connect of this.held.splice(0)) connect();
  }

  /** How many answers to `action` the page was sent so far. */
  answerCount(action: string): number {
    return this.answers.filter((answer) => answer.action === action).length;
  }

  /** Resolves once an answer to `action` is being held back. */
  async answerHeld(): Promise<void> {
    await expect.poll(() => this.heldAnswers.length, { timeout: 15_000 }).toBeGreaterThan(0);
  }

  /** Delivers the held-back answers and stops holding. */
  release(): void {
    this.holdAnswersTo = undefined;
    for (const { connection, message } of this.heldAnswers.splice(0)) {
      if (!connection.dead) connection.page.send(message);
    }
  }
}
