/**
 * A log of the client's events for the developer panel: state changes, sign-ins, token refreshes
 * on the open socket, permission snapshots, refusals, errors and closes, newest first.
 */
import { useSyncExternalStore } from 'react';
import type { Client, ConnectionState } from 'permsocket';
import { describeDenial } from './denials';

/** One line of the log. */
export interface LogEntry {
  id: number;
  at: number;
  kind: 'state' | 'ready' | 'refresh' | 'perms' | 'denied' | 'auth-error' | 'error' | 'close';
  text: string;
}

/** The log of one client. */
export interface EventLog {
  subscribe(listener: () => void): () => void;
  entries(): readonly LogEntry[];
  clear(): void;
}

const KEEP = 60;
const logs = new WeakMap<object, EventLog>();

/** The log of `client`, listening from the first call on (made once, when the app first renders). */
export function eventLogOf(client: Client<any>): EventLog {
  const existing = logs.get(client);
  if (existing) return existing;
  let entries: readonly LogEntry[] = [];
  let next = 1;
  const listeners = new Set<() => void>();
  const add = (kind: LogEntry['kind'], text: string) => {
    entries = [{ id: next++, at: Date.now(), kind, text }, ...entries].slice(0, KEEP);
    listeners.forEach((listener) => listener());
  };

  add('state', client.state);
  client.on('state', (state) => add('state', state));
  client.on('ready', ({ user, permissions }) => add('ready', `signed in as ${user.name}, permissions v${permissions.version}`));
  client.on('permissions', (set) => add('perms', `v${set.version}: ${set.grants.join(', ') || 'no grants'}`));
  client.on('permission-denied', (denial) => add('denied', describeDenial(denial)));
  client.on('auth-error', (error) => add('auth-error', `${error.code}: ${error.message}`));
  client.on('error', (error) => add('error', `${error.code}: ${error.message}`));
  client.on('close', ({ code, reason }) => add('close', `${code}${reason ? ` ${reason}` : ''}`));
  // A refresh on the open socket is an auth.ok without a new connection: the expiry moves while
  // the state stays ready (a sign-in moves it too, but from another state).
  let state: ConnectionState = client.state;
  let expiresAt = client.expiresAt;
  client.subscribe(() => {
    if (state === 'ready' && client.state === 'ready' && client.expiresAt !== expiresAt && client.expiresAt !== null) {
      add('refresh', `token refreshed on the open socket, valid for ${Math.round((client.expiresAt - Date.now()) / 1000)} s`);
    }
    state = client.state;
    expiresAt = client.expiresAt;
  });

  const log: EventLog = {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    entries: () => entries,
    clear() {
      entries = [];
      listeners.forEach((listener) => listener());
    },
  };
  logs.set(client, log);
  return log;
}

/** The entries of a log; re-renders on every new one. */
export function useEventLog(log: EventLog): readonly LogEntry[] {
  return useSyncExternalStore(log.subscribe, log.entries, log.entries);
}
