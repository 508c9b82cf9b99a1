/**
 * Which answers of a keyed request the engine remembers, each repeat sent only after the first
 * answer came (so it cannot simply wait on the run): results and a handler's RequestError are
 * answered again without running; internal, rate_limited, any error carrying retryAfterMs and an
 * unexpected throw run again, as the next try may go better.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError, type Handlers } from 'permsocket/server';
import type { Frame } from '../conformance/helpers';
import { startApp, type TestApp, type TestContract } from './harness';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

/** How each `note.fail` code fails: a RequestError of that code, with retryAfterMs for `*-retry`. */
function failure(code: string | null): Error {
  if (code === null) return new Error('boom');
  if (code.endsWith('-retry')) return new RequestError(code.slice(0, -'-retry'.length), 'try later', { retryAfterMs: 250 });
  return new RequestError(code, `failed with ${code}`);
}

async function app() {
  const runs: string[] = [];
  const handlers: Handlers<TestContract> = {
    'note.add': (note, context) => (runs.push(context.key!), { ...note, by: `run ${runs.length}` }),
    'note.fail': ({ code }, context) => {
      runs.push(context.key!);
      throw failure(code);
    },
    'note.nothing': (_payload, context) => (runs.push(context.key!), null),
    'note.bigint': () => ({ n: 1n }),
    'note.slow': () => ({ done: true }),
    'note.wait': () => ({ aborted: false }),
  };
  const started = await startApp({ handlers });
  apps.push(started);
  const { client } = await started.signIn('1');
  let sent = 0;
  /** Sends the keyed request twice, the second after the first answer; both answers. */
  const twice = async (action: string, payload: unknown, key: string) => {
    const answers: Frame[] = [];
    for (let i = 0; i < 2; i++) {
      const id = `r${++sent}`;
      client.send({ type: 'req', id, action, payload, key });
      answers.push(await client.next((frame) => frame.type === 'res' && frame.id === id));
    }
    return answers;
  };
  return { runs, twice };
}

describe('what a keyed request\'s answer leaves in the window', () => {
  it('answers a repeat of a result, and of a null result, without running it again', async () => {
    const { runs, twice } = await app();
    const [first, again] = await twice('note.add', { board: 'b', text: 'x' }, 'added');
    expect(again).toEqual({ ...first, id: again!.id });
    expect(again).toMatchObject({ ok: true, data: { by: 'run 1' } });
    expect((await twice('note.nothing', null, 'nothing'))[1]).toMatchObject({ ok: true, data: null });
    expect(runs).toEqual(['added', 'nothing']);
  });

  it.each(['not_found', 'conflict', 'bad_request'])('answers a repeat of a handler\'s %s RequestError without running it again', async (code) => {
    const { runs, twice } = await app();
    const [first, again] = await twice('note.fail', { code }, 'failed');
    expect(first).toMatchObject({ ok: false, error: { code, message: `failed with ${code}` } });
    expect(again).toEqual({ ...first, id: again!.id });
    expect(runs).toEqual(['failed']);
  });

  it.each([
    ['internal', 'internal'],
    ['rate_limited', 'rate_limited'],
    ['conflict with retryAfterMs', 'conflict-retry'],
    ['rate_limited with retryAfterMs', 'rate_limited-retry'],
    ['an unexpected throw', null],
  ])('runs a repeat again after %s', async (_, code) => {
    const { runs, twice } = await app();
    const answers = await twice('note.fail', { code }, 'transient');
    for (const answer of answers) expect(answer).toMatchObject({ ok: false });
    expect(runs).toEqual(['transient', 'transient']);
  });
});
