/** One room: its messages and, only when the user may post here, the composer. */
import { useState } from 'react';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { Can } from './permsocket';
import { useRoomMessages } from './useRoomMessages';

/** One room; mount it with `key={room}` so switching rooms starts fresh. */
export function Room({ room }: { room: string }) {
  const { canView, messages, pending, send, remove } = useRoomMessages(room);
  const [text, setText] = useState('');
  return (
    <section className="room card" aria-labelledby="room-title">
      <h2 id="room-title">#{room}</h2>
      {canView ? (
        <MessageList room={room} messages={messages} pending={pending} onDelete={(id) => void remove(id)} />
      ) : (
        <p className="notice">You may not read #{room}.</p>
      )}
      <Can
        action="chat.send"
        payload={{ room, text }}
        fallback={<p className="notice readonly">You can read #{room} but not post here.</p>}
      >
        <Composer room={room} text={text} onChange={setText} onSend={send} />
      </Can>
    </section>
  );
}
