/** Tells the user, in words, what a permission change pushed by the server changed for them. */
import { useRef, useState } from 'react';
import type { PermissionSet } from 'permsocket';
import { describePermissionChanges, type PermissionChange } from './permission-changes';
import { useClient, useClientEvent } from './permsocket';

/** The notices of the last change, until dismissed or replaced by the next one. */
export function PermissionNotices() {
  const client = useClient();
  // Mounted once signed in: the snapshot on screen now is the baseline, so signing in is no "change".
  const last = useRef<PermissionSet>(client.permissions);
  const [changes, setChanges] = useState<{ version: number; list: PermissionChange[] } | null>(null);

  useClientEvent('permissions', (next) => {
    const before = last.current;
    last.current = next;
    // Version -1 is "no snapshot" (signed out, or another user signing in): nothing to compare.
    if (before.version < 0 || next.version < 0) return;
    const list = describePermissionChanges(before, next);
    if (list.length) setChanges({ version: next.version, list });
  });

  if (!changes) return null;
  return (
    <section className="card perm-notices" aria-label="Permission changes" role="status" data-testid="permission-notices">
      <ul>
        {changes.list.map((change) => (
          <li key={change.text} className={`perm-notice perm-${change.kind}`}>
            {change.text}
          </li>
        ))}
      </ul>
      <span className="version">now v{changes.version}</span>
      <button type="button" className="toast-close" aria-label="Dismiss permission changes" onClick={() => setChanges(null)}>
        ×
      </button>
    </section>
  );
}
