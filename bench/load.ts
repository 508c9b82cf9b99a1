/**
 * Load generators over any request function: a fixed count with N in flight, or one at a time.
 *
 * Every system under test gets its own copy of the loops ({@link createLoad}), compiled from the
 * source text below. V8 keeps type feedback per compiled function, and closures made from one
 * function literal share it: when one loop drove the raw ws client and the SDK in turn, the SDK's
 * requests took about twice the CPU they take with a loop of their own (medians 22-29 µs against
 * 14-21 µs per request, while the raw client's stayed at 12-16 µs; docs/benchmarks.md, issue 10
 * night), so the figure measured the harness's shared call site rather than the client.
 */
import { percentile } from './stats';

/** Sends one request and settles with its answer. */
export type Call = () => Promise<unknown>;

/** The load generators of one system. */
export interface Load {
  /**
   * Sends `total` requests keeping `inFlight` outstanding at every moment; resolves with requests
   * per second. A failed request fails the measurement: a benchmark of errors measures nothing.
   */
  throughput(call: Call, total: number, inFlight: number): Promise<number>;
  /** Sends `count` requests one after another; resolves with the p50 and p99 latency in µs. */
  sequentialLatency(call: Call, count: number): Promise<{ p50: number; p99: number }>;
}

// Plain JavaScript, so that what is compiled is exactly this text (no transpiler helpers).
const LOOPS = `
  async function throughput(call, total, inFlight) {
    let started = 0;
    const worker = async () => {
      while (started < total) {
        started++;
        await call();
      }
    };
    const begin = performance.now();
    await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
    return total / ((performance.now() - begin) / 1000);
  }
  async function latencies(call, count) {
    const samples = new Array(count);
    for (let i = 0; i < count; i++) {
      const begin = performance.now();
      await call();
      samples[i] = (performance.now() - begin) * 1000;
    }
    return samples;
  }
  return { throughput, latencies };
`;

type Loops = { throughput: Load['throughput']; latencies(call: Call, count: number): Promise<number[]> };

let copies = 0;

/** A fresh copy of the load loops, for one system only. */
export function createLoad(): Load {
  // The copy's number makes each source text unique: V8 caches compiled code by source text, and
  // copies of one text measured as if they shared one loop.
  const loops = new Function('performance', `${LOOPS}// copy ${++copies}\n`)(globalThis.performance) as Loops;
  return {
    throughput: loops.throughput,
    async sequentialLatency(call, count) {
      const samples = await loops.latencies(call, count);
      return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
    },
  };
}
