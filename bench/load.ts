/** Load generators over any request function: a fixed count with N in flight, or one at a time. */
import { performance } from 'node:perf_hooks';
import { percentile } from './stats';

/** Sends one request and settles with its answer. */
export type Call = () => Promise<unknown>;

/**
 * Sends `total` requests keeping `inFlight` outstanding at every moment; resolves with requests
 * per second. A failed request fails the measurement: a benchmark of errors measures nothing.
 */
export async function throughput(call: Call, total: number, inFlight: number): Promise<number> {
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

/** Sends `count` requests one after another; resolves with the p50 and p99 latency in µs. */
export async function sequentialLatency(call: Call, count: number): Promise<{ p50: number; p99: number }> {
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const begin = performance.now();
    await call();
    samples[i] = (performance.now() - begin) * 1000;
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
