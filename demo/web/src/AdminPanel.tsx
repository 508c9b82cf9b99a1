/**
 * The superuser's panel: every user with their effective grants, and forms to grant or revoke a
 * grant, change group membership and deactivate or activate an account. Changes reach the
 * affected user's open windows at once as a `perms` push (or a 4403 on deactivation).
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ROOMS } from '../../contract';
import { createAdminApi, type AdminUser } from './admin-api';
import { Grant } from './Grant';
import type { Session } from './session';
import { useToasts } from './toast-store';

const GROUPS = ['viewer', 'moderator'] as const;
const PERMISSIONS = ['chat.view_message', 'chat.send_message', 'chat.delete_message'] as const;
const SUGGESTED = PERMISSIONS.flatMap((permission) => [permission, ...ROOMS.map((room) => `${permission}@room:${room}`)]);

/** The admin panel; rendered only for a superuser, calls the admin API with their token. */
export function AdminPanel({ session }: { session: Session }) {
  const api = useMemo(() => createAdminApi(session), [session]);
  const toasts = useToasts();
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [selected, setSelected] = useState('alice');
  const [grant, setGrant] = useState('chat.send_message');
  const [group, setGroup] = useState<string>(GROUPS[0]);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setUsers(await api.listUsers());
    } catch (error) {
      toasts.push('error', error instanceof Error ? error.message : String(error));
    }
  }, [api, toasts]);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function change(describe: string, run: () => Promise<void>) {
    setBusy(true);
    try {
      await run();
      toasts.push('info', describe);
    } catch (error) {
      toasts.push('error', error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
      await reload();
    }
  }

  const submitGrant = (granted: boolean) => (event: FormEvent) => {
    event.preventDefault();
    const value = grant.trim();
    if (!value) return;
    void change(granted ? `Granted ${value} to ${selected}` : `Revoked ${value} from ${selected}`, () => api.setGrant(selected, value, granted));
  };

  return (
    <section className="card admin" aria-labelledby="admin-title">
      <h2 id="admin-title">Users (admin)</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Groups</th>
              <th scope="col">Effective grants</th>
              <th scope="col">Account</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.name} className={user.active ? undefined : 'inactive'}>
                <th scope="row">
                  {user.name}
                  {user.superuser && <span className="tag">superuser</span>}
                  {!user.active && <span className="tag tag-off">inactive</span>}
                </th>
                <td>{user.groups.join(', ') || '—'}</td>
                <td className="grants" data-testid={`grants-${user.name}`}>
                  {user.grants.map((grant) => (
                    <Grant key={grant} grant={grant} />
                  ))}
                </td>
                <td>
                  <button
                    type="button"
                    className={user.active ? 'danger' : undefined}
                    disabled={busy || user.superuser}
                    aria-label={`${user.active ? 'Deactivate' : 'Activate'} ${user.name}`}
                    onClick={() =>
                      void change(`${user.active ? 'Deactivated' : 'Activated'} ${user.name}`, () => api.setActive(user.name, !user.active))
                    }
                  >
                    {user.active ? 'Deactivate' : 'Activate'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="admin-forms">
        <div className="admin-row">
          <label htmlFor="admin-user">User</label>
          <div className="admin-controls">
            <select id="admin-user" value={selected} onChange={(e) => setSelected(e.target.value)}>
              {users.map((user) => (
                <option key={user.name} value={user.name}>
                  {user.name}
                </option>
              ))}
            </select>
          </div>
        </div>

        <form className="admin-row" onSubmit={submitGrant(true)} aria-label="Direct grant">
          <label htmlFor="admin-grant">Permission</label>
          <div className="admin-controls">
            <input id="admin-grant" list="admin-grant-suggestions" value={grant} onChange={(e) => setGrant(e.target.value)} />
            <datalist id="admin-grant-suggestions">
              {SUGGESTED.map((value) => (
                <option key={value} value={value} />
              ))}
            </datalist>
            <button type="submit" disabled={busy}>
              Grant
            </button>
            <button type="button" className="danger" disabled={busy} onClick={submitGrant(false)}>
              Revoke
            </button>
          </div>
        </form>

        <form
          className="admin-row"
          aria-label="Group membership"
          onSubmit={(event) => {
            event.preventDefault();
            void change(`Added ${selected} to ${group}`, () => api.setGroup(selected, group, true));
          }}
        >
          <label htmlFor="admin-group">Group</label>
          <div className="admin-controls">
            <select id="admin-group" value={group} onChange={(e) => setGroup(e.target.value)}>
              {GROUPS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <button type="submit" disabled={busy}>
              Add to group
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void change(`Removed ${selected} from ${group}`, () => api.setGroup(selected, group, false))}
            >
              Remove from group
            </button>
          </div>
        </form>
      </div>
      <p className="hint">Revoking removes a direct grant; a grant that comes from a group stays until the group is removed.</p>
    </section>
  );
}
