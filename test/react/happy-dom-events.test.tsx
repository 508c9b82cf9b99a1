/**
 * happy-dom's EventTarget also calls partysocket's on* handlers for the clones partysocket
 * dispatches on itself: the client must still see each open, frame and close once there.
 */
import { describe, expect, it, vi } from 'vitest';
import { createClient, type DebugEntry } from 'permsocket';
import { useNotesServer, notesContract } from './kit';

const { fake } = useNotesServer();

describe('the client under happy-dom', () => {
  it('handles each open, frame and close once, so it signs in and reconnects', async () => {
    const log: DebugEntry[] = [];
    const closes: number[] = [];
    const client = createClient({
      url: 'wss://notes.test/ws',
      contract: notesContract,
      getToken: () => fake.token(),
      ping: { interval: 0 },
      debug: (entry) => log.push(entry),
      on: { close: ({ code }) => closes.push(code) },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('ready');
    expect(log.filter((entry) => entry.kind === 'frame')).toEqual([
      { kind: 'frame', direction: 'out', type: 'auth' },
      { kind: 'frame', direction: 'in', type: 'auth.ok' },
    ]);
    fake.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(closes).toEqual([1006]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(client.state).toBe('ready');
    expect(fake.connections).toHaveLength(2);
    client.close();
  });
});
