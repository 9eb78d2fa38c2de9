// `oauth server`: run the embedded authorization server and protected resource until interrupted.
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import { show, type Outcome } from '../output/present.js';
import { renderRequestLine, serverStartView } from '../output/server.js';

export interface ServerInput {
  port: number;
  autoLogin: string | undefined;
  /** --client id[:secret], repeatable. */
  clients: string[];
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
  const clients = options.clients.map(parseClient);
  const { startServer } = await import('../server/start.js');
  const err = ctx.io.errStyle;
  const server = await startServer({
    port: options.port,
    autoLogin,
    clients,
    tokenTtl,
    mcp: options.mcp,
    initialAccessToken: options.initialAccessToken,
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
