/** The demo's words for a permission change, and for a message that never left the tab. */
import { describe, expect, it } from 'vitest';
import { ConnectionLostError, TimeoutError, createPermissionSet } from 'permsocket';
import { describePermissionChanges } from '../../demo/web/src/permission-changes';
import { neverSent, sendFailureText, unsentText } from '../../demo/web/src/messages';

const set = (version: number, grants: string[]) => createPermissionSet(version, grants);

describe('the words for a permission change', () => {
  it('says alice can no longer post anywhere when chat.send_message is revoked', () => {
    expect(describePermissionChanges(set(1, ['chat.view_message', 'chat.send_message']), set(2, ['chat.view_message']))).toEqual([
      { kind: 'lost', text: 'You can no longer post in #general and #random.' },
    ]);
  });

  it('says what came back, room by room, for a scoped grant', () => {
    expect(describePermissionChanges(set(2, ['chat.view_message']), set(3, ['chat.view_message', 'chat.send_message@room:general']))).toEqual([
      { kind: 'gained', text: 'You can now post in #general.' },
    ]);
  });

  it('puts losses before gains, and names reading and deleting too', () => {
    expect(describePermissionChanges(set(1, ['chat.view_message']), set(2, ['chat.delete_message@room:random']))).toEqual([
      { kind: 'lost', text: 'You can no longer read in #general and #random.' },
      { kind: 'gained', text: 'You can now delete messages in #random.' },
    ]);
  });

  it('says nothing when a new version changes nothing the page offers', () => {
    expect(describePermissionChanges(set(1, ['*']), set(2, ['*', 'chat.view_message']))).toEqual([]);
  });
});

describe('a send that failed in an outage', () => {
  it('is "never sent" only when the error says the frame did not leave the tab', () => {
    expect(neverSent(new TimeoutError('late', { action: 'chat.send', sent: false }))).toBe(true);
    expect(neverSent(new ConnectionLostError('closed', { action: 'chat.send', sent: false }))).toBe(true);
    expect(neverSent(new ConnectionLostError('dropped', { action: 'chat.send', sent: true }))).toBe(false);
    expect(neverSent(new Error('other'))).toBe(false);
  });

  it('says it was not sent and why, for the list item with "Send again"', () => {
    expect(unsentText(new TimeoutError('late', { action: 'chat.send', sent: false }))).toBe('Not sent: there was no connection in time, so it never left this tab.');
    expect(unsentText(new ConnectionLostError('closed', { action: 'chat.send', sent: false }))).toBe('Not sent: the connection was lost, so it never left this tab.');
  });

  it('keeps "may not have been sent" for one that left the tab', () => {
    expect(sendFailureText('general', new ConnectionLostError('dropped', { action: 'chat.send', sent: true }))).toMatch(/^Message may not have been sent/);
  });
});
