/** The sign-in form, with the seeded users listed so anyone can try the demo. */
import { useState, type FormEvent } from 'react';
import { useClient } from './permsocket';
import type { Session } from './session';

const SEEDED = [
  { name: 'alice', can: 'read and write everywhere' },
  { name: 'bob', can: 'read only (group viewer)' },
  { name: 'carol', can: 'read, write, delete (group moderator)' },
  { name: 'dave', can: 'read everywhere, write in general only' },
  { name: 'admin', can: 'everything, plus the admin panel' },
] as const;

/** The sign-in screen; `forbidden` explains why a deactivated user was sent back here. */
export function SignIn({ session, forbidden }: { session: Session; forbidden: boolean }) {
  const client = useClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await session.login(username.trim(), password);
      client.connect();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  function fill(name: string) {
    setUsername(name);
    setPassword(`${name}-pass`);
  }

  return (
    <div className="signin">
      <form className="card signin-form" onSubmit={submit} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        {forbidden && (
          <p className="notice notice-error" role="alert">
            The server refused this account (Forbidden): it has been deactivated.
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <section className="card seeded" aria-labelledby="seeded-title">
        <h2 id="seeded-title">Demo users</h2>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Password</th>
                <th scope="col">May</th>
                <th scope="col">
                  <span className="visually-hidden">Fill in</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {SEEDED.map((user) => (
                <tr key={user.name}>
                  <td>
                    <code>{user.name}</code>
                  </td>
                  <td>
                    <code>{user.name}-pass</code>
                  </td>
                  <td>{user.can}</td>
                  <td>
                    <button type="button" className="link" aria-label={`Fill in ${user.name}`} onClick={() => fill(user.name)}>
                      Use
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
