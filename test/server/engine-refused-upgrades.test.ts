/**
 * What a client gets when the engine refuses an upgrade, as it sees it on the wire: the HTTP status
 * line, a JSON body with the error's code word and message, the log line the app gets, and a
 * socket that errors afterwards is destroyed rather than left open or thrown to the process.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HandshakeRefused } from '../conformance/helpers';
import { appsPerTest, startApp, type TestApp } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

interface RawResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

/** Sends a WebSocket upgrade by hand and reads the answer (up to the end of the headers for a 101). */
function upgrade(wsUrl: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  const { port } = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    const parse = (): RawResponse => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const fields: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        fields[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { statusLine, headers: fields, body };
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.startsWith('HTTP/1.1 101') && text.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(parse());
      }
    });
    socket.on('end', () => resolve(parse()));
    socket.on('error', reject);
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra.join('')}\r\n`,
    );
  });
}

function expectJsonRefusal(response: RawResponse, statusLine: string, error: { code: string; message: string }): void {
  expect(response.statusLine).toBe(statusLine);
  expect(response.headers['content-type']).toBe('application/json');
  expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
  expect(JSON.parse(response.body)).toEqual({ error });
}

/** A socket the test drives: what the engine writes is kept, and it can be made to fail. */
function fakeSocket(): Duplex & { written: () => string } {
  const chunks: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(socket, { written: () => Buffer.concat(chunks).toString('latin1') });
}

const fakeRequest = (url: string, headers: Record<string, string> = {}) =>
  ({ url, headers, socket: { remoteAddress: '10.0.0.7' } }) as unknown as IncomingMessage;

describe('a refused upgrade answers HTTP with a JSON error', () => {
  it('answers 403 Forbidden with forbidden / origin not allowed for an Origin not on the list', async () => {
    const { wsUrl } = await app();
    const response = await upgrade(wsUrl, '/ws', { Origin: 'https://evil.example', 'Sec-WebSocket-Protocol': 'permsocket.v1' });
    expectJsonRefusal(response, 'HTTP/1.1 403 Forbidden', { code: 'forbidden', message: 'origin not allowed' });
  });

  it('answers 404 Not Found with not_found naming the endpoint it does serve', async () => {
    const { ps, origin } = await app();
    const other = createHttpServer();
    ps.attach(other, { path: '/live' });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as { port: number };
      const response = await upgrade(`ws://127.0.0.1:${port}/live`, '/ws', { Origin: origin });
      expectJsonRefusal(response, 'HTTP/1.1 404 Not Found', { code: 'not_found', message: 'the WebSocket endpoint is /live' });
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('answers 503 Service Unavailable with unavailable / shutting down once close() has begun', async () => {
    const { ps, wsUrl, origin } = await app();
    await ps.close();
    const response = await upgrade(wsUrl, '/ws', { Origin: origin, 'Sec-WebSocket-Protocol': 'permsocket.v1' });
    expectJsonRefusal(response, 'HTTP/1.1 503 Service Unavailable', { code: 'unavailable', message: 'shutting down' });
  });
});

describe('the Origin check', () => {
  it.each([
    ['no Origin', null, '(none)'],
    ['an unlisted Origin', 'https://evil.example', 'https://evil.example'],
  ])('logs ws.refused_origin for %s with the origin, the peer address and the status', async (_, origin, logged) => {
    const { open, logs } = await app();
    await expect(open({ origin })).rejects.toEqual(new HandshakeRefused(403));
    expect(logs.filter((log) => log.event === 'ws.refused_origin')).toEqual([{ event: 'ws.refused_origin', fields: { origin: logged, ip: '127.0.0.1', status: 403 } }]);
  });

  it('never asks an allowedOrigins function about a missing Origin: it is refused', async () => {
    const asked: unknown[] = [];
    const { open } = await app({
      allowedOrigins: (origin) => {
        asked.push(origin);
        return true;
      },
    });
    await expect(open({ origin: null })).rejects.toEqual(new HandshakeRefused(403));
    expect(asked).toEqual([]);
    const client = await open({ origin: 'https://app.example' });
    expect(asked).toEqual(['https://app.example']);
    client.close();
  });

  it('refuses with 403, and logs why, when the allowedOrigins function throws', async () => {
    const { open, logs } = await app({
      allowedOrigins: () => {
        throw new Error('origin directory unreachable');
      },
    });
    await expect(open()).rejects.toEqual(new HandshakeRefused(403));
    expect(logs).toContainEqual({ event: 'ws.internal_error', fields: { message: 'allowedOrigins threw: origin directory unreachable' } });
    expect(logs.map((log) => log.event)).toContain('ws.refused_origin');
  });
});

describe('the WebSocket handshake it accepts', () => {
  it('never answers with a subprotocol the client did not offer', async () => {
    const { wsUrl, origin } = await app();
    const response = await upgrade(wsUrl, '/ws', { Origin: origin, 'Sec-WebSocket-Protocol': 'chat.v2' });
    expect(response.statusLine).toBe('HTTP/1.1 101 Switching Protocols');
    expect(response.headers['sec-websocket-protocol']).toBeUndefined();
    const offered = await upgrade(wsUrl, '/ws', { Origin: origin, 'Sec-WebSocket-Protocol': 'chat.v2, permsocket.v1' });
    expect(offered.headers['sec-websocket-protocol']).toBe('permsocket.v1');
  });

  it('does not negotiate permessage-deflate, even when the client offers it', async () => {
    const { wsUrl, origin } = await app();
    const ws = new WebSocket(wsUrl, ['permsocket.v1'], { origin, perMessageDeflate: true });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.extensions).toBe('');
    ws.close();
  });
});

describe('a socket that fails after a refusal', () => {
  it('is destroyed, not thrown to the process, on the Origin and shutdown paths of handleUpgrade', async () => {
    const { ps } = await app();
    const refused = fakeSocket();
    ps.handleUpgrade(fakeRequest('/ws', { origin: 'https://evil.example' }), refused, Buffer.alloc(0));
    expect(refused.written()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    refused.emit('error', new Error('read ECONNRESET'));
    expect(refused.destroyed).toBe(true);

    await ps.close();
    const late = fakeSocket();
    ps.handleUpgrade(fakeRequest('/ws'), late, Buffer.alloc(0));
    expect(late.written()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    late.emit('error', new Error('write EPIPE'));
    expect(late.destroyed).toBe(true);
  });

  it('is destroyed, not thrown to the process, on the 404 path of attach', async () => {
    const { ps } = await app();
    const server = createHttpServer();
    ps.attach(server);
    const socket = fakeSocket();
    server.emit('upgrade', fakeRequest('/elsewhere'), socket, Buffer.alloc(0));
    expect(socket.written()).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    socket.emit('error', new Error('read ECONNRESET'));
    expect(socket.destroyed).toBe(true);
  });
});
