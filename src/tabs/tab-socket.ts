/**
 * A follower's socket: it looks like a WebSocket to the client (partysocket drives it like one),
 * but its frames travel over the BroadcastChannel to the leading tab, which sends them on the one
 * real socket and answers in its name.
 * @packageDocumentation
 */
import { randomId, type TabChannel, type TabMessage } from './messages';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** A close event with its code (Node has no CloseEvent class). */
function closeEvent(code: number, reason: string): Event {
  if (typeof CloseEvent === 'function') return new CloseEvent('close', { code, reason, wasClean: true });
  return Object.assign(new Event('close'), { code, reason, wasClean: true });
}

/** A virtual WebSocket from a follower to the leading tab. */
export class TabSocket extends EventTarget {
  readonly id_ = randomId();
  readyState = CONNECTING;
  binaryType = 'blob';
  readonly bufferedAmount = 0;
  readonly extensions = '';
  readonly protocol: string;
  /** The leader that accepted it. */
  leader_: string | undefined;

  constructor(
    readonly url: string,
    protocols: string | string[] | undefined,
    private readonly channel_: TabChannel,
    private readonly closed_: (socket: TabSocket) => void,
  ) {
    super();
    this.protocol = (Array.isArray(protocols) ? protocols[0] : protocols) ?? '';
    this.hello_();
  }

  /** Asks the leader to accept it (again, when a new leader announces itself). */
  hello_() {
    if (this.readyState === CONNECTING) this.channel_.post_({ t: 'open', socket: this.id_ });
  }

  /** A message on the channel. */
  heard_(message: TabMessage) {
    if (message.t === 'opened' && message.socket === this.id_ && this.readyState === CONNECTING) {
      this.leader_ = message.leader;
      this.readyState = OPEN;
      this.dispatchEvent(new Event('open'));
    } else if (message.t === 'frame' && this.readyState === OPEN && message.to.includes(this.id_)) {
      this.dispatchEvent(new MessageEvent('message', { data: message.data }));
    } else if (message.t === 'close' && message.to.includes(this.id_)) {
      this.end_(message.code, message.reason);
    } else if (message.t === 'leader') {
      // A leader that was never this socket's: the old one's tab is gone (its lock was released).
      if (this.readyState === OPEN && message.leader !== this.leader_) this.end_(1006, 'the leading tab went away');
      else this.hello_();
    }
  }

  /** Ends the socket from this side without telling the leader (it is gone, or it closed us). */
  end_(code: number, reason: string) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.closed_(this);
    this.dispatchEvent(closeEvent(code, reason));
  }

  /** Sends a client frame to the leader, like WebSocket.send. */
  send(data: string) {
    if (this.readyState !== OPEN) throw new Error('the socket to the leading tab is not open');
    this.channel_.post_({ t: 'send', socket: this.id_, data });
  }

  /** Closes it like WebSocket.close: the leader forgets it, and its close event follows. */
  close(code = 1000, reason = '') {
    if (this.readyState === CLOSED) return;
    this.channel_.post_({ t: 'bye', socket: this.id_ });
    // A real socket reports its close later, after the closing handshake: so does this one.
    this.readyState = CLOSING;
    queueMicrotask(() => this.end_(code, reason));
  }
}
