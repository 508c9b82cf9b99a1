/**
 * What an action returns: its data, or an error for `res` (a permission denial also names the
 * permission and resource that were missing).
 */
export type Outcome<Data> =
  | { ok: true; data: Data }
  | { ok: false; code: string; message: string; permission?: string; resource?: string };

/** A successful outcome. */
export const success = <Data>(data: Data): Outcome<Data> => ({ ok: true, data });

/** A failed outcome. */
export const failure = (code: string, message: string): Outcome<never> => ({ ok: false, code, message });
