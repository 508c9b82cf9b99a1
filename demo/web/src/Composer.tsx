/** The message box. Rendered by its parent only inside <Can action="chat.send">. */
import type { FormEvent } from 'react';

interface Props {
  room: string;
  text: string;
  onChange: (text: string) => void;
  onSend: (text: string) => void;
}

/** The text box labelled "Message" and the "Send" button; the draft lives in the parent, which checks it with <Can>. */
export function Composer({ room, text, onChange, onSend }: Props) {
  function submit(event: FormEvent) {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    onSend(message);
    onChange('');
  }
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="composer-text" className="visually-hidden">
        Message
      </label>
      <input
        id="composer-text"
        autoComplete="off"
        placeholder={`Message #${room}`}
        value={text}
        onChange={(event) => onChange(event.target.value)}
      />
      <button type="submit" className="primary" disabled={text.trim() === ''}>
        Send
      </button>
    </form>
  );
}
