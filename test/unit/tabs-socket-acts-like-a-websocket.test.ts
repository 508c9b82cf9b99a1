/**
 * A follower's virtual socket (TabSocket) behaves like the WebSocket partysocket expects: its
 * ready states, events, close codes and errors, driven by the messages of the leading tab.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TabMessage } from '../../src/tabs/messages';
import { TabSocket } from '../../src/tabs/tab-socket';

function open(protocols?: string | string[]) {
  const posted: TabMessage[] = [];
  const closed: TabSocket[] = [];
  const socket = new TabSocket('ws://x/ws', protocols, { post_: (message) => posted.push(message) }, (s) => closed.push(s));
  const events: Event[] = [];
  for (const type of ['open', 'message', 'close']) socket.addEventListener(type, (event) => events.push(event));
  return { socket, posted, closed, events };
}

const accept = (socket: TabSocket, leader = 'L1') => socket.heard_({ t: 'opened', socket: socket.id_, leader });
const types = (events: Event[]) => events.map((event) => event.type);

afterEach(() => vi.unstubAllGlobals());

describe('a follower tab socket', () => {
  it('looks like a fresh WebSocket: connecting, blob binary type, nothing buffered, no extensions, the url it was given', () => {
    const { socket } = open();
    expect(socket.readyState).toBe(0);
    expect(socket.binaryType).toBe('blob');
    expect(socket.bufferedAmount).toBe(0);
    expect(socket.extensions).toBe('');
    expect(socket.url).toBe('ws://x/ws');
  });

  it('reports the first subprotocol asked for, the one given as a string, or none', () => {
    expect(open(['permsocket.v1', 'other']).socket.protocol).toBe('permsocket.v1');
    expect(open('permsocket.v1').socket.protocol).toBe('permsocket.v1');
    expect(open().socket.protocol).toBe('');
    expect(open([]).socket.protocol).toBe('');
  });

  it('asks the leader to accept it as soon as it is made, and opens when the leader accepts its id', () => {
    const { socket, posted, events } = open();
    expect(posted).toEqual([{ t: 'open', socket: socket.id_ }]);
    socket.heard_({ t: 'opened', socket: 'someone-else', leader: 'L1' });
    expect(socket.readyState).toBe(0);
    expect(events).toEqual([]);
    accept(socket);
    expect(socket.readyState).toBe(1);
    expect(socket.leader_).toBe('L1');
    expect(types(events)).toEqual(['open']);
  });

  it('opens only on an acceptance: another message naming its id (its own open, a send, a bye) leaves it connecting', () => {
    const { socket, events } = open();
    socket.heard_({ t: 'open', socket: socket.id_ });
    socket.heard_({ t: 'send', socket: socket.id_, data: '{}' });
    socket.heard_({ t: 'bye', socket: socket.id_ });
    expect(socket.readyState).toBe(0);
    expect(events).toEqual([]);
  });

  it('opens once: a second acceptance (from another leader) changes nothing', () => {
    const { socket, events } = open();
    accept(socket, 'L1');
    accept(socket, 'L2');
    expect(socket.leader_).toBe('L1');
    expect(types(events)).toEqual(['open']);
  });

  it('delivers the frames addressed to it, once open, with their text as data', () => {
    const { socket, events } = open();
    socket.heard_({ t: 'frame', to: [socket.id_], data: 'early' });
    accept(socket);
    socket.heard_({ t: 'frame', to: ['other'], data: 'not mine' });
    socket.heard_({ t: 'frame', to: ['other', socket.id_], data: '{"type":"pong"}' });
    const messages = events.filter((event) => event.type === 'message') as MessageEvent[];
    expect(messages.map((event) => event.data)).toEqual(['{"type":"pong"}']);
  });

  it('closes with the code and reason the leader sends it, and only when it is named', () => {
    const { socket, events, closed } = open();
    accept(socket);
    socket.heard_({ t: 'close', to: ['other'], code: 4401, reason: 'no' });
    expect(socket.readyState).toBe(1);
    socket.heard_({ t: 'close', to: [socket.id_], code: 4403, reason: 'inactive user' });
    expect(socket.readyState).toBe(3);
    expect(closed).toEqual([socket]);
    const close = events.at(-1) as Event & { code: number; reason: string; wasClean: boolean };
    expect(close).toMatchObject({ type: 'close', code: 4403, reason: 'inactive user', wasClean: true });
  });

  it('ends once: a second close from the leader fires no second close event', () => {
    const { socket, events, closed } = open();
    accept(socket);
    socket.end_(1006, 'gone');
    socket.end_(1001, 'again');
    socket.heard_({ t: 'close', to: [socket.id_], code: 4401, reason: 'late' });
    expect(types(events)).toEqual(['open', 'close']);
    expect(closed).toHaveLength(1);
  });

  it('closes with 1006 when another tab takes the lead while it is open, and stays open for its own leader', () => {
    const { socket, events } = open();
    accept(socket, 'L1');
    socket.heard_({ t: 'leader', leader: 'L1' });
    expect(socket.readyState).toBe(1);
    socket.heard_({ t: 'leader', leader: 'L2' });
    expect(socket.readyState).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'close', code: 1006, reason: 'the leading tab went away' });
  });

  it('asks a new leader to accept it while it still waits to open, and never once open', () => {
    const { socket, posted } = open();
    socket.heard_({ t: 'leader', leader: 'L2' });
    expect(posted).toEqual([
      { t: 'open', socket: socket.id_ },
      { t: 'open', socket: socket.id_ },
    ]);
    accept(socket, 'L2');
    socket.heard_({ t: 'leader', leader: 'L2' });
    socket.hello_();
    expect(posted).toHaveLength(2);
  });

  it('refuses to send before it opens, as a WebSocket does, and sends its frames to the leader once open', () => {
    const { socket, posted } = open();
    expect(() => socket.send('{"type":"ping"}')).toThrow('the socket to the leading tab is not open');
    accept(socket);
    socket.send('{"type":"ping"}');
    expect(posted.at(-1)).toEqual({ t: 'send', socket: socket.id_, data: '{"type":"ping"}' });
    socket.end_(1006, 'gone');
    expect(() => socket.send('x')).toThrow('not open');
  });

  it('closes like WebSocket.close: says bye to the leader, is closing at once, and fires close (1000 by default) a moment later', async () => {
    const { socket, posted, events, closed } = open();
    accept(socket);
    socket.close();
    expect(posted.at(-1)).toEqual({ t: 'bye', socket: socket.id_ });
    expect(socket.readyState).toBe(2);
    expect(types(events)).toEqual(['open']);
    await Promise.resolve();
    expect(socket.readyState).toBe(3);
    expect(closed).toEqual([socket]);
    expect(events.at(-1)).toMatchObject({ type: 'close', code: 1000, reason: '' });
  });

  it('closes with the code and reason given, and a closed socket says nothing more', async () => {
    const { socket, posted, events } = open();
    accept(socket);
    socket.close(4000, 'bye now');
    await Promise.resolve();
    expect(events.at(-1)).toMatchObject({ type: 'close', code: 4000, reason: 'bye now' });
    const count = posted.length;
    socket.close();
    await Promise.resolve();
    expect(posted).toHaveLength(count);
    expect(types(events)).toEqual(['open', 'close']);
  });

  it('fires a real CloseEvent where the platform has one', () => {
    class FakeCloseEvent extends Event {
      code: number;
      reason: string;
      wasClean: boolean;
      constructor(type: string, init: { code: number; reason: string; wasClean: boolean }) {
        super(type);
        ({ code: this.code, reason: this.reason, wasClean: this.wasClean } = init);
      }
    }
    vi.stubGlobal('CloseEvent', FakeCloseEvent);
    const { socket, events } = open();
    socket.end_(4401, 'token expired');
    expect(events[0]).toBeInstanceOf(FakeCloseEvent);
    expect(events[0]).toMatchObject({ code: 4401, reason: 'token expired', wasClean: true });
  });
});
