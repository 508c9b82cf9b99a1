#!/usr/bin/env node
/** The `permsocket` executable: see cli.ts. */
import { main } from './cli';

void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
