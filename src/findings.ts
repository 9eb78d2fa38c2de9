// A finding: a server or token deviates from a spec in a way worth showing but not worth failing
// for (README "Architecture": report, don't reject). Rendered by the output layer, listed in --json.

export interface Finding {
  level: 'info' | 'warning' | 'error';
  /** Stable, machine-readable: 'expires_in_string', 'no_s256', ... */
  code: string;
  message: string;
  /** The spec section behind it: 'RFC 6749 §5.1'. */
  ref?: string;
}

/**
 * Receives the findings of the client and store layers as they happen; the command hands in one
 * that renders them on stderr. `metadata`: a finding about the server metadata, which is
 * `oauth discover`'s subject and elsewhere shown only with --verbose.
 */
export type Warn = (finding: Finding, about?: 'metadata') => void;
