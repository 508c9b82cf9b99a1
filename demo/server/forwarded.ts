/**
 * The scheme and client address of a request. By default they are the connection's own (the
 * server speaks plain HTTP; the peer is whoever connected). With `TRUST_PROXY=1` they come from the
 * reverse proxy in front: `X-Forwarded-Proto` and the last `X-Forwarded-For` entry, the one that
 * proxy appended (earlier entries are whatever the client sent, so they are never believed).
 */
import type { IncomingMessage } from 'node:http';

/** Whether the request reached the proxy over https (only believed with `trustProxy`). */
export function isHttps(req: IncomingMessage, trustProxy: boolean): boolean {
  // Node joins repeated headers with ", ", so two X-Forwarded-Proto lines are never "https".
  return trustProxy && req.headers['x-forwarded-proto'] === 'https';
}

/** The client's address: the socket's peer, or with `trustProxy` the proxy's last X-Forwarded-For entry. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const last = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').pop()?.trim();
  // Bounded: it is the client's text as far as this server can tell.
  return last ? last.slice(0, 64) : peer;
}
