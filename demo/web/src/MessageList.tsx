/** The messages of one room, oldest first, kept scrolled to the newest. */
import { useEffect, useRef } from 'react';
import type { Message } from '../../contract';
import { Can } from './permsocket';
import type { PendingMessage } from './useRoomMessages';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

interface Props {
  room: string;
  messages: readonly Message[];
  pending: readonly PendingMessage[];
  onDelete: (id: string) => void;
}

/** The message list, with a "Delete" button on each message the user may delete. */
export function MessageList({ room, messages, pending, onDelete }: Props) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [messages.length, pending.length]);

  return (
    <ol ref={list} className="messages" aria-label={`Messages in #${room}`} aria-live="polite">
      {messages.length === 0 && pending.length === 0 && <li className="empty">No messages yet.</li>}
      {messages.map((message) => (
        <li key={message.id} className="message" data-testid="message">
          <div className="message-meta">
            <strong>{message.user}</strong>
            <time dateTime={new Date(message.at).toISOString()}>{time.format(message.at)}</time>
          </div>
          <p className="message-text">{message.text}</p>
          <Can action="chat.delete" payload={{ room, id: message.id }}>
            <button
              type="button"
              className="link danger"
              aria-label={`Delete message from ${message.user}: ${message.text}`}
              onClick={() => onDelete(message.id)}
            >
              Delete
            </button>
          </Can>
        </li>
      ))}
      {pending.map((item) => (
        <li key={`pending-${item.localId}`} className="message pending" data-testid="pending-message">
          <div className="message-meta">
            <strong>you</strong>
            <span>sending…</span>
          </div>
          <p className="message-text">{item.text}</p>
        </li>
      ))}
    </ol>
  );
}
