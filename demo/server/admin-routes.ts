/**
 * The admin API (superuser only): direct grants, group membership, activation, and the user list.
 * A change that alters what a user may do is published on the hub, which brings every open
 * connection of that user up to date (`perms` push, or 4403 when deactivated) on every node.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidGrant } from 'permsocket/protocol';
import type { Hub } from './hub';
import { HttpError, bearerToken, readJsonObject, sendEmpty, sendJson } from './http-util';
import type { Logger } from './log';
import type { RefreshTokens } from './refresh-cookies';
import type { TokenService } from './tokens';
import type { ChangeResult, User, UserStore } from './users';

/** What the admin routes need. */
export interface AdminRouteDependencies {
  users: UserStore;
  tokens: TokenService;
  refreshTokens: RefreshTokens;
  hub: Hub;
  log: Logger;
}

/** Answers an admin request whose path starts with /admin/. */
export type AdminRoute = (req: IncomingMessage, res: ServerResponse, segments: string[]) => Promise<void>;

/** Creates the admin route handler. */
export function createAdminRoute({ users, tokens, refreshTokens, hub, log }: AdminRouteDependencies): AdminRoute {
  const requireSuperuser = async (req: IncomingMessage): Promise<User> => {
    const token = bearerToken(req);
    if (!token) throw new HttpError(401, 'unauthenticated', 'expected Authorization: Bearer <access token>');
    const verified = await tokens.verify(token);
    if (!verified.ok) throw new HttpError(401, 'unauthenticated', verified.reason);
    const caller = users.bySubject(verified.claims.sub);
    if (!caller) throw new HttpError(401, 'unauthenticated', 'token subject is not a known user');
    if (!caller.active || !caller.superuser) {
      log('http.admin_refused', { user: caller.username, path: req.url });
      throw new HttpError(403, 'forbidden', 'the admin API needs a superuser');
    }
    return caller;
  };

  const target = (name: string): User => {
    const user = users.byName(name);
    if (!user) throw new HttpError(404, 'not_found', `no user "${name.slice(0, 64)}"`);
    return user;
  };

  const applied = (user: User, result: ChangeResult, what: string, admin: User) => {
    if (result === 'unknown-group') throw new HttpError(404, 'not_found', `no such group (${what.slice(0, 80)})`);
    if (result === 'unknown-permission') throw new HttpError(404, 'not_found', `no such permission (${what.slice(0, 80)})`);
    log('http.admin_change', { admin: admin.username, user: user.username, change: what, changed: result === 'changed' });
    if (result === 'changed') hub.publish({ kind: 'user-changed', userId: user.id });
  };

  return async (req, res, segments) => {
    const admin = await requireSuperuser(req);
    const method = req.method ?? 'GET';
    const [users_, name, field, value, ...rest] = segments;
    if (users_ !== 'users' || rest.length > 0) throw new HttpError(404, 'not_found', 'no such admin route');

    if (name === undefined) {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'GET /admin/users');
      sendJson(res, 200, { users: users.list() });
      return;
    }
    if (field === 'active' && value === undefined) {
      if (method !== 'PUT') throw new HttpError(405, 'method_not_allowed', 'PUT /admin/users/<name>/active');
      const user = target(name);
      const { active } = await readJsonObject(req);
      if (typeof active !== 'boolean') throw new HttpError(400, 'bad_request', "expected {active: true|false}");
      const result = users.setActive(user.id, active);
      if (!active) refreshTokens.revokeUser(user.id);
      applied(user, result, active ? 'activate' : 'deactivate', admin);
      sendEmpty(res, 204);
      return;
    }
    if ((field === 'grants' || field === 'groups') && value !== undefined) {
      if (method !== 'PUT' && method !== 'DELETE') throw new HttpError(405, 'method_not_allowed', 'PUT or DELETE');
      const user = target(name);
      const adding = method === 'PUT';
      if (field === 'grants') {
        if (!isValidGrant(value)) throw new HttpError(400, 'bad_request', 'expected a grant app_label.codename, optionally @resource, or *');
        applied(user, adding ? users.addGrant(user.id, value) : users.removeGrant(user.id, value), `${method} grant ${value}`, admin);
      } else {
        applied(user, adding ? users.addToGroup(user.id, value) : users.removeFromGroup(user.id, value), `${method} group ${value}`, admin);
      }
      sendEmpty(res, 204);
      return;
    }
    throw new HttpError(404, 'not_found', 'no such admin route');
  };
}
