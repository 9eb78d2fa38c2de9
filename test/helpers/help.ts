// What commander prints for `oauth <command> --help` when stdout is not a terminal (80 columns,
// no colour), in process, from the source wiring: for the help snapshot and for the comparison
// with the help text generated at build time.
import { expect } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { fakeContext } from './context.js';

/** Every command path `oauth ... --help` answers ('' is the program itself). */
export const COMMAND_PATHS = [
  '',
  'decode',
  'verify',
  'login',
  'userinfo',
  'token',
  'call',
  'introspect',
  'revoke',
  'keygen',
  'demo',
  'server',
  'discover',
  'status',
  'logout',
  'switch',
  'register',
  'profile',
  'profile add',
  'profile list',
  'profile show',
  'profile remove',
  'provider',
  'provider list',
  'completion',
  '__complete',
];

/** stdout of `oauth <path> --help`, with no OAUTH_* variable in the environment. */
export async function commanderHelp(path: string): Promise<string> {
  const ctx = fakeContext();
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('OAUTH_')) delete process.env[name];
  }
  try {
    const args = [...path.split(' ').filter((word) => word !== ''), '--help'];
    const program = await buildProgram(ctx, () => {}, undefined, args);
    await program.parseAsync(['node', 'oauth', ...args]);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'commander.helpDisplayed') throw err;
  } finally {
    Object.assign(process.env, saved);
  }
  expect(ctx.stderr()).toBe('');
  return ctx.stdout();
}
