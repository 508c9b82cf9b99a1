/**
 * The client's listeners: eventemitter3 carries the client's events and the contract's, and every
 * app listener runs isolated, so one that throws neither skips the others nor breaks the client.
 * @packageDocumentation
 */
import { EventEmitter } from 'eventemitter3';
import type { Contract, EventDataOf, EventName } from './contract';
import type { ClientOptions, InternalEvents } from './options';

type Listener = (...args: any[]) => void;

// eventemitter3 calls this with the app's listener as `this` (its context): removing a listener
// by (call, listener) finds exactly that app function, and its error is reported the way DOM
// events report theirs.
function call(this: Listener, ...args: unknown[]) {
  try {
    this(...args);
  } catch (error) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
    else
      setTimeout(() => {
        throw error;
      });
  }
}

const CLIENT_EVENTS = ['state', 'ready', 'permissions', 'permission-denied', 'auth-error', 'error', 'close'] as const;

/** Creates both emitters, with the listeners given in the options already added. */
export function createListeners<C extends Contract>(options: Pick<ClientOptions<C>, 'on' | 'onEvent'>) {
  const client = new EventEmitter<InternalEvents, Listener>();
  const contract = new EventEmitter<string, Listener>();
  for (const event of CLIENT_EVENTS) {
    const listener = options.on?.[event];
    if (listener) client.on(event, call, listener);
  }
  for (const [name, listener] of Object.entries(options.onEvent ?? {})) if (listener) contract.on(name, call, listener);

  const off = <K extends keyof InternalEvents>(event: K, listener: InternalEvents[K]) => void client.off(event, call, listener);
  return {
    emit_<K extends keyof InternalEvents>(event: K, ...args: EventEmitter.EventArgs<InternalEvents, K>) {
      client.emit(event, ...args);
    },
    on<K extends keyof InternalEvents>(event: K, listener: InternalEvents[K]) {
      client.on(event, call, listener);
      return () => off(event, listener);
    },
    once<K extends keyof InternalEvents>(event: K, listener: InternalEvents[K]) {
      client.once(event, call, listener);
      return () => off(event, listener);
    },
    off,
    /** Delivers a contract event (the client checked that the contract declares it). */
    emitEvent_(name: string, data: unknown) {
      contract.emit(name, data);
    },
    onEvent<E extends EventName<C>>(name: E, listener: (data: EventDataOf<C, E>) => void) {
      contract.on(name, call, listener);
      return () => void contract.off(name, call, listener);
    },
  };
}
