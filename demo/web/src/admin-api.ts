/** The reference server's user admin API, called with the signed-in superuser's access token. */
import type { Session } from './session';

/** One user as GET /admin/users lists it; `grants` is the effective set (groups included). */
export interface AdminUser {
  name: string;
  active: boolean;
  superuser: boolean;
  groups: string[];
  grants: string[];
}

/** The admin calls the panel makes. */
export interface AdminApi {
  listUsers(): Promise<AdminUser[]>;
  setGrant(user: string, grant: string, granted: boolean): Promise<void>;
  setGroup(user: string, group: string, member: boolean): Promise<void>;
  setActive(user: string, active: boolean): Promise<void>;
}

/** Creates the API over the session's token. */
export function createAdminApi(session: Session): AdminApi {
  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const attempt = async (token: string) =>
      fetch(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let response = await attempt(await session.currentToken());
    // The token in memory may have just expired: one refresh, one more try.
    if (response.status === 401) response = await attempt(await session.refresh());
    if (!response.ok) {
      const detail = await response.text().catch(() => '');
      throw new Error(`${method} ${path} answered ${response.status}${detail ? `: ${detail.slice(0, 200)}` : ''}`);
    }
    return response;
  }
  const userPath = (user: string) => `/admin/users/${encodeURIComponent(user)}`;

  return {
    async listUsers() {
      const response = await call('GET', '/admin/users');
      return ((await response.json()) as { users: AdminUser[] }).users;
    },
    async setGrant(user, grant, granted) {
      await call(granted ? 'PUT' : 'DELETE', `${userPath(user)}/grants/${encodeURIComponent(grant)}`);
    },
    async setGroup(user, group, member) {
      await call(member ? 'PUT' : 'DELETE', `${userPath(user)}/groups/${encodeURIComponent(group)}`);
    },
    async setActive(user, active) {
      await call('PUT', `${userPath(user)}/active`, { active });
    },
  };
}
