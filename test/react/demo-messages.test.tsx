/** The demo app's pure message helpers: history after a reconnect, draft checks and failure texts. */
import { describe, expect, it } from 'vitest';
import { ConnectionLostError, PermissionDeniedError, RequestError, TimeoutError } from 'permsocket';
import { MAX_TEXT_LENGTH } from '../../demo/contract';
import { applyHistory, deleteLeftItGone, draftProblem, sendFailureText, startTracking } from '../../demo/web/src/messages';

const message = (id: string, at: number) => ({ id, room: 'random', text: `m${id}`, user: 'alice', at });
const ids = (list: readonly { id: string }[]) => list.map((m) => m.id);

describe('a room’s history after a reconnect', () => {
  it('drops the newest message when it was deleted while the user was offline', () => {
    const shown = [message('1', 10), message('2', 20)];
    expect(ids(applyHistory(shown, [message('1', 10)], startTracking()))).toEqual(['1']);
  });

  it('shows an empty room when every message was deleted while the user was offline', () => {
    const shown = [message('1', 10), message('2', 20)];
    expect(applyHistory(shown, [], startTracking())).toEqual([]);
  });

  it('keeps a message that arrived live while the history request was in flight', () => {
    const since = startTracking();
    since.arrived.add('3');
    const shown = [message('1', 10), message('3', 30)];
    expect(ids(applyHistory(shown, [message('1', 10)], since))).toEqual(['1', '3']);
  });

  it('does not bring back a message deleted while the history request was in flight', () => {
    const since = startTracking();
    since.deleted.add('2');
    // The deletion event already took it off the screen; the answer was computed before it.
    const shown = [message('1', 10)];
    expect(ids(applyHistory(shown, [message('1', 10), message('2', 20)], since))).toEqual(['1']);
  });

  it('drops a message that arrived live and was deleted again while the request was in flight', () => {
    const since = startTracking();
    since.arrived.add('2');
    since.deleted.add('2');
    expect(ids(applyHistory([message('1', 10)], [message('1', 10), message('2', 20)], since))).toEqual(['1']);
  });
});

describe('the message box’s check', () => {
  it('accepts a message of exactly the limit, counting an emoji as one character', () => {
    const text = `${'a'.repeat(MAX_TEXT_LENGTH - 2)}😀😀`;
    expect(text.length).toBeGreaterThan(MAX_TEXT_LENGTH);
    expect(draftProblem(text)).toBeUndefined();
  });

  it('says how long a message is, the limit and how much to cut when it is too long', () => {
    expect(draftProblem(`${'a'.repeat(MAX_TEXT_LENGTH)}😀`)).toBe(
      `Message too long: ${MAX_TEXT_LENGTH + 1} characters, the limit is ${MAX_TEXT_LENGTH}. Shorten it by 1 to send.`,
    );
  });

  it('ignores the spaces around a message, as the send does', () => {
    expect(draftProblem(`  ${'a'.repeat(MAX_TEXT_LENGTH)}  `)).toBeUndefined();
  });
});

describe('what the user is told when a request fails', () => {
  it('says a message may not have been sent when the connection dropped, since the server may have stored it', () => {
    const text = sendFailureText('general', new ConnectionLostError('dropped'));
    expect(text).toBe('Message may not have been sent: the connection dropped before the server answered. Once reconnected, the history of #general shows whether it arrived.');
    expect(text).not.toMatch(/not sent/);
  });

  it('says a message may not have been sent when the answer timed out', () => {
    expect(sendFailureText('random', new TimeoutError('late'))).toMatch(/^Message may not have been sent: the server did not answer in time/);
  });

  it('says a message was not sent when the server refused it', () => {
    expect(sendFailureText('general', new RequestError('bad_request', 'too long', 'chat.send'))).toBe('Message not sent: too long');
  });

  it('treats a deletion answered not_found as done: the message is gone either way', () => {
    expect(deleteLeftItGone(new RequestError('not_found', 'no message "7"', 'chat.delete'))).toBe(true);
    expect(deleteLeftItGone(new RequestError('internal', 'oops', 'chat.delete'))).toBe(false);
    expect(deleteLeftItGone(new PermissionDeniedError({ action: 'chat.delete', permission: 'chat.delete_message', resource: 'room:general', source: 'server' }))).toBe(false);
    expect(deleteLeftItGone(new ConnectionLostError('dropped'))).toBe(false);
  });
});
