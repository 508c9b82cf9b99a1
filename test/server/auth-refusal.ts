/** What the token verifiers' tests ask of a refused token: it was refused with an AuthenticationError. */
import { AuthenticationError } from 'permsocket/server';
import { expect } from 'vitest';

/** The AuthenticationError a verification was refused with (the test fails on any other outcome). */
export async function authenticationError(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return error as AuthenticationError;
}

/** The message of that refusal: the words the engine logs and the 4401 carries. */
export const refusal = async (promise: Promise<unknown>): Promise<string> => (await authenticationError(promise)).message;
