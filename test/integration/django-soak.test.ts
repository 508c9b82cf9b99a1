/**
 * The Django fault drill (bench/django-drill.ts), small: 8 clients with request keys while daphne
 * is killed twice with SIGKILL. Every request resolves, none is rejected for the lost connection,
 * no chat.send is stored twice and every resolved one is stored. `npm run soak:django` is the
 * full size (40 clients, 5 SIGKILL + 1 SIGTERM).
 */
import { describe, expect, it } from 'vitest';
import { runDjangoDrill } from '../../bench/django-drill';
import { djangoUnavailable } from '../conformance/django-server';

const missing = djangoUnavailable();
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.warn(`\nSkipping the Django fault drill: ${missing}\n`);

describe.skipIf(missing !== null)('the Django fault drill', () => {
  it('resolves every request across SIGKILL restarts and applies no chat.send twice', async () => {
    const lines: string[] = [];
    const report = await runDjangoDrill({
      clients: 8,
      kills: 2,
      terms: 0,
      seed: 7,
      client: 'raw',
      // Shorter traffic between kills and busier clients than `npm run soak:django`.
      trafficMs: [800, 1_500],
      pauseMs: [20, 120],
      log: (line) => lines.push(line),
    });
    expect(report.violations, lines.join('\n')).toEqual([]);
    expect(report.requests.resolved).toBe(report.requests.total);
    expect(report.requests.rejected).toEqual({});
    expect(report.sends.duplicates).toBe(0);
    expect(report.restarts).toHaveLength(2);
  }, 180_000);
});
