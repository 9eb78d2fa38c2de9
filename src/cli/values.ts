// The typed values of a parsed command line, and the option parsers that make them. Free of
// commander: commander runs these parsers (src/cli/shared.ts, the wiring), and so does the
// prebuilt parse of a plain command line (src/cli/prebuilt-parse.ts), which must agree with it.

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const strs = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** Repeatable option whose values may also be space- or comma-separated. */
export function collect(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(/[\s,]+/).filter((part) => part !== '');
  return [...(previous ?? []), ...parts];
}

/** Repeatable option, each value as it is (--param key=value). */
export function append(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A number of seconds >= 0, or undefined when `value` is none (commander's parser says why). */
export function secondsValue(value: string): number | undefined {
  const n = Number(value);
  return value.trim() === '' || !Number.isFinite(n) || n < 0 ? undefined : n;
}
