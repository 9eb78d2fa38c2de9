// The record of one HTTP exchange, as the client saw it, for `--verbose` (rendered and redacted by
// output/trace.ts). It carries the raw values: redaction happens at display time.

export interface TraceEvent {
  /** What the exchange was for: 'discovery', 'JWKS', 'token endpoint'. */
  purpose: string;
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
    /** RFC 8705: the client certificate presented in the TLS handshake, by its files. */
    clientCert?: { cert: string; key?: string; type: 'PEM' | 'P12' };
  };
  response?: {
    status: number;
    headers: Record<string, string>;
    /** The (decompressed) body as text, when it was read. */
    body?: string;
    /** Bytes on the wire, before decompression. */
    bytes: number;
  };
  /** Why the exchange failed, when it did. */
  error?: string;
  durationMs: number;
}
