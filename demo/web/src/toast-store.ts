/** A small store of toasts: pushed from anywhere, shown by <Toasts>, dismissed by hand or by time. */
import { createContext, useContext } from 'react';

/** `denied` for a refused request, `error` for failures, `info` for what went right. */
export type ToastKind = 'denied' | 'error' | 'info';

/** One toast; `count` grows when the same text is pushed again while it is shown. */
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  count: number;
}

/** The store's API. */
export interface ToastStore {
  push(kind: ToastKind, text: string): void;
  dismiss(id: number): void;
  subscribe(listener: () => void): () => void;
  /** The current toasts, a new array on every change. */
  list(): readonly Toast[];
}

/** How long a toast stays: a confirmation briefly, a refusal or an error long enough to read. */
export const LIFETIME_MS: Record<ToastKind, number> = { info: 3000, denied: 5000, error: 6000 };
/** At most this many at once: an older one gives way to a new one. */
export const MAX_SHOWN = 3;

/** Creates an empty toast store. */
export function createToastStore(): ToastStore {
  let toasts: readonly Toast[] = [];
  let nextId = 1;
  const listeners = new Set<() => void>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  const changed = () => listeners.forEach((listener) => listener());

  function dismiss(id: number) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    toasts = toasts.filter((toast) => toast.id !== id);
    changed();
  }

  function expireLater(id: number, kind: ToastKind) {
    clearTimeout(timers.get(id));
    timers.set(id, setTimeout(() => dismiss(id), LIFETIME_MS[kind]));
  }

  return {
    push(kind, text) {
      // A repeated failure (say, every reconnect attempt) bumps a counter instead of piling up.
      const same = toasts.find((toast) => toast.kind === kind && toast.text === text);
      if (same) {
        toasts = toasts.map((toast) => (toast === same ? { ...toast, count: toast.count + 1 } : toast));
        expireLater(same.id, kind);
      } else {
        const toast = { id: nextId++, kind, text, count: 1 };
        const dropped = toasts.slice(0, Math.max(0, toasts.length - MAX_SHOWN + 1));
        for (const old of dropped) {
          clearTimeout(timers.get(old.id));
          timers.delete(old.id);
        }
        toasts = [...toasts.slice(dropped.length), toast];
        expireLater(toast.id, kind);
      }
      changed();
    },
    dismiss,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    list: () => toasts,
  };
}

/** The app's toast store, provided once at the root. */
export const ToastContext = createContext<ToastStore | null>(null);

/** Returns the app's toast store. */
export function useToasts(): ToastStore {
  const store = useContext(ToastContext);
  if (!store) throw new Error('useToasts needs the <ToastContext.Provider> at the root');
  return store;
}
