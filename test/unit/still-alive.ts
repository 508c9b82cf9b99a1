/**
 * Garbage checks for tests of what the client lets go of: V8's collector, exposed through its
 * flags, run after the current task (a WeakRef keeps its target until the task that made it ends).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
// Captured at import, before a test installs the fake clock.
const nextTask = ((immediate) => () => new Promise<void>((resolve) => immediate(resolve)))(setImmediate);

/** Whether the object behind `ref` is still alive after the current task and a full collection. */
export async function stillAlive(ref: WeakRef<object>) {
  await nextTask();
  gc();
  return ref.deref() !== undefined;
}
