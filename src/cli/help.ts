// At build time (scripts/build.mjs): every command's --help as commander prints it when stdout is
// not a terminal, written to dist/help.json for src/cli/prebuilt-help.ts.
import type { Option } from 'commander';
import { defaultGlobals, type Context } from '../context.js';
import type { Io } from '../output/io.js';
import type { HelpData } from './prebuilt-help.js';
import { buildProgram } from './index.js';
import { everyCommand, fullName } from './shared.js';

/** A context whose stdout is a string: not a terminal, no colour (80 columns, as at a pipe). */
function capture(): { ctx: Context; out: () => string } {
  let out = '';
  const plain = { level: 0 } as Io['outStyle'];
  const io = {
    out: (text: string) => void (out += text),
    err: (text: string) => void (out += text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    outStyle: plain,
    errStyle: plain,
  } as Io;
  const never = () => Promise.reject(new Error('help needs no HTTP'));
  const ctx: Context = {
    io,
    env: {},
    now: () => 0,
    signal: new AbortController().signal,
    globals: { ...defaultGlobals },
    http: never,
  };
  return { ctx, out: () => out };
}

/** Variables of `options` that commander parses or checks against choices. */
function checked(options: readonly Option[]): string[] {
  return options
    .filter((o) => o.envVar !== undefined && (o.parseArg !== undefined || o.argChoices))
    .map((o) => o.envVar ?? '');
}

/** The help of every command path (the build runs it with no OAUTH_* variable set). */
export async function helpData(): Promise<HelpData> {
  const data: HelpData = { texts: {}, checkedEnv: {} };
  const tree = await buildProgram(capture().ctx, () => {});
  for (const command of everyCommand(tree)) {
    const path = fullName(command);
    const { ctx, out } = capture();
    const args = [...path.split(' ').filter((word) => word !== ''), '--help'];
    const program = await buildProgram(ctx, () => {}, undefined, args);
    await program.parseAsync(['node', 'oauth', ...args]).catch((err: { code?: unknown }) => {
      if (err.code !== 'commander.helpDisplayed') throw err;
    });
    data.texts[path] = out();
    const chain: Option[] = [];
    for (let c: typeof command | null = command; c; c = c.parent) chain.push(...c.options);
    data.checkedEnv[path] = [...new Set(checked(chain))];
  }
  return data;
}
