/** Shows the toasts, newest last; refusals and errors are alerts, confirmations are statuses. */
import { useSyncExternalStore } from 'react';
import { useToasts } from './toast-store';

const LABELS = { denied: 'Permission', error: 'Error', info: 'Done' } as const;

/** The toast stack in the corner, announced politely to screen readers (refusals and errors as alerts). */
export function Toasts() {
  const store = useToasts();
  const toasts = useSyncExternalStore(store.subscribe, store.list);
  return (
    // Each toast is its own live element (status or alert), so the container is a plain region.
    <section className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`} role={toast.kind === 'info' ? 'status' : 'alert'}>
          <strong className="toast-kind">{LABELS[toast.kind]}</strong>
          <span className="toast-text">
            {toast.text}
            {toast.count > 1 ? ` (×${toast.count})` : ''}
          </span>
          <button type="button" className="toast-close" aria-label="Dismiss notification" onClick={() => store.dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
