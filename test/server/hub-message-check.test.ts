/**
 * Which values read from a broker the hub takes as messages: anything else (another app's
 * traffic on the channel, an older node's format, a truncated write) is dropped, never handed to
 * the engine, and never throws while it is checked.
 */
import { describe, expect, it } from 'vitest';
import { isHubMessage } from '../../src/server/hub';

describe('the hub message check', () => {
  it.each([
    ['a perms push', { kind: 'perms', userId: '1' }],
    ['an event for everyone', { kind: 'event', name: 'system.notice', data: { text: 'hi' }, permission: null }],
    ['an event for a permission on a resource', { kind: 'event', name: 'note.added', data: null, permission: 'notes.view_note', resource: 'board:1' }],
    ['a disconnect', { kind: 'disconnect', userId: '1', code: 4403, reason: 'banned' }],
  ])('takes %s', (_, value) => {
    expect(isHubMessage(value)).toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'perms'],
    ['a number', 4403],
    ['an object with no kind', { userId: '1' }],
    ['an event with no name', { kind: 'event', data: null, permission: null }],
    ['an event whose name is a number', { kind: 'event', name: 7, data: null, permission: null }],
    ['an event with no permission field', { kind: 'event', name: 'system.notice', data: null }],
    ['a disconnect with no user', { kind: 'disconnect', code: 4403, reason: 'banned' }],
    ['a disconnect whose user is a number', { kind: 'disconnect', userId: 1, code: 4403, reason: 'banned' }],
    ['a disconnect with no reason', { kind: 'disconnect', userId: '1', code: 4403 }],
    ['a disconnect whose reason is not a string', { kind: 'disconnect', userId: '1', code: 4403, reason: { text: 'banned' } }],
    ['a disconnect with no code', { kind: 'disconnect', userId: '1', reason: 'banned' }],
  ])('drops %s without throwing', (_, value) => {
    expect(() => isHubMessage(value)).not.toThrow();
    expect(isHubMessage(value)).toBe(false);
  });
});
