/**
 * The demo app recovering from a dropped connection in Chromium: what was deleted meanwhile goes
 * away, a send or a delete cut off mid-flight is reported truthfully, and drafts are not lost.
 * Each window's socket runs through a Playwright WebSocket route, so a test can cut it, keep the
 * user offline while others act, and hold back one answer, all with the server still up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MAX_TEXT_LENGTH } from '../../demo/contract';
import type { TestServer } from '../conformance/server';
import { connectionState, messages, openRoom, sendButton, sendMessage, signIn, toast } from './support/app';
import { chromiumMissing, windowSet, type Window } from './support/browser';
import { Line } from './support/line';
import { startDemo } from './support/setup';
import { countMessages } from './support/sqlite';

const skip = chromiumMissing();

/** Lets the page run its pending tasks and render (two animation frames). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

describe.skipIf(skip !== undefined)('the demo app: recovering from a dropped connection', () => {
  let server: TestServer;
  const windows = windowSet();

  /** Opens a window whose socket runs through a {@link Line}, and signs `user` in. */
  async function open(user: string): Promise<{ window: Window; page: Page; line: Line }> {
    const window = await windows.open(server.httpUrl);
    const line = await Line.attach(window.page);
    // The page's first socket predates the route: reload so every socket goes through it.
    await window.page.reload();
    await signIn(window.page, user);
    return { window, page: window.page, line };
  }

  /** Keeps `user` offline while `act` runs, then lets them reconnect and waits until their room's history is reloaded and shown. */
  async function whileOffline(user: { page: Page; line: Line }, act: () => Promise<void>): Promise<void> {
    const histories = user.line.answerCount('chat.history');
    user.line.cut({ stayOffline: true });
    await connectionState(user.page, 'Reconnecting');
    await act();
    user.line.restore();
    await connectionState(user.page, 'Connected', 20_000);
    await expect.poll(() => user.line.answerCount('chat.history'), { timeout: 10_000 }).toBeGreaterThan(histories);
    await settle(user.page);
  }

  /** Waits until the page is connected again after a cut. */
  async function reconnected(page: Page): Promise<void> {
    await connectionState(page, 'Reconnecting');
    await connectionState(page, 'Connected', 20_000);
  }

  beforeAll(async () => {
    server = await startDemo();
  });

  afterAll(async () => {
    await windows.closeAll();
    await server?.stop();
  });

  it('removes for alice the messages carol deleted while alice was offline, even the newest one and even when the room is left empty', async () => {
    const alice = await open('alice');
    const carol = await open('carol');
    await Promise.all([openRoom(alice.page, 'random'), openRoom(carol.page, 'random')]);
    await sendMessage(alice.page, 'older');
    await messages(alice.page, 'older').waitFor();
    await sendMessage(alice.page, 'newest');
    await messages(carol.page, 'newest').waitFor();

    // Offline, alice misses the deletion of the newest message.
    await whileOffline(alice, async () => {
      await carol.page.getByRole('button', { name: 'Delete message from alice: newest' }).click();
      await messages(carol.page, 'newest').waitFor({ state: 'detached' });
    });
    expect(await messages(alice.page, 'newest').count()).toBe(0);
    expect(await messages(alice.page, 'older').count()).toBe(1);

    // And then of the last one: the room is empty.
    await whileOffline(alice, async () => {
      await carol.page.getByRole('button', { name: 'Delete message from alice: older' }).click();
      await carol.page.getByText('No messages yet.').waitFor();
    });
    expect(await alice.page.getByTestId('message').count()).toBe(0);
    await alice.page.getByText('No messages yet.').waitFor();
    expect(alice.window.pageErrors).toEqual([]);
  });

  it('keeps a message deleted while alice’s history was loading deleted when the history arrives', async () => {
    const alice = await open('alice');
    const carol = await open('carol');
    await sendMessage(carol.page, 'deleted during the reload');
    await messages(alice.page, 'deleted during the reload').waitFor();

    // Alice reconnects; her history request is answered, but the answer is held back.
    alice.line.holdAnswersTo = 'chat.history';
    alice.line.cut({ stayOffline: true });
    await connectionState(alice.page, 'Reconnecting');
    await sendMessage(carol.page, 'posted before the reload');
    await messages(carol.page, 'posted before the reload').waitFor();
    alice.line.restore();
    await alice.line.answerHeld();

    // The deletion reaches alice live, after the server computed the (held) answer.
    await carol.page.getByRole('button', { name: 'Delete message from carol: deleted during the reload' }).click();
    await messages(alice.page, 'deleted during the reload').waitFor({ state: 'detached' });
    alice.line.release();

    await messages(alice.page, 'posted before the reload').waitFor();
    expect(await messages(alice.page, 'deleted during the reload').count()).toBe(0);
  });

  it('sends alice\'s message once when the connection drops before the answer: re-sent with its key after reconnecting, shown once, no error', async () => {
    const alice = await open('alice');
    const text = 'sent just as the network went down';
    alice.line.onRequest = (frame) => {
      // The request reaches the server; the answer is lost with the connection.
      if (frame.action === 'chat.send') {
        alice.line.onRequest = undefined;
        queueMicrotask(() => alice.line.cut());
      }
    };
    await sendMessage(alice.page, text);

    await connectionState(alice.page, 'Connected', 20_000);
    // The server offers request keys: the client re-sends the send with the same key and the
    // server answers it with the first answer instead of storing it again.
    await expect.poll(() => alice.line.answers.filter(({ action, frame }) => action === 'chat.send' && frame.ok === true).length, { timeout: 15_000 }).toBe(1);
    await messages(alice.page, text).waitFor();
    await settle(alice.page);
    expect(await toast(alice.page, /Message (may not have been|not) sent/).count()).toBe(0);
    expect(await messages(alice.page, text).count()).toBe(1);
    expect(await countMessages(server.database, text)).toBe(1);
  });

  it('gives the text back in the message box when the server refuses a send', async () => {
    const alice = await open('alice');
    alice.line.onRequest = (frame, connection) => {
      if (frame.action !== 'chat.send') return false;
      alice.line.onRequest = undefined;
      // The send never reaches the server; the line answers for it with a failure.
      connection.page.send(JSON.stringify({ type: 'res', id: frame.id, ok: false, error: { code: 'internal', message: 'the database is locked' } }));
      return true;
    };
    await sendMessage(alice.page, 'refused by a busy server');
    await toast(alice.page, 'Message not sent: the database is locked').waitFor({ timeout: 5_000 });
    expect(await alice.page.getByLabel('Message', { exact: true }).inputValue()).toBe('refused by a busy server');
  });

  it('refuses a message longer than the limit before sending it, says by how much, and keeps the text', async () => {
    const alice = await open('alice');
    const sent: string[] = [];
    alice.line.onRequest = (frame) => {
      if (frame.action === 'chat.send') sent.push(frame.action);
    };
    const tooLong = `${'a'.repeat(MAX_TEXT_LENGTH - 1)}😀😀`;
    await alice.page.getByLabel('Message', { exact: true }).fill(tooLong);

    await alice.page
      .getByRole('alert')
      .filter({ hasText: `Message too long: ${MAX_TEXT_LENGTH + 1} characters, the limit is ${MAX_TEXT_LENGTH}. Shorten it by 1 to send.` })
      .waitFor({ timeout: 5_000 });
    expect(await sendButton(alice.page).isDisabled()).toBe(true);
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    await settle(alice.page);
    expect(sent).toEqual([]);
    expect(await alice.page.getByLabel('Message', { exact: true }).inputValue()).toBe(tooLong);

    // Exactly the limit, emoji counted as one character each: it goes through.
    const atLimit = `${'b'.repeat(MAX_TEXT_LENGTH - 2)}😀😀`;
    await sendMessage(alice.page, atLimit);
    await messages(alice.page, atLimit).waitFor();
    expect(await alice.page.getByRole('alert').filter({ hasText: 'Message too long' }).count()).toBe(0);
  });

  it('shows no reconnects after alice signs out and in again in the same tab', async () => {
    const alice = await open('alice');
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('0');
    await alice.page.getByRole('button', { name: 'Sign out' }).click();
    await alice.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn(alice.page, 'alice');
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('0');

    alice.line.cut();
    await reconnected(alice.page);
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('1');
  });

  it('shows a message carol deleted as gone, without an error, when her delete was answered after the connection dropped', async () => {
    const carol = await open('carol');
    const text = 'deleted just as the network went down';
    await sendMessage(carol.page, text);
    await messages(carol.page, text).waitFor();
    carol.line.onRequest = (frame) => {
      // The first delete reaches the server and deletes; its answer is lost with the connection.
      if (frame.action === 'chat.delete') {
        carol.line.onRequest = undefined;
        queueMicrotask(() => carol.line.cut());
      }
    };
    await carol.page.getByRole('button', { name: `Delete message from carol: ${text}` }).click();

    // The client re-sends the delete with its key after reconnecting; the server answers it with
    // the first delete's answer (a server without keys would run it again and answer not_found).
    await reconnected(carol.page);
    await expect
      .poll(() => carol.line.answers.filter(({ action, frame }) => action === 'chat.delete' && frame.ok === true).length, { timeout: 15_000 })
      .toBe(1);
    await settle(carol.page);
    expect(await toast(carol.page, /Message not deleted/).count()).toBe(0);
    await messages(carol.page, text).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await countMessages(server.database, text)).toBe(0);
  });
});
