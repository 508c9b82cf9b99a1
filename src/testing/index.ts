/**
 * permsocket/testing: a fake permsocket server for UI tests, on msw's WebSocket API (`ws.link`),
 * the way msw users already mock HTTP. msw 2 is an optional peer dependency of permsocket: install
 * it to use this entry; the client never imports it.
 * @packageDocumentation
 */
export { permsocketServer } from './server';
export type {
  EventAudience,
  FakeConnection,
  FakeHandler,
  FakeHandlerContext,
  FakeHandlers,
  FakePermsocketServer,
  FakeTokenOptions,
  PermsocketServerOptions,
  SentRequest,
} from './types';
