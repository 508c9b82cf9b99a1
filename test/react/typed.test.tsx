import { render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { createPermsocketReact, useCan } from 'permsocket/react';
import { settle, useNotesServer, type NotesContract } from './kit';

const { fake, connect } = useNotesServer();
const typed = createPermsocketReact<NotesContract>();

describe('createPermsocketReact', () => {
  it('gives bindings that share one provider with the untyped hooks', async () => {
    const client = await connect([]);
    function Probe() {
      const typedAnswer = typed.useCan('notes.write', { board: 'a', text: 'x' });
      const plainAnswer = useCan('notes.write', { board: 'a', text: 'x' });
      return (
        <p>
          {String(typedAnswer)}/{String(plainAnswer)}/{typed.useConnectionState()}
        </p>
      );
    }
    render(
      <typed.PermsocketProvider client={client}>
        <Probe />
        <typed.Can action="notes.clear" fallback={<span>cannot clear</span>}>
          <span>can clear</span>
        </typed.Can>
      </typed.PermsocketProvider>,
    );
    expect(screen.getByText('false/false/ready')).toBeTruthy();
    expect(screen.getByText('cannot clear')).toBeTruthy();
    fake.setGrants(['notes.add_note', 'notes.delete_note']);
    await settle();
    expect(screen.getByText('true/true/ready')).toBeTruthy();
    expect(screen.getByText('can clear')).toBeTruthy();
  });

  it('delivers the server’s events to the typed useEvent', async () => {
    const client = await connect([]);
    function Latest() {
      const [text, setText] = useState('nothing yet');
      // `text` is typed from the contract's event: a typo in its name would not compile.
      typed.useEvent('notes.added', (note) => setText(note.text));
      return <p>last: {text}</p>;
    }
    render(
      <typed.PermsocketProvider client={client}>
        <Latest />
      </typed.PermsocketProvider>,
    );
    fake.emit('notes.added', { id: '1', text: 'typed' });
    await settle();
    expect(screen.getByText('last: typed')).toBeTruthy();
  });
});
