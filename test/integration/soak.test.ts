/**
 * The fault drill of `npm run soak` (bench/soak-drill.ts), small enough for every test run:
 * 20 clients, the reference server killed twice with SIGKILL and stopped once with SIGTERM.
 */
import { describe, expect, it } from 'vitest';
import { runDrill } from '../../bench/soak-drill';

describe('the fault drill', () => {
  it('resolves every request, none applied twice, through two SIGKILL restarts and one SIGTERM restart', async () => {
    const report = await runDrill({
      clients: 20,
      kills: 2,
      terms: 1,
      seed: 7,
      // Shorter traffic between restarts, and a tighter bound on each, than `npm run soak`.
      trafficMs: [300, 1_000],
      requestTimeoutMs: 15_000,
      readyWaitMs: 15_000,
      log: () => {},
    });
    expect(report.violations).toEqual([]);
    expect(report.restarts.map((restart) => restart.signal).sort()).toEqual(['SIGKILL', 'SIGKILL', 'SIGTERM']);
    expect(report.requests.resolved).toBeGreaterThan(0);
    expect(report.requests.resolved).toBe(report.requests.total);
    expect(report.requests.lostConnection).toBe(0);
    expect(report.sends.duplicates).toBe(0);
    expect(report.sends.keyDuplicates).toBe(0);
    expect(report.sends.resolvedButMissing).toBe(0);
  }, 90_000);
});
