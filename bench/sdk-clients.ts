/**
 * SDK clients for Node the way the README's FAQ shows it: `ws` with a subclass that sends the
 * app's Origin. The subclass also timestamps every construction, which is one connection attempt.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { ChatContract } from '../demo/contract';
import type { Client, ClientOptions } from '../src/index';
import { compiledEntry } from './compiled';

// Compiled, not through tsx (bench/compiled.ts says why): the SDK as an app's bundle runs it.
const { createClient, chatContract } = (await import(await compiledEntry('bench/sdk-entry.ts'))) as typeof import('./sdk-entry');

/** A WebSocket constructor for the SDK that sends `origin` and reports each attempt. */
export function originWebSocket(origin: string, onAttempt?: (at: number) => void) {
  return class OriginWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      onAttempt?.(performance.now());
      super(url, protocols, { origin, perMessageDeflate: false });
    }
  };
}

/** Where an SDK client connects. */
export interface Target {
  wsUrl: string;
  origin: string;
}

/** Creates a chat client against `target`; `extra` overrides or adds options. */
export function chatClient(
  target: Target,
  getToken: ClientOptions<ChatContract>['getToken'],
  extra: Partial<ClientOptions<ChatContract>> & { onAttempt?: (at: number) => void } = {},
): Client<ChatContract> {
  const { onAttempt, ...options } = extra;
  return createClient({
    url: target.wsUrl,
    contract: chatContract,
    getToken,
    WebSocket: originWebSocket(target.origin, onAttempt),
    ...options,
  });
}

/** Polls `condition` every 10 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
