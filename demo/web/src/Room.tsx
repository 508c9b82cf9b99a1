/** One room: its messages and, only when the user may post here, the composer. */
import { useState } from 'react';
import { Composer } from './Composer';
import { useShowDisallowed } from './dev-options';
import { MessageList } from './MessageList';
import { Can } from './permsocket';
import { useRoomMessages } from './useRoomMessages';

/** One room; mount it with `key={room}` so switching rooms starts fresh. */
export function Room({ room }: { room: string }) {
  const { canView, messages, pending, unsent, send, resend, discard, remove } = useRoomMessages(room);
  const [text, setText] = useState('');
  const showDisallowed = useShowDisallowed();
  const readOnly = <p className="notice readonly">You can read #{room} but not post here.</p>;
  return (
    <section className="room card" aria-labelledby="room-title">
      <h2 id="room-title">#{room}</h2>
      {canView ? (
        <MessageList
          room={room}
          messages={messages}
          pending={pending}
          unsent={unsent}
          onDelete={(id) => void remove(id)}
          onResend={resend}
          onDiscard={discard}
        />
      ) : (
        <p className="notice">You may not read #{room}.</p>
      )}
      {/* With "show disallowed controls" on, the composer stays under the notice: Send meets the client's refusal. */}
      <Can
        action="chat.send"
        payload={{ room, text }}
        fallback={
          showDisallowed ? (
            <>
              {readOnly}
              <Composer room={room} text={text} onChange={setText} onSend={send} />
            </>
          ) : (
            readOnly
          )
        }
      >
        <Composer room={room} text={text} onChange={setText} onSend={send} />
      </Can>
    </section>
  );
}
