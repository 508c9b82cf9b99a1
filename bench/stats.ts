/**
 * Small statistics over measured samples: medians across repeated runs, latency percentiles and
 * the busiest fixed-width window of a series of timestamps.
 */

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `p`-th percentile (0-100) by the nearest-rank method; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * The largest number of timestamps (ms) that fall in any window of `widthMs`, sliding over every
 * start point rather than fixed bins, so a burst split across a bin edge still counts in full.
 */
export function peakInWindow(timestamps: readonly number[], widthMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= widthMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/** A seeded PRNG (mulberry32): the soak drill's kill moments repeat for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A draw from [min, max) by `random`: the drill's pauses and traffic times. */
export function between([min, max]: readonly [number, number], random: () => number): number {
  return min + random() * (max - min);
}

/** Bytes as MiB with one decimal, the drills' memory figures. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
