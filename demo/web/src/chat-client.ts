/** The app's one permsocket client, on the reference chat contract. */
import { createClient, type Client } from 'permsocket';
import { chatContract, type ChatContract } from '../../contract';
import type { Session } from './session';

declare global {
  interface Window {
    /** The app's client, for poking at it from the browser console. */
    permsocket: Client<ChatContract>;
  }
}

/** Creates the client (it connects at once: a reload signs in again through the cookie). */
export function createChatClient(session: Session): Client<ChatContract> {
  const client = createClient({
    // Same host as the page; the browser sends the page's Origin, which the server checks.
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    contract: chatContract,
    getToken: ({ reason }) => session.getToken(reason),
    // One socket, one token refresh and one permission set for all the app's tabs.
    shareAcrossTabs: true,
    // Which part this tab plays, in the console (and why it is alone, over plain http on a LAN).
    debug: (entry) => entry.kind === 'tabs' && console.info(`[permsocket] this tab: ${entry.role}${entry.reason ? ` (${entry.reason})` : ''}`),
  });
  // With the token from another tab, this page still had a session: a refusal later says it ended.
  client.on('ready', () => session.noteSession());
  window.permsocket = client;
  return client;
}
