// `oauth server`: run the embedded authorization server and protected resource until interrupted.
import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import { show, type Outcome } from '../output/present.js';
import { renderCibaWaiting, renderRequestLine, serverStartView } from '../output/server.js';

export interface ServerInput {
  port: number;
  autoLogin: string | undefined;
  /** --client id[:secret], repeatable. */
  clients: string[];
  /** --client-jwks id=file, repeatable: private_key_jwt clients (RFC 7523, RFC 9101). */
  clientJwks?: string[] | undefined;
  tokenTtl: number | undefined;
  /** --mcp: the MCP endpoint on a port of its own. */
  mcp: boolean;
  /** RFC 7591 §3: registration only with this initial access token. */
  initialAccessToken?: string | undefined;
  /** RFC 8705: HTTPS, generated certificates, the mTLS clients and certificate-bound tokens. */
  mtls?: boolean | undefined;
}

export { NOTHING_MORE as view } from '../output/present.js';

/** `id` or `id:secret`, as given to --client. */
export function parseClient(value: string): { client_id: string; client_secret?: string } {
  const i = value.indexOf(':');
  const id = i === -1 ? value : value.slice(0, i);
  const secret = i === -1 ? undefined : value.slice(i + 1);
  if (!/^[\w.~-]{1,64}$/.test(id) || secret === '') {
    throw usageError(
      'invalid_client_option',
      `--client "${value}" is not id or id:secret`,
      'use letters, digits, ".", "_", "~" or "-" for the id, e.g. --client my-app:s3cret',
    );
  }
  return secret === undefined ? { client_id: id } : { client_id: id, client_secret: secret };
}

/**
 * `id=file`, as given to --client-jwks: a client authenticating with private_key_jwt whose
 * public keys (a JWKS, or one JWK) are in the file; a private key there is refused.
 */
export function parseClientJwks(value: string): {
  client_id: string;
  jwks: { keys: Record<string, unknown>[] };
} {
  const i = value.indexOf('=');
  const id = value.slice(0, Math.max(i, 0));
  const file = value.slice(i + 1);
  if (i === -1 || !/^[\w.~-]{1,64}$/.test(id) || file === '') {
    throw usageError(
      'invalid_client_option',
      `--client-jwks "${value}" is not id=file`,
      'e.g. --client-jwks my-app=client-jwks.json (oauth keygen --out client-key.pem > client-jwks.json)',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'not JSON';
    throw usageError(
      'invalid_client_jwks',
      `cannot read the JWKS of client ${id} from ${file} (${why})`,
      'give the JWKS file that `oauth keygen --out <key file>` printed',
    );
  }
  const record = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const keys = record(doc) && Array.isArray(doc.keys) ? (doc.keys as unknown[]) : [doc];
  if (keys.length === 0 || !keys.every((k) => record(k) && typeof k.kty === 'string')) {
    throw usageError(
      'invalid_client_jwks',
      `${file} is not a JWKS (an object with "keys") nor a JWK`,
      'give the JWKS file that `oauth keygen --out <key file>` printed',
    );
  }
  if (keys.some((k) => record(k) && k.d !== undefined)) {
    throw usageError(
      'invalid_client_jwks',
      `${file} holds a private key ("d"): the server needs the public keys only`,
      'give the JWKS that `oauth keygen` printed on stdout, not the private key file',
    );
  }
  return { client_id: id, jwks: { keys: keys as Record<string, unknown>[] } };
}

export async function run(options: ServerInput, ctx: Context): Promise<Outcome<unknown>> {
  const signal = ctx.signal; // handlers for Ctrl-C and SIGTERM before anything is printed
  const tokenTtl = options.tokenTtl;
  if (tokenTtl !== undefined && (!Number.isInteger(tokenTtl) || tokenTtl < 1)) {
    throw usageError(
      'invalid_token_ttl',
      '--token-ttl must be a whole number of seconds, 1 or more',
      'e.g. --token-ttl 60',
    );
  }
  const autoLogin = options.autoLogin?.trim();
  if (autoLogin !== undefined && !/^[^\u0000-\u001f\u007f]{1,64}$/.test(autoLogin)) {
    throw usageError(
      'invalid_auto_login',
      '--auto-login needs a user name of 1 to 64 characters',
      'e.g. --auto-login alice',
    );
  }
  const clients = [
    ...options.clients.map(parseClient),
    ...(options.clientJwks ?? []).map(parseClientJwks),
  ];
  const { startServer } = await import('../server/start.js');
  const err = ctx.io.errStyle;
  const server = await startServer({
    port: options.port,
    autoLogin,
    clients,
    tokenTtl,
    mcp: options.mcp,
    initialAccessToken: options.initialAccessToken,
    onCibaRequest: (request, issuer) => ctx.io.err(renderCibaWaiting(request, issuer, err)),
    mtls: options.mtls,
    onRequest: ctx.globals.verbose ? (line) => ctx.io.err(renderRequestLine(line, err)) : undefined,
    onError:
      ctx.globals.verbose || ctx.globals.debug
        ? (error) =>
            ctx.io.err(
              `${err.red('server error:')} ${error instanceof Error ? (ctx.globals.debug ? error.stack : error.message) : String(error)}\n`,
            )
        : undefined,
  });
  show(ctx, { started: server, autoLogin }, serverStartView);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return { exitCode: ExitCode.ok, result: undefined };
}
