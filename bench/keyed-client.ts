/**
 * A small client on the bare wire protocol (PROTOCOL.md) that does what "Request keys" asks of a
 * client: every request carries a key; when the server lists "keys" in `auth.ok.features`, a
 * request in flight at a drop is re-sent once after the next `auth.ok`, with the same key and a
 * new id, within its timeout. Without keys it rejects them with ConnectionLostError, as the SDK
 * does for a non-idempotent action. It reconnects with a capped, jittered backoff and queues
 * requests made while it is down. The Django fault drill (bench/django-drill.ts) uses it where
 * the SDK cannot yet re-send with keys.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

/** A settled request's failure, named like the SDK's errors so the drill counts both alike. */
export class DrillRequestError extends Error {
  constructor(
    override readonly name: 'ConnectionLostError' | 'TimeoutError' | 'RequestError',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Where and as whom the client connects. */
export interface KeyedClientOptions {
  wsUrl: string;
  origin: string;
  token: string;
  requestTimeoutMs: number;
  /** Backoff between attempts: the first waits `minDelayMs`, each next one twice as long, capped. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Each connection attempt. */
  onAttempt?: () => void;
  /** Each `auth.ok`. */
  onReady?: () => void;
}

interface Pending {
  action: string;
  payload: unknown;
  key: string;
  id: string | undefined;
  resent: boolean;
  timer: NodeJS.Timeout;
  resolve: (data: unknown) => void;
  reject: (error: DrillRequestError) => void;
}

/** One connection that keeps coming back, with keyed requests. */
export class KeyedClient {
  /** 'ready' after `auth.ok` until the socket drops. */
  state: 'connecting' | 'ready' | 'closed' = 'connecting';
  /** What the server's last `auth.ok` listed. */
  features: string[] = [];
  /** Requests re-sent after a drop. */
  resent = 0;
  private socket: WebSocket | undefined;
  private readonly inFlight = new Map<string, Pending>();
  private waiting: Pending[] = [];
  private ids = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly prefix = randomBytes(6).toString('hex');

  constructor(private readonly options: KeyedClientOptions) {
    this.connect();
  }

  /** Sends `action` (queued while down); resolves with `res.data`, rejects with a DrillRequestError. */
  request(action: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        action,
        payload,
        key: `${this.prefix}-${++this.ids}`,
        id: undefined,
        resent: false,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.forget(pending);
          reject(new DrillRequestError('TimeoutError', `${action} not answered within ${this.options.requestTimeoutMs} ms`));
        }, this.options.requestTimeoutMs),
      };
      if (this.state === 'ready') this.send(pending);
      else this.waiting.push(pending);
    });
  }

  /** Closes for good; pending requests are left to their timeouts. */
  close(): void {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.socket?.close(1000);
    for (const pending of [...this.inFlight.values(), ...this.waiting]) clearTimeout(pending.timer);
  }

  private forget(pending: Pending): void {
    if (pending.id !== undefined) this.inFlight.delete(pending.id);
    this.waiting = this.waiting.filter((other) => other !== pending);
  }

  private send(pending: Pending): void {
    pending.id = `${this.prefix}-r${++this.ids}`;
    this.inFlight.set(pending.id, pending);
    this.socket?.send(JSON.stringify({ type: 'req', id: pending.id, action: pending.action, payload: pending.payload, key: pending.key }));
  }

  private connect(): void {
    if (this.state === 'closed') return;
    this.options.onAttempt?.();
    const socket = new WebSocket(this.options.wsUrl, ['permsocket.v1'], { origin: this.options.origin, perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: this.options.token })));
    socket.on('message', (data) => this.onFrame(String(data)));
    // A refused or reset connection is followed by `close`, which reconnects.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose(socket));
  }

  private onFrame(text: string): void {
    let frame: { type?: string; id?: string; ok?: boolean; data?: unknown; error?: { code?: string; message?: string }; features?: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    if (frame.type === 'auth.ok') {
      const first = this.state !== 'ready';
      this.state = 'ready';
      this.failures = 0;
      this.features = Array.isArray(frame.features) ? frame.features.filter((name): name is string => typeof name === 'string') : [];
      if (first) {
        const queued = this.waiting;
        this.waiting = [];
        for (const pending of queued) this.send(pending);
        this.options.onReady?.();
      }
    } else if (frame.type === 'res' && typeof frame.id === 'string') {
      const pending = this.inFlight.get(frame.id);
      if (!pending) return;
      this.inFlight.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.data);
      else pending.reject(new DrillRequestError('RequestError', frame.error?.message ?? 'refused', frame.error?.code));
    }
  }

  private onClose(socket: WebSocket): void {
    if (socket !== this.socket || this.state === 'closed') return;
    const keys = this.features.includes('keys');
    this.state = 'connecting';
    const dropped = [...this.inFlight.values()];
    this.inFlight.clear();
    const again: Pending[] = [];
    for (const pending of dropped) {
      pending.id = undefined;
      if (keys && !pending.resent) {
        pending.resent = true;
        this.resent++;
        again.push(pending);
      } else {
        clearTimeout(pending.timer);
        const why = keys ? 'it had been re-sent once already' : 'the server has no request keys';
        pending.reject(new DrillRequestError('ConnectionLostError', `the connection dropped before "${pending.action}" was answered; not re-sent because ${why}`));
      }
    }
    // Re-sent first, in their order, after the next auth.ok; then what was queued meanwhile.
    this.waiting = [...again, ...this.waiting];
    const min = this.options.minDelayMs ?? 100;
    const max = this.options.maxDelayMs ?? 1_000;
    const delay = Math.min(max, min * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => this.connect(), delay / 2 + Math.random() * (delay / 2));
  }
}
