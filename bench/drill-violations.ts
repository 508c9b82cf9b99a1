/** A fault drill's broken promises: logged as they happen, the first 200 kept for the report. */

/** Keeps at most this many, so a drill that breaks everywhere still ends with a readable report. */
const KEEP = 200;

/** The list and the function that adds to it (and logs `VIOLATION …` through `log`). */
export function violationList(log: (line: string) => void): { violations: string[]; violate: (message: string) => void } {
  const violations: string[] = [];
  const violate = (message: string) => {
    if (violations.length < KEEP) violations.push(message);
    log(`VIOLATION ${message}`);
  };
  return { violations, violate };
}
