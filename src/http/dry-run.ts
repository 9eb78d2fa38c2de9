// --dry-run: the request a command would send, built in full and held back (README "Reproducible
// requests"). Thrown by the HTTP client in place of sending; main.ts prints it and exits 0.
import type { TraceEvent } from './trace.js';

/** A request as it would go on the wire: method, URL, every header, the body as text. */
export type BuiltRequest = TraceEvent['request'];

/** Marks a DryRunStop across bundle files (each lazily loaded dist/*.cjs has its own copy). */
const BRAND = Symbol.for('oauth.DryRunStop');

export class DryRunStop extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value;
  }

  constructor(
    /** What the request is for: 'token endpoint', 'resource'. */
    readonly purpose: string,
    readonly request: BuiltRequest,
  ) {
    super(`dry run: the ${purpose} request was built, not sent`);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'DryRunStop';
  }
}
