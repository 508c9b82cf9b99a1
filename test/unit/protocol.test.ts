import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  ErrorCode,
  MAX_FRAME_BYTES,
  MAX_REQUEST_ID_LENGTH,
  MAX_TOKEN_BYTES,
  SUBPROTOCOL,
  closeErrorCode,
  encodeFrame,
  parseClientFrame,
  parseServerFrame,
  type ServerFrame,
} from 'permsocket/protocol';

/** A client frame of exactly `bytes` bytes of UTF-8, padded with `unit` (1, 2, 3 or 4 bytes each). */
function frameOfBytes(bytes: number, unit = 'a'): string {
  const head = '{"type":"ping","pad":"';
  const tail = '"}';
  const unitBytes = Buffer.byteLength(unit);
  let room = bytes - head.length - tail.length;
  let pad = unit.repeat(Math.floor(room / unitBytes));
  room -= Buffer.byteLength(pad);
  pad += 'a'.repeat(room);
  const text = head + pad + tail;
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('the constants servers and clients share', () => {
  it('names the subprotocol permsocket.v1 and caps frames at 64 KiB, tokens at 8 KiB and request ids at 64 characters', () => {
    expect(SUBPROTOCOL).toBe('permsocket.v1');
    expect(MAX_FRAME_BYTES).toBe(65_536);
    expect(MAX_TOKEN_BYTES).toBe(8_192);
    expect(MAX_REQUEST_ID_LENGTH).toBe(64);
  });

  // The close-code table of PROTOCOL.md, plus the client's own 4000 (never sent by a server).
  const closeCodes = {
    Normal: 1000,
    GoingAway: 1001,
    UnsupportedData: 1003,
    Abnormal: 1006,
    MessageTooBig: 1009,
    InternalError: 1011,
    ServiceRestart: 1012,
    TryAgainLater: 1013,
    PingTimeout: 4000,
    BadRequest: 4400,
    Unauthenticated: 4401,
    Forbidden: 4403,
    UnsupportedProtocol: 4406,
    AuthTimeout: 4408,
    RateLimited: 4429,
  };

  it('gives every close code of the protocol table exactly its number, and nothing more', () => {
    expect(CloseCode).toEqual(closeCodes);
  });

  it('lists exactly the error codes of the protocol', () => {
    expect(ErrorCode).toEqual({
      BadRequest: 'bad_request',
      Unauthenticated: 'unauthenticated',
      PermissionDenied: 'permission_denied',
      UnknownAction: 'unknown_action',
      NotFound: 'not_found',
      RateLimited: 'rate_limited',
      AuthTimeout: 'auth_timeout',
      Forbidden: 'forbidden',
      UnsupportedProtocol: 'unsupported_protocol',
      Internal: 'internal',
    });
  });

  it.each([
    [4400, 'bad_request'],
    [4401, 'unauthenticated'],
    [4403, 'forbidden'],
    [4406, 'unsupported_protocol'],
    [4408, 'auth_timeout'],
    [4429, 'rate_limited'],
  ] as const)('announces a %i close with an error frame whose code is %s', (code, errorCode) => {
    expect(closeErrorCode[code]).toBe(errorCode);
  });

  it('has an error-frame code for every server-initiated 4xxx close and for nothing else', () => {
    expect(Object.keys(closeErrorCode).map(Number).sort()).toEqual([4400, 4401, 4403, 4406, 4408, 4429]);
  });
});

describe('parseServerFrame', () => {
  const goodFrames: [string, ServerFrame][] = [
    [
      'auth.ok',
      {
        type: 'auth.ok',
        user: { id: '1', name: 'alice' },
        exp: 1_700_000_300,
        now: 1_700_000_000_000,
        perms: { version: 3, grants: ['chat.send_message', 'chat.view_message'] },
      },
    ],
    ['auth.ok with no grants', { type: 'auth.ok', user: { id: '5', name: 'eve' }, exp: 1, now: 2, perms: { version: 0, grants: [] } }],
    ['perms', { type: 'perms', version: 4, grants: ['chat.view_message', 'chat.send_message@room:general'] }],
    ['perms of a superuser', { type: 'perms', version: 1, grants: ['*'] }],
    ['res ok', { type: 'res', id: 'r1', ok: true, data: { message: { id: 'm1', room: 'general', text: 'hi', user: 'alice', at: 1 } } }],
    ['res ok with null data', { type: 'res', id: 'r2', ok: true, data: null }],
    [
      'res permission_denied',
      {
        type: 'res',
        id: 'r3',
        ok: false,
        error: { code: 'permission_denied', message: 'no', permission: 'chat.send_message', resource: 'room:random' },
      },
    ],
    ['res rate_limited', { type: 'res', id: 'r4', ok: false, error: { code: 'rate_limited', message: 'slow down', retryAfterMs: 250 } }],
    ['res with a handler code', { type: 'res', id: 'r5', ok: false, error: { code: 'room_full', message: 'full' } }],
    ['event', { type: 'event', name: 'chat.deleted', data: { room: 'general', id: 'm1' } }],
    ['error', { type: 'error', error: { code: 'forbidden', message: 'user is inactive' } }],
    ['pong', { type: 'pong' }],
  ];

  it.each(goodFrames)('accepts a well-formed %s frame and returns it unchanged', (_, frame) => {
    expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
  });

  it('reads back what encodeFrame writes', () => {
    for (const [, frame] of goodFrames) expect(parseServerFrame(encodeFrame(frame))).toEqual({ ok: true, frame });
  });

  const user = { id: '1', name: 'alice' };
  const perms = { version: 1, grants: [] };
  it.each([
    // Not a JSON object with a string type.
    ['invalid JSON', '{"type":', 'expected a JSON object, got invalid JSON'],
    ['an empty frame', '', 'expected a JSON object, got invalid JSON'],
    ['an array', '[{"type":"pong"}]', 'expected a JSON object, got array'],
    ['null', 'null', 'expected a JSON object, got null'],
    ['a string', '"pong"', 'expected a JSON object, got string'],
    ['a number', '42', 'expected a JSON object, got number'],
    ['a missing type', '{"id":"1"}', "expected 'type' to be a string, got undefined"],
    ['a numeric type', '{"type":7}', "expected 'type' to be a string, got number"],
    ['a null type', '{"type":null}', "expected 'type' to be a string, got null"],
    ['an unknown type', '{"type":"hello"}', 'unknown frame type "hello"'],
    ['a client frame type', '{"type":"ping"}', 'unknown frame type "ping"'],
    // auth.ok
    ['auth.ok without user', { type: 'auth.ok', exp: 1, now: 2, perms }, `"auth.ok" expects 'user' to be {id: string, name: string}, got undefined`],
    ['auth.ok with a numeric user id', { type: 'auth.ok', user: { id: 1, name: 'a' }, exp: 1, now: 2, perms }, `"auth.ok" expects 'user' to be {id: string, name: string}, got object`],
    ['auth.ok with a string exp', { type: 'auth.ok', user, exp: '1', now: 2, perms }, `"auth.ok" expects 'exp' to be a number, got string`],
    ['auth.ok without now', { type: 'auth.ok', user, exp: 1, perms }, `"auth.ok" expects 'now' to be a number, got undefined`],
    ['auth.ok with perms as an array', { type: 'auth.ok', user, exp: 1, now: 2, perms: [] }, `"auth.ok" expects 'perms' to be an object, got array`],
    ['auth.ok without perms.version', { type: 'auth.ok', user, exp: 1, now: 2, perms: { grants: [] } }, `"auth.ok" expects 'perms.version' to be a number, got undefined`],
    ['auth.ok with a string perms.version', { type: 'auth.ok', user, exp: 1, now: 2, perms: { version: '1', grants: [] } }, `"auth.ok" expects 'perms.version' to be a number, got string`],
    ['auth.ok with numeric perms.grants', { type: 'auth.ok', user, exp: 1, now: 2, perms: { version: 1, grants: 7 } }, `"auth.ok" expects 'perms.grants' to be an array of strings, got number`],
    ['auth.ok with a number among perms.grants', { type: 'auth.ok', user, exp: 1, now: 2, perms: { version: 1, grants: ['chat.view_message', 1] } }, `"auth.ok" expects 'perms.grants' to be an array of strings, got array`],
    ['auth.ok with a user given as a string', { type: 'auth.ok', user: 'alice', exp: 1, now: 2, perms }, `"auth.ok" expects 'user' to be {id: string, name: string}, got string`],
    // perms
    ['perms with numeric grants', { type: 'perms', version: 2, grants: 5 }, `"perms" expects 'grants' to be an array of strings, got number`],
    ['perms with grants as a string', { type: 'perms', version: 2, grants: 'chat.view_message' }, `"perms" expects 'grants' to be an array of strings, got string`],
    ['perms with a number among the grants', { type: 'perms', version: 2, grants: ['chat.view_message', 3] }, `"perms" expects 'grants' to be an array of strings, got array`],
    ['perms without version', { type: 'perms', grants: [] }, `"perms" expects 'version' to be a number, got undefined`],
    ['perms with a string version', { type: 'perms', version: '2', grants: [] }, `"perms" expects 'version' to be a number, got string`],
    // res
    ['res without id', { type: 'res', ok: true, data: null }, `"res" expects 'id' to be a string, got undefined`],
    ['res with a numeric id', { type: 'res', id: 1, ok: true, data: null }, `"res" expects 'id' to be a string, got number`],
    ['res with ok as a string', { type: 'res', id: '1', ok: 'true', data: null }, `"res" expects 'ok' to be a boolean, got string`],
    ['res failed without error', { type: 'res', id: '1', ok: false }, `"res" expects 'error' to be an object, got undefined`],
    ['res failed with a string error', { type: 'res', id: '1', ok: false, error: 'nope' }, `"res" expects 'error' to be an object, got string`],
    ['res failed with a numeric error code', { type: 'res', id: '1', ok: false, error: { code: 1, message: 'x' } }, `"res" expects 'error.code' to be a string, got number`],
    ['res failed without an error message', { type: 'res', id: '1', ok: false, error: { code: 'internal' } }, `"res" expects 'error.message' to be a string, got undefined`],
    // event
    ['event without name', { type: 'event', data: {} }, `"event" expects 'name' to be a string, got undefined`],
    ['event with a numeric name', { type: 'event', name: 9, data: {} }, `"event" expects 'name' to be a string, got number`],
    // error
    ['error without error', { type: 'error' }, `"error" expects 'error' to be an object, got undefined`],
    ['error with null error', { type: 'error', error: null }, `"error" expects 'error' to be an object, got null`],
    ['error without a code', { type: 'error', error: { message: 'x' } }, `"error" expects 'error.code' to be a string, got undefined`],
  ] as const)('refuses %s, saying what it expected and what came', (_, input, message) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    expect(parseServerFrame(text)).toEqual({ ok: false, message });
  });
});

