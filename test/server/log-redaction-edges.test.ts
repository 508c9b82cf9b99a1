/**
 * What the engine's log redaction leaves of a field at its edges: a run of line breaks is one
 * space (a client cannot forge a second log line or pad one out), 200 characters are kept whole,
 * and a token is redacted whole, whatever its shape: an opaque three-part token, or a JWT piece
 * whose last segment is short.
 */
import { describe, expect, it } from 'vitest';
import { redact, redactingLogger } from '../../src/server/log';

describe('log redaction at its edges', () => {
  it('turns a run of line breaks and tabs into one space', () => {
    expect(redact('first line\r\nsecond line')).toBe('first line second line');
    expect(redact('a\n\n\n\tb\rc')).toBe('a b c');
  });

  it('keeps a value of exactly 200 characters whole and cuts one of 201', () => {
    expect(redact('y'.repeat(200))).toBe('y'.repeat(200));
    expect(redact('y'.repeat(201))).toBe(`${'y'.repeat(200)}...`);
  });

  it('redacts a three-part opaque token whole, not from its last characters before the dot', () => {
    expect(redact('abcdefghij.klmnopqrst.uvwxyz')).toBe('[redacted]');
    expect(redact('bearer Zm9vYmFyYmF6.cXV1eHF1dXg.c2ln ok')).toBe('bearer [redacted] ok');
  });

  it('leaves dotted words that are not token-shaped alone', () => {
    expect(redact('settings.x.json')).toBe('settings.x.json');
    expect(redact('chat.send_message')).toBe('chat.send_message');
    expect(redact('permissions.v2.loaded')).toBe('permissions.v2.loaded');
  });

  it('redacts a JWT piece whole when its segment after the header is short', () => {
    expect(redact('eyJhbGciOiJIUzI1NiJ9.abc')).toBe('[redacted]');
    expect(redact('got eyJhbGciOiJIUzI1NiJ9.eyJzdWIi.x-y_z end')).toBe('got [redacted] end');
  });

  it('applies all of it to every string field the logger receives', () => {
    const seen: unknown[] = [];
    redactingLogger((_event, fields) => seen.push(fields))('ws.protocol_error', { reason: 'bad\r\n\r\nframe abcdefghij.klmnopqrst.uvwxyz', code: 4400 });
    expect(seen).toEqual([{ reason: 'bad frame [redacted]', code: 4400 }]);
  });
});
