/** Type tests of the `shareAcrossTabs` option and its debug entry. */
import { describe, expectTypeOf, it } from 'vitest';
import { createClient, type ClientOptions, type DebugEntry } from 'permsocket';
import { chatContract, type ChatContract } from '../../demo/contract';

describe('the shareAcrossTabs types', () => {
  it('takes true, false or a { name }, and nothing else', () => {
    expectTypeOf<ClientOptions<ChatContract>['shareAcrossTabs']>().toEqualTypeOf<boolean | { name?: string } | undefined>();
    function neverRun() {
      // @ts-expect-error a name goes in an object
      createClient({ url: 'ws://x', contract: chatContract, getToken: () => 't', shareAcrossTabs: 'chat' });
      // @ts-expect-error an unknown setting
      createClient({ url: 'ws://x', contract: chatContract, getToken: () => 't', shareAcrossTabs: { channel: 'chat' } });
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('reports the tab role through debug, with a reason when the tab is alone', () => {
    expectTypeOf<Extract<DebugEntry, { kind: 'tabs' }>>().toEqualTypeOf<{ kind: 'tabs'; role: 'leader' | 'follower' | 'alone'; reason?: string }>();
  });
});
