/** Small helpers for JSON over node:http: responses, JSON errors and bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the API reads. */
const MAX_BODY_BYTES = 16 * 1024;

/** An HTTP error answered as `{error: {code, message, ...details}}`, with optional extra headers. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the error object, e.g. `retryAfterMs`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Sends an empty answer (204 and the like). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  res.end();
}

/** Sends an error as JSON. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.details } }, error.headers);
}

/**
 * Refuses (403) a request whose Origin header is present and not allowed. Browsers send Origin on
 * every cross-site POST, so a page elsewhere cannot spend the user's refresh cookie or drive the
 * admin API; clients that send no Origin (curl, servers) are not browsers riding on a cookie.
 */
export function requireAllowedOrigin(req: IncomingMessage, isAllowed: (origin: string) => boolean): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !isAllowed(origin)) throw new HttpError(403, 'forbidden', 'origin not allowed');
}

/**
 * Refuses (415) a body that is not declared `application/json`: a cross-site form can send
 * text/plain or urlencoded bodies without a preflight, never application/json.
 */
export function requireJsonBody(req: IncomingMessage): void {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported_media_type', 'expected Content-Type: application/json');
}

/** Reads and parses a JSON object body; refuses anything else with a 400 (413 when too large). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'bad_request', `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request', 'expected a JSON object body, got invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad_request', 'expected a JSON object body');
  }
  return value as Record<string, unknown>;
}

/** The bearer token of an Authorization header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
