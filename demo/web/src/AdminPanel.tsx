/**
 * The superuser's panel: every user with their effective grants, and forms to grant or revoke a
 * grant, change group membership and deactivate or activate an account. Changes reach the
 * affected user's open windows at once as a `perms` push (or a 4403 on deactivation).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { can } from 'permsocket';
import { ROOMS } from '../../contract';
import { createAdminApi, type AdminUser } from './admin-api';
import { Grant } from './Grant';
import type { Session } from './session';
import { useToasts } from './toast-store';

const GROUPS = ['viewer', 'moderator'] as const;
const PERMISSIONS = ['chat.view_message', 'chat.send_message', 'chat.delete_message'] as const;
const SUGGESTED = PERMISSIONS.flatMap((permission) => [permission, ...ROOMS.map((room) => `${permission}@room:${room}`)]);

/** While the window is visible the list is reloaded this often, so another admin's changes show. */
export const ADMIN_RELOAD_MS = 5000;

/**
 * What to say after revoking `grant` from `name`, judged on the list reloaded after the DELETE: a
 * DELETE of a grant that is not direct answers 204 and changes nothing, so "Revoked" would be a lie
 * when the user still has it (from a group, or through a broader grant).
 */
export function describeRevoke(users: readonly AdminUser[], name: string, grant: string): { kind: 'info' | 'error'; text: string } {
  const revoked = { kind: 'info' as const, text: `Revoked ${grant} from ${name}` };
  const user = users.find((candidate) => candidate.name === name);
  if (!user) return revoked;
  if (user.grants.includes(grant)) {
    const groups = user.groups;
    if (groups.length === 0) return { kind: 'error', text: `${name} still has ${grant}` };
    const from = groups.length === 1 ? `group ${groups[0]}` : `one of the groups ${groups.join(', ')}`;
    return { kind: 'error', text: `${grant} still comes from ${from}: ${name} keeps it until removed from that group` };
  }
  const at = grant.indexOf('@');
  const [permission, resource] = at === -1 ? [grant, undefined] : [grant.slice(0, at), grant.slice(at + 1)];
  if (can(user.grants, permission, resource)) {
    const through = user.grants.filter((held) => can([held], permission, resource));
    return { kind: 'error', text: `${name} still has ${grant} through ${through.join(', ')}` };
  }
  return revoked;
}

/** The admin panel; rendered only for a superuser, calls the admin API with their token. */
export function AdminPanel({ session }: { session: Session }) {
  const api = useMemo(() => createAdminApi(session), [session]);
  const toasts = useToasts();
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [selected, setSelected] = useState('alice');
  const [grant, setGrant] = useState('chat.send_message');
  const [group, setGroup] = useState<string>(GROUPS[0]);
  const [busy, setBusy] = useState(false);
  // Reloads can overlap (a change, focus, the timer) and answer out of order: each gets a number,
  // and an answer older than the one shown is dropped. `shown` is the list on screen, for the
  // message after a change.
  const started = useRef(0);
  const applied = useRef(0);
  const shown = useRef<AdminUser[]>([]);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  /** Reloads the list; resolves with whether an answer at least as new as this one is on screen. */
  const reload = useCallback(async (): Promise<boolean> => {
    const mine = ++started.current;
    try {
      const list = await api.listUsers();
      if (!mounted.current) return false;
      if (mine > applied.current) {
        applied.current = mine;
        shown.current = list;
        setUsers(list);
      }
      return true;
    } catch (error) {
      if (mounted.current) toasts.push('error', error instanceof Error ? error.message : String(error));
      return false;
    }
  }, [api, toasts]);

  // Another admin's changes show up: on coming back to the window, and every few seconds while visible.
  useEffect(() => {
    void reload();
    const visible = () => document.visibilityState !== 'hidden';
    const onFocus = () => void reload();
    const onVisibility = () => {
      if (visible()) void reload();
    };
    const timer = setInterval(() => {
      if (visible()) void reload();
    }, ADMIN_RELOAD_MS);
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [reload]);

  /**
   * Runs one change, then reloads; the buttons stay disabled until that reload has answered, so a
   * second change never starts from (or races with) the list before the first.
   */
  async function change(run: () => Promise<void>, outcome: (users: readonly AdminUser[]) => { kind: 'info' | 'error'; text: string }) {
    setBusy(true);
    let done = false;
    try {
      await run();
      done = true;
    } catch (error) {
      toasts.push('error', error instanceof Error ? error.message : String(error));
    }
    const reloaded = await reload();
    if (!mounted.current) return;
    setBusy(false);
    if (done) {
      const { kind, text } = reloaded ? outcome(shown.current) : outcome([]);
      toasts.push(kind, text);
    }
  }

  const said = (text: string) => () => ({ kind: 'info' as const, text });

  const submitGrant = (granted: boolean) => (event: FormEvent) => {
    event.preventDefault();
    const value = grant.trim();
    if (!value) return;
    const user = selected;
    void change(
      () => api.setGrant(user, value, granted),
      granted ? said(`Granted ${value} to ${user}`) : (list) => describeRevoke(list, user, value),
    );
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
                <td data-label="Groups">{user.groups.join(', ') || '—'}</td>
                <td className="grants" data-label="Effective grants" data-testid={`grants-${user.name}`}>
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
                      void change(() => api.setActive(user.name, !user.active), said(`${user.active ? 'Deactivated' : 'Activated'} ${user.name}`))
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
            void change(() => api.setGroup(selected, group, true), said(`Added ${selected} to ${group}`));
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
              onClick={() => void change(() => api.setGroup(selected, group, false), said(`Removed ${selected} from ${group}`))}
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
