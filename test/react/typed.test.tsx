import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createPermsocketReact, useCan } from 'permsocket/react';
import { createFakeClient, type TestContract } from './fake-client';

// Without vitest globals, testing-library cannot register its own cleanup.
afterEach(cleanup);

const typed = createPermsocketReact<TestContract>();

describe('createPermsocketReact', () => {
  it('gives bindings that share one provider with the untyped hooks', () => {
    const client = createFakeClient([]);
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
    act(() => client.setGrants(2, ['notes.add_note', 'notes.delete_note']));
    expect(screen.getByText('true/true/ready')).toBeTruthy();
    expect(screen.getByText('can clear')).toBeTruthy();
  });
});
