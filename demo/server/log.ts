/**
 * One-line logs: `<ISO time> <event> key=value ...`. Values are reduced to a short, single-line
 * form and anything shaped like a JWT is redacted, so a token can never reach the log even when
 * a client puts one where a reason is expected.
 */

/** A log line's fields; undefined values are left out. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Writes one log line. */
export type Logger = (event: string, fields?: LogFields) => void;

// A whole JWT, or any piece of one: its segments are base64url JSON, which starts with "eyJ".
const JWT_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)*/g;
const MAX_VALUE_LENGTH = 160;

/** Makes one value safe to log: no JWT-shaped text, no line breaks, bounded length. */
export function safeValue(value: string | number | boolean): string {
  const text = String(value).replace(JWT_LIKE, '[redacted]').replace(/[\r\n\t]+/g, ' ');
  const short = text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}...` : text;
  return /[\s"=]/.test(short) || short === '' ? JSON.stringify(short) : short;
}

/** Formats one log line (without the newline). */
export function formatLine(event: string, fields: LogFields = {}, now = new Date()): string {
  const parts = [now.toISOString(), event];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${safeValue(value)}`);
  }
  return parts.join(' ');
}

/** A logger writing to a stream (stdout by default). */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return (event, fields) => write(`${formatLine(event, fields)}\n`);
}
