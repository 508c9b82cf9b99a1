/**
 * The security headers of every answer (JSON, HTML, static files, errors). The demo page loads
 * only its own script and stylesheet (no inline script or style anywhere), talks only to its own
 * origin over fetch and to its own `/ws`, and may not be framed: no other site can overlay the
 * admin panel and click through it.
 */
import type { IncomingMessage } from 'node:http';

/** A Host header that is safe to echo into the policy: a name or an IP, and an optional port. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The Content-Security-Policy for a request. `connect-src` names the page's own WebSocket origin
 * (`wss:` when served over https, also `ws:` otherwise) as well as 'self', since not every browser
 * lets 'self' cover ws: and wss:.
 */
export function contentSecurityPolicy(host: string | undefined, https: boolean): string {
  const sockets = host && HOST.test(host) ? (https ? [`wss://${host}`] : [`ws://${host}`, `wss://${host}`]) : [];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...sockets].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers set on every answer to `req`. */
export function securityHeaders(req: IncomingMessage, https: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(req.headers.host, https),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  };
}
