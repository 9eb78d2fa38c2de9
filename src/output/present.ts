// The one place that decides how a command's result is shown: the human form, or with --json the
// documented JSON document. Every command returns an Outcome; src/cli/ hands it here with the
// command's View.
import type { Context } from '../context.js';

/** What a view prints: results on stdout, everything else on stderr. */
export interface Printed {
  out?: string;
  err?: string;
}

/** What a command hands back: its exit code (README "Exit codes") and its result. */
export interface Outcome<R> {
  exitCode: number;
  result: R;
  /** Work that follows the output: the browser's page of a login, answered once it is printed. */
  after?: () => Promise<void>;
}

/** How a command's result looks: to people, and as JSON. */
export interface View<R> {
  human(result: R, ctx: Pick<Context, 'io' | 'globals'>): Printed;
  json(result: R, ctx: Pick<Context, 'io' | 'globals'>): Printed;
}

/** Prints an outcome as --json asks; returns its exit code. */
export function present<R>(ctx: Context, outcome: Outcome<R>, view: View<R>): number {
  show(ctx, outcome.result, view);
  return outcome.exitCode;
}

/** Prints a result as --json asks: the outcome, or what a long-running command shows first. */
export function show<R>(ctx: Pick<Context, 'io' | 'globals'>, result: R, view: View<R>): void {
  const printed = ctx.globals.json ? view.json(result, ctx) : view.human(result, ctx);
  if (printed.out !== undefined && printed.out !== '') ctx.io.out(printed.out);
  if (printed.err !== undefined && printed.err !== '') ctx.io.err(printed.err);
}

/** The view of a command whose output was all printed while it ran. */
export const NOTHING_MORE: View<unknown> = { human: () => ({}), json: () => ({}) };

/** How each of many results looks, for a command that prints them as they come. */
export interface StreamView<T> {
  human(item: T, index: number, ctx: Pick<Context, 'io' | 'globals'>): string;
  json(item: T, index: number): string;
}

/** The renderer of one streamed result, chosen once as --json asks. */
export function itemRenderer<T>(
  ctx: Pick<Context, 'io' | 'globals'>,
  view: StreamView<T>,
): (item: T, index: number) => string {
  return ctx.globals.json
    ? (item, index) => view.json(item, index)
    : (item, index) => view.human(item, index, ctx);
}
