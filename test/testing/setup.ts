// Node 20 has no WebSocket for msw to intercept (jsdom, happy-dom and Node 22 have one): use ws's.
import { WebSocket } from 'ws';

globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;