describe('parseClientFrame', () => {
  describe('accepts', () => {
    it.each([
      ['auth', { type: 'auth', token: 'eyJ.a.b' }],
      ['auth.refresh', { type: 'auth.refresh', token: 'eyJ.c.d' }],
      ['req', { type: 'req', id: 'r1', action: 'chat.send', payload: { room: 'general', text: 'hi' } }],
      ['req with an id of 64 characters', { type: 'req', id: 'x'.repeat(64), action: 'chat.history', payload: { room: 'general' } }],
      ['req with a one-character id', { type: 'req', id: '1', action: 'chat.history', payload: { room: 'general' } }],
      ['ping', { type: 'ping' }],
    ] as const)('a well-formed %s frame as it came', (_, frame) => {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    });

    it('a req without payload, handing the server a null payload', () => {
      expect(parseClientFrame('{"type":"req","id":"r1","action":"chat.ping"}')).toEqual({
        ok: true,
        frame: { type: 'req', id: 'r1', action: 'chat.ping', payload: null },
      });
    });

    it('a frame of exactly 64 KiB', () => {
      expect(parseClientFrame(frameOfBytes(MAX_FRAME_BYTES)).ok).toBe(true);
    });

    it('a frame of 64 KiB of two-byte characters that is shorter than 64 Ki UTF-16 units', () => {
      expect(parseClientFrame(frameOfBytes(MAX_FRAME_BYTES, 'é')).ok).toBe(true);
    });

    it('drops fields a frame does not define', () => {
      expect(parseClientFrame('{"type":"ping","extra":1}')).toEqual({ ok: true, frame: { type: 'ping' } });
      expect(parseClientFrame('{"type":"auth","token":"t","user":"admin"}')).toEqual({ ok: true, frame: { type: 'auth', token: 't' } });
    });
  });

  describe('closes with 1009', () => {
    it.each([
      ['one byte over 64 KiB of ASCII', 'a'],
      ['one byte over 64 KiB of two-byte characters (é)', 'é'],
      ['one byte over 64 KiB of three-byte characters (€)', '€'],
      ['one byte over 64 KiB of four-byte characters (emoji)', '😀'],
    ])('a frame %s', (_, unit) => {
      const text = frameOfBytes(MAX_FRAME_BYTES + 1, unit);
      expect(parseClientFrame(text)).toEqual({
        ok: false,
        action: 'close',
        code: 1009,
        errorCode: 'bad_request',
        message: 'frame larger than 65536 bytes',
      });
    });

    it('a frame far shorter than 64 Ki characters whose UTF-8 is over 64 KiB', () => {
      const text = JSON.stringify({ type: 'req', id: '1', action: 'chat.send', payload: { room: 'general', text: '😀'.repeat(20_000) } });
      expect(text.length).toBeLessThan(MAX_FRAME_BYTES);
      expect(parseClientFrame(text)).toMatchObject({ ok: false, action: 'close', code: 1009 });
    });

    it('an oversize frame before even looking at whether it is JSON', () => {
      expect(parseClientFrame('x'.repeat(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false, action: 'close', code: 1009 });
    });
  });

  describe('closes with 4400 (bad_request)', () => {
    it.each([
      ['invalid JSON', '{"type":"ping"', 'expected a JSON object, got invalid JSON'],
      ['an array', '[{"type":"ping"}]', 'expected a JSON object, got array'],
      ['null', 'null', 'expected a JSON object, got null'],
      ['a missing type', '{"id":"1"}', "expected 'type' to be a string, got undefined"],
      ['a numeric type', '{"type":1}', "expected 'type' to be a string, got number"],
      ['an unknown type', '{"type":"subscribe"}', 'unknown frame type "subscribe"'],
      ['a server frame type', '{"type":"auth.ok"}', 'unknown frame type "auth.ok"'],
      ['a type named like an Object method', '{"type":"toString"}', 'unknown frame type "toString"'],
      ['a req without id', '{"type":"req","action":"chat.send"}', `"req" expects 'id' to be a string of 1-64 characters, got undefined`],
      ['a req with a numeric id', '{"type":"req","id":7,"action":"chat.send"}', `"req" expects 'id' to be a string of 1-64 characters, got number`],
      ['a req with an empty id', '{"type":"req","id":"","action":"chat.send"}', `"req" expects 'id' to be a string of 1-64 characters, got a string of 0 characters`],
      ['a req with an id of 65 characters', JSON.stringify({ type: 'req', id: 'x'.repeat(65), action: 'chat.send' }), `"req" expects 'id' to be a string of 1-64 characters, got a string of 65 characters`],
      ['a req with a bad id and no action', '{"type":"req","id":null}', `"req" expects 'id' to be a string of 1-64 characters, got null`],
    ])('for %s', (_, text, message) => {
      expect(parseClientFrame(text)).toEqual({ ok: false, action: 'close', code: 4400, errorCode: 'bad_request', message });
    });

    it('quoting at most 64 characters of an unknown type', () => {
      const parsed = parseClientFrame(JSON.stringify({ type: 'y'.repeat(1_000) }));
      expect(parsed).toEqual({ ok: false, action: 'close', code: 4400, errorCode: 'bad_request', message: `unknown frame type "${'y'.repeat(64)}"` });
    });
  });

  describe('leaves a missing token to verification (4401), after the state rule (a second auth is 4400)', () => {
    it.each([
      ['an auth without token', '{"type":"auth"}', 'auth'],
      ['an auth with a numeric token', '{"type":"auth","token":42}', 'auth'],
      ['an auth with a null token', '{"type":"auth","token":null}', 'auth'],
      ['an auth.refresh without token', '{"type":"auth.refresh"}', 'auth.refresh'],
    ])('for %s, as an empty token', (_, text, type) => {
      expect(parseClientFrame(text)).toEqual({ ok: true, frame: { type, token: '' } });
    });
  });

  describe('replies bad_request to the request and keeps the connection', () => {
    it.each([
      ['no action', '{"type":"req","id":"r7"}', `"req" expects 'action' to be a non-empty string, got undefined`],
      ['an empty action', '{"type":"req","id":"r7","action":""}', `"req" expects 'action' to be a non-empty string, got string`],
      ['a numeric action', '{"type":"req","id":"r7","action":5,"payload":{}}', `"req" expects 'action' to be a non-empty string, got number`],
    ])('for a req with a good id and %s, answering that id', (_, text, message) => {
      expect(parseClientFrame(text)).toEqual({ ok: false, action: 'reply', id: 'r7', errorCode: 'bad_request', message });
    });
  });
});

describe('docs/PROTOCOL.md stays in step with the code', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/PROTOCOL.md', import.meta.url)), 'utf8');

  it('lists every CloseCode with its name in the close-code table, and no other', () => {
    const rows = [...doc.matchAll(/^\| (\d{4}) \| `(\w+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(rows)).toEqual(CloseCode);
    expect(rows).toHaveLength(Object.keys(CloseCode).length);
  });

  it('lists every ErrorCode with its name in the error-code table, and no other', () => {
    const rows = [...doc.matchAll(/^\| `(\w+)` \| `([a-z_]+)` \|/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(ErrorCode);
    expect(rows).toHaveLength(Object.keys(ErrorCode).length);
  });

  it('shows only example frames that the parsers accept', () => {
    const frames = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split('\n'));
    const client = frames.filter((f) => /^\{"type":"(auth|auth\.refresh|req|ping)"/.test(f));
    const server = frames.filter((f) => !client.includes(f));
    expect(client).toHaveLength(4);
    expect(server).toHaveLength(7);
    for (const frame of client) expect(parseClientFrame(frame), frame).toMatchObject({ ok: true });
    for (const frame of server) expect(parseServerFrame(frame), frame).toMatchObject({ ok: true });
  });

  it('quotes only validation messages the parser really gives', () => {
    const examples: [string, string][] = [
      ['[]', 'expected a JSON object, got array'],
      ['{}', "expected 'type' to be a string, got undefined"],
      ['{"type":"hello"}', 'unknown frame type "hello"'],
      ['{"type":"perms","version":1,"grants":5}', `"perms" expects 'grants' to be an array of strings, got number`],
      ['{"type":"res","id":"1","ok":false,"error":{"code":1,"message":"x"}}', `"res" expects 'error.code' to be a string, got number`],
    ];
    const block = /for example:\n\n```\n([\s\S]*?)```/.exec(doc)?.[1]?.trim().split('\n');
    expect(block).toEqual(examples.map(([, message]) => message));
    for (const [text, message] of examples) expect(parseServerFrame(text)).toEqual({ ok: false, message });
  });

  it('quotes the limits the code enforces', () => {
    expect(doc).toContain(`(\`MAX_FRAME_BYTES\` = 65 536 bytes)`);
    expect(MAX_FRAME_BYTES).toBe(65_536);
    expect(doc).toContain('8 KiB (`MAX_TOKEN_BYTES`)');
    expect(doc).toContain('1–64 characters (`MAX_REQUEST_ID_LENGTH`)');
  });
});

describe('parseServerFrame against hostile input', () => {
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])('calls a frame typed %s an unknown type instead of throwing', (type) => {
    expect(parseServerFrame(JSON.stringify({ type }))).toEqual({ ok: false, message: `unknown frame type "${type}"` });
  });

  it.each([
    [{ type: 'error', error: { code: 'rate_limited', message: 'x', retryAfterMs: 'soon' } }, `"error" expects 'error.retryAfterMs' to be a number when present, got string`],
    [{ type: 'res', id: '1', ok: false, error: { code: 'permission_denied', message: 'x', permission: 5 } }, `"res" expects 'error.permission' to be a string when present, got number`],
    [{ type: 'res', id: '1', ok: false, error: { code: 'permission_denied', message: 'x', resource: {} } }, `"res" expects 'error.resource' to be a string when present, got object`],
    [{ type: 'res', id: '1', ok: true }, `"res" expects 'data' to be any JSON value, got undefined`],
    [{ type: 'event', name: 'chat.message' }, `"event" expects 'data' to be any JSON value, got undefined`],
  ])('refuses %j with a message saying what it expected', (frame, message) => {
    expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: false, message });
  });

  it('checks error fields on res frames only', () => {
    expect(parseServerFrame('{"type":"perms","version":1,"grants":[],"ok":false}').ok).toBe(true);
  });
});
