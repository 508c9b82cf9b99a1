/**
 * A server as a child process on a fixed 127.0.0.1 port, so it can be killed (SIGKILL or SIGTERM)
 * and started again on the same port and data, and its memory read from /proc by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoRoot } from './machine';

/** How long a server may take to print its "listening on" line, unless its options say otherwise. */
const STARTUP_MS = 20_000;
/** How long a stop may take before the process is killed outright. */
const STOP_MS = 10_000;
/** How much of the child's output is kept for error messages. */
const KEEP_OUTPUT = 16_000;

/** Children still running; killed if this process exits first, so a timeout leaves no server behind. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Makes SIGINT and SIGTERM end this process through `exit`, so its server children die with it. */
export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

/** What to run and how. */
export interface ServerProcessOptions {
  /**
   * The program to run.
   * @default process.execPath (this Node)
   */
  command?: string;
  /** Its arguments, e.g. ['--import', 'tsx', 'demo/server/main.ts']. */
  args: string[];
  /** Extra environment (PORT is set from `port`). */
  env: Record<string, string>;
  port: number;
  /** Raise the child's open-file limit to its hard limit (for thousands of sockets). */
  raiseFileLimit?: boolean;
  /**
   * How long it may take to print "listening on", ms.
   * @default 20_000
   */
  startupMs?: number;
  /**
   * What error messages call it ("the ... did not start").
   * @default 'server'
   */
  name?: string;
}

/** A server child process that can be stopped and started again. */
export interface ServerProcess {
  readonly port: number;
  /** The running process's PID, or undefined while stopped. */
  readonly pid: number | undefined;
  /** Starts it and resolves once it printed "listening on". */
  start(): Promise<void>;
  /** Sends `signal` and resolves once the process exited (SIGKILL after STOP_MS). */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Resident memory of the running process in bytes (VmRSS from /proc). */
  rss(): number;
  /** The tail of what the process printed. */
  output(): string;
}

// One free-port probe for tests and benchmarks alike.
export { freePort } from '../test/conformance/helpers';

/** Reads VmRSS of a process from /proc, in bytes. */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for PID ${pid}`);
  return Number(match[1]) * 1024;
}

/** Creates (does not start) a server process. */
export function serverProcess(options: ServerProcessOptions): ServerProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const env = { ...process.env, HOST: '127.0.0.1', ...options.env, PORT: String(options.port) };
  const name = options.name ?? 'server';
  const startupMs = options.startupMs ?? STARTUP_MS;

  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
  };

  return {
    port: options.port,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start() {
      if (this.pid !== undefined) throw new Error(`the ${name} is already running`);
      const program = options.command ?? process.execPath;
      // `exec` keeps the PID: the program is the direct child, so signals and /proc reach it.
      const command = options.raiseFileLimit ? ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', program, ...options.args]] : [program, options.args];
      const started = spawn(command[0] as string, command[1] as string[], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      children.add(started);
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          children.delete(started);
          resolve();
        }),
      );
      const marker = `listening on http://127.0.0.1:${options.port}`;
      // Only this start's output is scanned, so the marker of an earlier start does not count; a
      // first Django start prints its migrations before the marker, hence a whole KEEP_OUTPUT.
      let seen = '';
      let listening = false;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${name} did not start within ${startupMs} ms:\n${output}`)), startupMs);
        const onData = (chunk: Buffer) => {
          keep(chunk);
          if (listening) return;
          seen = (seen + chunk.toString()).slice(-KEEP_OUTPUT);
          if (seen.includes(marker)) {
            listening = true;
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', onData);
        started.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`the ${name} exited (${code ?? signal}) while starting:\n${output}`));
        });
      });
    },
    async kill(signal) {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      running.kill(signal);
      const timer = setTimeout(() => running.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(timer);
    },
    rss() {
      const pid = this.pid;
      if (pid === undefined) throw new Error(`the ${name} is not running`);
      return rssOf(pid);
    },
    output: () => output,
  };
}
