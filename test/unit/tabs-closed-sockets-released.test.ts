/**
 * A follower's virtual sockets are let go of once they closed: a tab that reconnects through the
 * leader all day (server restarts, a leader that changes) holds no memory for its old sockets,
 * and the channel's messages are not handed to them. Checked with the garbage collector.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TabSocket } from '../../src/tabs/tab-socket';
import { tick } from './fake-server';
import { stillAlive } from './still-alive';
import { useTabs } from './tabs-harness';

const tabs = useTabs();
const { server } = tabs;

/** Every TabSocket made in the test, held weakly (each says hello to the leader when it is made). */
let made: WeakRef<TabSocket>[] = [];
const hello = TabSocket.prototype.hello_;
beforeEach(() => {
  made = [];
  TabSocket.prototype.hello_ = function (this: TabSocket) {
    if (!made.some((ref) => ref.deref() === this)) made.push(new WeakRef(this));
    hello.call(this);
  };
});
afterEach(() => {
  TabSocket.prototype.hello_ = hello;
});

describe("a follower's closed virtual sockets", () => {
  it('are let go of after the leader socket closed and the follower reconnected', async () => {
    const [, follower] = await tabs.openTabs(2);
    expect(made).toHaveLength(1);
    server.last.close(1012, 'restart');
    await tick(4_200);
    expect(follower!.client.state).toBe('ready');
    expect(made).toHaveLength(2);
    expect(await stillAlive(made[0]!)).toBe(false);
    expect(await stillAlive(made[1]!)).toBe(true); // the open one is in use
  });
});
