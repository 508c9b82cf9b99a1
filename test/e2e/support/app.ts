/** The demo app as a user drives it: sign in, pick a room, send, read the badge and the toasts. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** Signs in through the form and waits for the chat. */
export async function signIn(page: Page, user: string): Promise<void> {
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-pass`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-name').filter({ hasText: user }).waitFor();
  await connectionState(page, 'Connected');
}

/** Waits until the badge shows `words`. */
export async function connectionState(page: Page, words: string, timeout?: number): Promise<void> {
  await page.getByTestId('connection-state').filter({ hasText: new RegExp(`^${words}$`) }).waitFor(timeout === undefined ? {} : { timeout });
}

/** Opens a room's tab. */
export async function openRoom(page: Page, room: string): Promise<void> {
  await page.getByRole('tab', { name: room }).click();
  await page.getByRole('heading', { name: `#${room}` }).waitFor();
}

/** The composer's Send button (present only when the user may send in this room). */
export function sendButton(page: Page): Locator {
  return page.getByRole('button', { name: 'Send', exact: true });
}

/** Types a message and sends it. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await sendButton(page).click();
}

/** The delivered (not pending) messages whose text is `text`. */
export function messages(page: Page, text: string): Locator {
  return page.getByTestId('message').filter({ hasText: text });
}

/** The toasts containing `text`. */
export function toast(page: Page, text: string | RegExp): Locator {
  return page.getByRole('region', { name: 'Notifications' }).getByRole('alert').filter({ hasText: text });
}

/** Writes a full-page screenshot to test/e2e/artifacts/<name>.png for review. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}
