/** The message box. Rendered by its parent only inside <Can action="chat.send">. */
import { useRef, type FormEvent } from 'react';
import { draftProblem } from './messages';

interface Props {
  room: string;
  text: string;
  onChange: (text: string) => void;
  /** Resolves false when the send failed. */
  onSend: (text: string) => Promise<boolean>;
}

/**
 * The text box labelled "Message" and the "Send" button; the draft lives in the parent, which checks
 * it with <Can>. A draft too long for the server is refused here, with the reason, and kept; the
 * text of a send that fails comes back into the box.
 */
export function Composer({ room, text, onChange, onSend }: Props) {
  // The newest draft, also between a change and the render that shows it (two failures in a row).
  const draft = useRef(text);
  draft.current = text;
  const problem = draftProblem(text);

  function change(next: string) {
    draft.current = next;
    onChange(next);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const message = text.trim();
    if (!message || draftProblem(message)) return;
    change('');
    void onSend(message).then((sent) => {
      // Nothing the user wrote is lost: the failed text comes back before whatever was typed since.
      if (sent) return;
      const typed = draft.current.trim();
      change(typed ? `${message} ${typed}` : message);
    });
  }
  return (
    <>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer-text" className="visually-hidden">
          Message
        </label>
        <input
          id="composer-text"
          autoComplete="off"
          placeholder={`Message #${room}`}
          value={text}
          aria-invalid={problem !== undefined}
          aria-describedby={problem ? 'composer-problem' : undefined}
          onChange={(event) => change(event.target.value)}
        />
        <button type="submit" className="primary" disabled={text.trim() === '' || problem !== undefined}>
          Send
        </button>
      </form>
      {problem && (
        <p id="composer-problem" className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
