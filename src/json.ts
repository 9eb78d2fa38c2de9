// JSON from outside (tokens, servers, the user), parsed with a bound on nesting: no token or
// response nests deeper than a few levels, and rendering a deeper one would overflow the stack.
import { CliError, ExitCode } from './errors.js';

/** Levels of arrays and objects accepted; deeper documents are refused. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON.parse (a SyntaxError as usual), refusing a document that nests too deep: exit 5 naming
 * `from`, a server's response (a token's parts are refused as input, exit 2, by their parser).
 */
export function parseJson(text: string, from: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (deeperThan(value, MAX_JSON_DEPTH)) {
    throw new CliError(
      'json_too_deep',
      ExitCode.network,
      `${from} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`,
      { hint: 'no token or OAuth response nests this deep; nothing of it was used or stored' },
    );
  }
  return value;
}

/** Walks without recursion, so the check itself cannot overflow. */
function deeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [object, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
