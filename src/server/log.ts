/**
 * The engine's log events and the redaction applied to every field before the app's logger sees
 * it: anything shaped like a JWT is replaced, so a token never reaches a log, even one a client
 * put where a reason or an action name is expected.
 */

/** A log event's fields; undefined values mean "not known". */
export type LogFields = Record<string, string | number | boolean | undefined>;

/**
 * Receives the engine's log events: `ws.open`, `ws.auth`, `ws.refresh`, `ws.denied`, `ws.refused`
 * (a server-initiated close, with `code` and `reason`), `ws.closing` (shutdown), `ws.close`,
 * `ws.idle`, `ws.refused_origin`, `ws.protocol_error`, `ws.auth_error` (authenticate threw
 * something other than AuthenticationError or ForbiddenError), `ws.internal_error` (a handler or
 * hook threw; `message` is the error's), `hub.error`. Field values are already redacted.
 */
export type Logger = (event: string, fields: LogFields) => void;

// A whole JWT, or any piece of one: its segments are base64url JSON, which starts with "eyJ".
const JWT_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)*/g;
const MAX_VALUE_LENGTH = 200;

/** Makes one string safe to log: no JWT-shaped text, no line breaks, bounded length. */
export function redact(value: string): string {
  const text = value.replace(JWT_LIKE, '[redacted]').replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}...` : text;
}

/** Wraps the app's logger so every string field is redacted first. */
export function redactingLogger(logger: Logger): Logger {
  return (event, fields) => {
    const safe: LogFields = {};
    for (const [key, value] of Object.entries(fields)) safe[key] = typeof value === 'string' ? redact(value) : value;
    try {
      logger(event, safe);
    } catch {
      // A logger that throws must not take a connection down with it.
    }
  };
}

const ERROR_EVENTS = new Set(['ws.internal_error', 'ws.auth_error', 'hub.error']);

/** The default logger: only errors (a handler or hook threw, the hub failed), on stderr, one line each. */
export const errorLogger: Logger = (event, fields) => {
  if (!ERROR_EVENTS.has(event)) return;
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  process.stderr.write(`permsocket ${event} ${parts.join(' ')}\n`);
};

/** The message of anything thrown, for a log line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
