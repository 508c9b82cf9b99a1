/**
 * What the benchmarks' SDK clients import, compiled as one module by bench/compiled.ts (as an app's
 * bundler ships the SDK) rather than run through tsx: the client and the contract it checks come
 * from the same compiled copy of src/.
 */
export { createClient } from '../src/index';
export { chatContract } from '../demo/contract';
