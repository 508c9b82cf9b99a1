/**
 * The HTTP side: routes to the health check, auth and admin APIs, then the static demo app.
 * Every error is a JSON body `{error: {code, message}}`; nothing a request does can crash the
 * process.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AdminRoute } from './admin-routes';
import type { AuthRoutes } from './auth-routes';
import { isHttps } from './forwarded';
import { HttpError, requireAllowedOrigin, sendError, sendJson } from './http-util';
import type { Logger } from './log';
import { securityHeaders } from './security-headers';
import { serveStatic } from './static-files';

/** What the router dispatches to. */
export interface HttpDependencies {
  authRoutes: AuthRoutes;
  adminRoute: AdminRoute;
  staticDir: string;
  log: Logger;
  /** False while shutting down: /healthz then answers 503. */
  isAccepting(): boolean;
  /** Whether an Origin may call the cookie endpoints and the admin API (the WebSocket's allowlist). */
  isAllowedOrigin(origin: string): boolean;
  /** `TRUST_PROXY`: X-Forwarded-Proto decides whether the page was served over https. */
  trustProxy: boolean;
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, 'bad_request', 'malformed percent-encoding in the path');
  }
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDependencies): Promise<void> {
  const method = req.method ?? 'GET';
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (pathname === '/healthz') {
    if (deps.isAccepting()) sendJson(res, 200, { ok: true });
    else sendJson(res, 503, { error: { code: 'unavailable', message: 'shutting down' } });
    return;
  }
  if (pathname === '/auth/login' || pathname === '/auth/refresh' || pathname === '/auth/logout') {
    if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `POST ${pathname}`);
    requireAllowedOrigin(req, deps.isAllowedOrigin);
    await deps.authRoutes[pathname](req, res);
    return;
  }
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    requireAllowedOrigin(req, deps.isAllowedOrigin);
    await deps.adminRoute(req, res, decodeSegments(pathname).slice(1));
    return;
  }
  if ((method === 'GET' || method === 'HEAD') && (await serveStatic(deps.staticDir, pathname, req, res))) return;
  throw new HttpError(404, 'not_found', `nothing at ${method} ${pathname.slice(0, 200)}`);
}

/** Creates the request listener. */
export function createHttpHandler(deps: HttpDependencies): RequestListener {
  return (req, res) => {
    // Set before any route writes its head, so every answer carries them, errors included.
    for (const [name, value] of Object.entries(securityHeaders(req, isHttps(req, deps.trustProxy)))) res.setHeader(name, value);
    route(req, res, deps).catch((error: unknown) => {
      const httpError =
        error instanceof HttpError ? error : new HttpError(500, 'internal', 'internal error');
      if (!(error instanceof HttpError)) {
        deps.log('http.internal_error', { path: req.url, message: error instanceof Error ? error.message : String(error) });
      }
      if (res.headersSent) res.destroy();
      else sendError(res, httpError);
    });
  };
}
