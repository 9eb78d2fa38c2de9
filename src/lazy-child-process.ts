// Bundling shim: commander loads node:child_process at start-up only to run external subcommands,
// which oauth never does; loading it on first use saves ~5 ms of every run (DESIGN.md performance).
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const spawn = ((...args: Parameters<typeof ChildProcess.spawn>) =>
  (require('node:child_process') as typeof ChildProcess).spawn(
    ...args,
  )) as typeof ChildProcess.spawn;
