/**
 * Imported first by main.tsx, before the contract builds its schemas: zod 4 otherwise probes for
 * `new Function` (its JIT parsers), which the page's Content-Security-Policy (no 'unsafe-eval')
 * blocks and reports as a violation. Without the JIT zod validates the same, a little slower.
 * An export main.tsx reads, not a bare import: the package is `sideEffects: false`, so the bundler
 * would drop an import that only runs code.
 */
import { config } from 'zod';

/** zod's global configuration, now without JIT (no eval). */
export const zodConfig = config({ jitless: true });
