import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeDenial } from '../../demo/web/src/denials';
import { formatLifetime } from '../../demo/web/src/lifetime';
import { applyHistory, mergeMessages } from '../../demo/web/src/messages';
import { createToastStore } from '../../demo/web/src/toast-store';

const message = (id: string, at: number) => ({ id, room: 'general', text: `m${id}`, user: 'alice', at });

describe('the demo app’s helpers', () => {
  it('says who refused a request and what it needed', () => {
    const base = { action: 'chat.send', permission: 'chat.send_message', resource: 'room:general' };
    expect(describeDenial({ ...base, source: 'server' })).toBe('Refused by the server: chat.send needs chat.send_message on room:general');
    expect(describeDenial({ ...base, source: 'local' })).toBe('Refused locally (never sent): chat.send needs chat.send_message on room:general');
  });

  it('shows a short token lifetime in tenths and a long one as m:ss', () => {
    expect(formatLifetime(2_449)).toBe('2.4 s');
    expect(formatLifetime(299_000)).toBe('4:59');
    expect(formatLifetime(0)).toBe('expired');
  });

  it('merges message lists by id, oldest first', () => {
    const merged = mergeMessages([message('2', 20), message('1', 10)], [message('2', 20), message('3', 30)]);
    expect(merged.map((m) => m.id)).toEqual(['1', '2', '3']);
  });

  it('lets a history answer drop messages deleted meanwhile but keep the ones that arrived live since the request', () => {
    const shown = [message('1', 10), message('2', 20), message('4', 40)];
    const history = [message('1', 10), message('3', 30)];
    const since = { arrived: new Set(['4']), deleted: new Set<string>() };
    expect(applyHistory(shown, history, since).map((m) => m.id)).toEqual(['1', '3', '4']);
  });
});

describe('the toast store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts a repeated toast instead of stacking it', () => {
    const store = createToastStore();
    store.push('error', 'offline');
    store.push('error', 'offline');
    expect(store.list()).toEqual([expect.objectContaining({ text: 'offline', count: 2 })]);
  });

  it('keeps at most three toasts and drops each after a while', () => {
    const store = createToastStore();
    for (let i = 0; i < 5; i++) store.push('info', `toast ${i}`);
    expect(store.list().map((toast) => toast.text)).toEqual(['toast 2', 'toast 3', 'toast 4']);
    vi.advanceTimersByTime(3_000);
    expect(store.list()).toEqual([]);
  });

  it('keeps a confirmation 3 s, a refusal 5 s and an error 6 s', () => {
    const store = createToastStore();
    store.push('info', 'done');
    store.push('denied', 'refused');
    store.push('error', 'failed');
    vi.advanceTimersByTime(3_000);
    expect(store.list().map((toast) => toast.kind)).toEqual(['denied', 'error']);
    vi.advanceTimersByTime(2_000);
    expect(store.list().map((toast) => toast.kind)).toEqual(['error']);
    vi.advanceTimersByTime(1_000);
    expect(store.list()).toEqual([]);
  });
});
