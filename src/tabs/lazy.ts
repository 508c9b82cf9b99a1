/**
 * The `shareAcrossTabs` option's entry in the main bundle: a few lines that load the tabs module
 * only when the option is on, so a single-tab app pays nothing for it.
 * @packageDocumentation
 */
import type { Client } from '../api';
import type { Contract } from '../contract';
import type { ClientOptions, WebSocketConstructor } from '../options';
import type { TabShare } from './share';

/** Creates a client whose token and socket go through the tabs module once it has loaded. */
export function shareAcrossTabs<C extends Contract>(options: ClientOptions<C>, create: (options: ClientOptions<C>) => Client<C>): Client<C> {
  let tabs: TabShare;
  // Every connect attempt awaits getToken (beside the URL) before it makes a socket: by then the
  // module is loaded and knows whether this tab leads.
  const loading = import('./share').then((module) => (tabs = module.shareTabs(options, client)));
  const client = create({
    ...options,
    shareAcrossTabs: false,
    getToken: (context) => loading.then((share) => share.getToken_(context)),
    WebSocket: function (url: string, protocols?: string | string[]) {
      return tabs.socket_(url, protocols);
    } as unknown as WebSocketConstructor,
  });
  return client;
}
