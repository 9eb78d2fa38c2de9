// HTTP for every exchange with a server (undici): deadlines, size caps, redirect policy, TLS, proxies,
// and a trace event per exchange. STUB: the interface is fixed; the implementation is being written.
import { CliError, ExitCode } from '../errors.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | URLSearchParams | Uint8Array;
  /** What this exchange is, for errors and the trace: 'discovery', 'JWKS', 'token endpoint'. */
  purpose: string;
  /** Cap on the (decompressed) body; default 1 MiB. */
  maxBytes?: number;
  /** Authorization-server endpoints never follow redirects (SECURITY.md); default 'never'. */
  redirect?: 'never' | 'same-origin';
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after allowed redirects). */
  url: string;
  text(): string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * GET a JSON document (discovery, JWKS). A transport failure, a status other than 200, a body
   * that is not JSON, or one over the cap is a CliError with exit code 5 naming `purpose` and URL.
   */
  getJson(url: string | URL, purpose: string, options?: { maxBytes?: number }): Promise<unknown>;
  close(): Promise<void>;
}

export interface HttpOptions {
  /** Seconds for connect, headers and body, each. */
  timeout: number;
  cacert: string | undefined;
  insecure: boolean;
  env: NodeJS.ProcessEnv;
  /** Receives one event per exchange (rendered by output/trace.ts with --verbose). */
  onTrace?: (event: unknown) => void;
}

export function createHttpClient(_options: HttpOptions): HttpClient {
  const unavailable = async (): Promise<never> => {
    throw new CliError('not_implemented', ExitCode.internal, 'HTTP is not implemented yet');
  };
  return { request: unavailable, getJson: unavailable, close: async () => {} };
}
