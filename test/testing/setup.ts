// msw's ws.link only intercepts a global WebSocket, and Node 20 has none: provide the `ws` one.
import { WebSocket } from 'ws';

if (typeof globalThis.WebSocket === 'undefined') {
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
}
