/** The messages of one room, oldest first, kept scrolled to the newest. */
import { useEffect, useRef } from 'react';
import type { Message } from '../../contract';
import { useShowDisallowed } from './dev-options';
import { Can } from './permsocket';
import type { PendingMessage, UnsentMessage } from './useRoomMessages';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

interface Props {
  room: string;
  messages: readonly Message[];
  pending: readonly PendingMessage[];
  unsent: readonly UnsentMessage[];
  onDelete: (id: string) => void;
  onResend: (localId: number) => void;
  onDiscard: (localId: number) => void;
}

/** The message list, with a "Delete" button on each message the user may delete. */
export function MessageList({ room, messages, pending, unsent, onDelete, onResend, onDiscard }: Props) {
  const list = useRef<HTMLOListElement>(null);
  const showDisallowed = useShowDisallowed();
  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [messages.length, pending.length, unsent.length]);

  return (
    <ol ref={list} className="messages" aria-label={`Messages in #${room}`} aria-live="polite">
      {messages.length === 0 && pending.length === 0 && unsent.length === 0 && <li className="empty">No messages yet.</li>}
      {messages.map((message) => (
        <li key={message.id} className="message" data-testid="message">
          <div className="message-meta">
            <strong>{message.user}</strong>
            <time dateTime={new Date(message.at).toISOString()}>{time.format(message.at)}</time>
          </div>
          <p className="message-text">{message.text}</p>
          {/* With "show disallowed controls" on, a Delete the grants do not allow is shown too: the client refuses it. */}
          <Can action="chat.delete" payload={{ room, id: message.id }} fallback={showDisallowed ? deleteButton(message, onDelete, true) : null}>
            {deleteButton(message, onDelete, false)}
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
      {unsent.map((item) => (
        <li key={`unsent-${item.localId}`} className="message unsent" data-testid="unsent-message">
          <div className="message-meta">
            <strong>you</strong>
            <span className="notice-error">{item.reason}</span>
          </div>
          <p className="message-text">{item.text}</p>
          <div className="unsent-actions">
            <button type="button" className="primary" onClick={() => onResend(item.localId)}>
              Send again
            </button>
            <button type="button" className="link" onClick={() => onDiscard(item.localId)}>
              Discard
            </button>
          </div>
        </li>
      ))}
    </ol>
  );
}

/** A message's Delete button; `disallowed` marks one shown only because of the developer toggle. */
function deleteButton(message: Message, onDelete: (id: string) => void, disallowed: boolean) {
  return (
    <button
      type="button"
      className={`link danger${disallowed ? ' disallowed' : ''}`}
      title={disallowed ? 'Not allowed by your grants: the client will refuse it without sending' : undefined}
      aria-label={`Delete message from ${message.user}: ${message.text}`}
      onClick={() => onDelete(message.id)}
    >
      Delete
    </button>
  );
}
