/**
 * A Client implementation with no network, for the few binding tests that need a client scripted
 * beyond what a server can make it do: count the listeners left on a client swapped out of the
 * provider, switch users in place. Every other React test runs a real client against
 * permsocket/testing (see kit.ts).
 */
import {
  checkAction,
  createPermissionSet,
  type Client,
  type ClientEvents,
  type ConnectionState,
  type PermissionSet,
  type UserInfo,
} from 'permsocket';
import { notesContract, type NotesContract } from './notes-contract';

// The same contract as the kit's tests, so the two kinds of test cannot drift apart.
const testContract = notesContract;
export type TestContract = NotesContract;

/** The fake, plus the knobs a test turns. */
export interface FakeClient extends Client<TestContract> {
  setState(state: ConnectionState): void;
  setGrants(version: number, grants: string[]): void;
  setExpiresAt(at: number | null): void;
  emitEvent(name: string, data: unknown): void;
  emitClientEvent<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void;
  /** Contract-event listeners currently attached, by event name. */
  eventListenerCount(name: string): number;
}

export function createFakeClient(grants: string[] = []): FakeClient {
  let state: ConnectionState = 'ready';
  let permissions: PermissionSet = createPermissionSet(1, grants);
  let expiresAt: number | null = null;
  const user: UserInfo | null = { id: '1', name: 'tester' };
  const changes = new Set<() => void>();
  const events = new Map<string, Set<(data: unknown) => void>>();
  const clientEvents = new Map<string, Set<(...args: unknown[]) => void>>();
  const changed = () => changes.forEach((listener) => listener());
  const listeners = <T>(map: Map<string, Set<T>>, name: string) => {
    let set = map.get(name);
    if (!set) map.set(name, (set = new Set()));
    return set;
  };

  return {
    get state() {
      return state;
    },
    get user() {
      return user;
    },
    get permissions() {
      return permissions;
    },
    get expiresAt() {
      return expiresAt;
    },
    contract: testContract,
    can(name, payload) {
      const definition = testContract.actions[name];
      if (payload === undefined) return definition.permission === null || permissions.can(definition.permission);
      return checkAction(definition, payload, permissions).allowed;
    },
    request: () => Promise.reject(new Error('the fake client sends nothing')),
    onEvent(name, listener) {
      const set = listeners(events, name);
      const wrapped = listener as (data: unknown) => void;
      set.add(wrapped);
      return () => void set.delete(wrapped);
    },
    on(name, listener) {
      const set = listeners(clientEvents, name);
      const wrapped = listener as (...args: unknown[]) => void;
      set.add(wrapped);
      return () => void set.delete(wrapped);
    },
    once(name, listener) {
      const set = listeners(clientEvents, name);
      const wrapped = (...args: unknown[]) => {
        set.delete(wrapped);
        (listener as (...args: unknown[]) => void)(...args);
      };
      set.add(wrapped);
      return () => void set.delete(wrapped);
    },
    off(name, listener) {
      clientEvents.get(name)?.delete(listener as (...args: unknown[]) => void);
    },
    ready: () => (state === 'ready' ? Promise.resolve() : Promise.reject(new Error(`the fake client is ${state}`))),
    [Symbol.dispose]: () => undefined,
    subscribe(listener) {
      changes.add(listener);
      return () => void changes.delete(listener);
    },
    connect: () => undefined,
    close: () => undefined,
    setState(next) {
      state = next;
      clientEvents.get('state')?.forEach((listener) => listener(next));
      changed();
    },
    setGrants(version, next) {
      permissions = createPermissionSet(version, next);
      changed();
    },
    setExpiresAt(at) {
      expiresAt = at;
      changed();
    },
    emitEvent(name, data) {
      events.get(name)?.forEach((listener) => listener(data));
    },
    emitClientEvent(name, ...args) {
      clientEvents.get(name)?.forEach((listener) => listener(...args));
    },
    eventListenerCount: (name) => events.get(name)?.size ?? 0,
  };
}
