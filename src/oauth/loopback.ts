// The loopback redirect receiver of a native app (RFC 8252 §7.3, §8.3): listens on 127.0.0.1 (and
// ::1 for `localhost`), answers only GET on the redirect path (and, for form_post and form_post.jwt,
// a form POST) with fixed pages, ignores anything
// that is not the answer to this flow, and closes after the first valid response or the deadline.
// The browser's page for that response waits for the end of the login, so it tells the truth.
import { randomBytes } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CliError, ExitCode, usageError } from '../errors.js';

export interface RedirectTarget {
  /** As in the URI: '127.0.0.1', 'localhost' or '[::1]'. */
  host: string;
  /** 0: any free port. */
  port: number;
  path: string;
}

/** The redirect target from --redirect-uri, else 127.0.0.1 on --port (default 0) at /callback. */
export function redirectTarget(
  redirectUri: string | undefined,
  port: number | undefined,
): RedirectTarget {
  if (redirectUri === undefined) return { host: '127.0.0.1', port: port ?? 0, path: '/callback' };
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw usageError(
      'invalid_redirect_uri',
      `--redirect-uri ${JSON.stringify(redirectUri)} is not a URL`,
      'use e.g. http://127.0.0.1:8400/callback',
    );
  }
  const host = url.hostname.toLowerCase();
  if (
    url.protocol !== 'http:' ||
    !['127.0.0.1', 'localhost', '[::1]'].includes(host) ||
    url.hash !== '' ||
    url.search !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw usageError(
      'invalid_redirect_uri',
      `--redirect-uri ${JSON.stringify(redirectUri)} must be http://127.0.0.1, http://[::1] or http://localhost with a port and path, no query or fragment (RFC 8252 §7.3)`,
      'use e.g. http://127.0.0.1:8400/callback',
    );
  }
  const uriPort = url.port === '' ? undefined : Number(url.port);
  if (port !== undefined && port !== 0 && uriPort !== undefined && uriPort !== port) {
    throw usageError(
      'redirect_port_conflict',
      `--port ${port} differs from the port of --redirect-uri (${uriPort})`,
      'give only one of them, or the same port',
    );
  }
  return { host, port: uriPort ?? port ?? 0, path: url.pathname };
}

export type CallbackDecision<T> =
  { kind: 'foreign' } | { kind: 'done'; value: T } | { kind: 'error'; error: CliError };

export interface LoopbackOptions<T> {
  target: RedirectTarget;
  /**
   * Decides what a GET on the redirect path means, from its query string (`via` 'query'), or an
   * accepted form POST, from its body (`via` 'form').
   */
  onCallback: (params: URLSearchParams, via: 'query' | 'form') => CallbackDecision<T>;
  /**
   * form_post or form_post.jwt was asked for (Form Post Response Mode §2): a form POSTed to the
   * redirect path is decided by its body, with the same checks as a query.
   */
  acceptPost?: boolean | undefined;
  /**
   * A form POSTed when none was asked for (refused, 405): the error that ends the login when the
   * form is this flow's answer (its state); undefined lets the wait go on.
   */
  unaskedPost?: ((form: URLSearchParams) => CliError | undefined) | undefined;
}

/** The largest form body taken (a JARM response is one JWT). */
export const MAX_FORM_BYTES = 64 * 1024;

export interface Loopback<T> {
  /** The redirect URI to send: http://<host>:<actual port><path>. */
  redirectUri: string;
  port: number;
  /** How many requests have reached the listener (its own warm-up aside). */
  heard(): number;
  /**
   * Resolves with the first 'done' value; the listener stops right after (close() waits for it).
   * Rejects on an 'error', the deadline or the signal, once closed.
   */
  wait(deadlineMs: number, signal?: AbortSignal): Promise<T>;
  /**
   * Answers the browser's request of the 'done' value with the success or (by default) the
   * failure page, and closes the listener and its sockets.
   */
  close(outcome?: 'success' | 'failure'): Promise<void>;
  /**
   * The redirect URL as the user pasted it from the browser's address bar (a headless login):
   * decided by the same `onCallback` as a request to the listener, and used once like it.
   */
  deliver(pasted: string): Delivery;
}

/**
 * What became of a pasted URL: taken (the wait resolves), refused for good (an error response or
 * a bad iss: the wait rejects), or set aside while the wait goes on.
 */
export type Delivery =
  | { kind: 'done' }
  | { kind: 'error' }
  | { kind: 'used' }
  | { kind: 'foreign' }
  | { kind: 'elsewhere' }
  | { kind: 'not_url' };

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-frame-options': 'DENY',
} as const;

function page(title: string, text: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style>' +
    `</head><body><h1>${title}</h1><p>${text}</p></body></html>\n`
  );
}

// Fixed text only: nothing from the request is ever written back (README "Security").
export const PAGES = {
  success: page(
    'Signed in',
    'You are signed in. You can close this tab and return to the terminal.',
  ),
  failure: page(
    'Sign-in failed',
    'The sign-in did not succeed. Return to the terminal for the details.',
  ),
  foreign: page('Not this sign-in', 'This response does not belong to the sign-in in progress.'),
  notFound: page('Not found', 'There is nothing here.'),
  notAllowed: page('Not allowed', 'Only the browser redirect is accepted here.'),
  badForm: page('Bad request', 'Only the form of the sign-in response is accepted here.'),
  badHost: page('Bad request', 'This request was not addressed to this application.'),
} as const;

function send(
  res: ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...PAGE_HEADERS, ...extra, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function listenError(err: unknown, host: string, port: number): CliError {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return usageError(
      'port_in_use',
      `port ${port} on ${host} is already in use: the login cannot receive the browser's redirect there`,
      'stop what is listening there, or pass another --port (0 picks a free one) if the server allows any port',
    );
  }
  if (code === 'EACCES') {
    return usageError(
      'port_not_allowed',
      `not allowed to listen on port ${port} on ${host}`,
      'use a port above 1023, or --port 0',
    );
  }
  return new CliError(
    'loopback_failed',
    ExitCode.network,
    `cannot listen on ${host}:${port} (${String(code ?? (err as Error).message)})`,
    { hint: 'check that the loopback interface is up' },
  );
}

/**
 * The first answer of a process costs some milliseconds of lazy compiling (request parser,
 * callback check, response writer): paid while the user is in the browser, on one request of our
 * own to the redirect path without a state, answered 400 like any response of another flow.
 */
function warmUp(host: string, port: number, hostHeader: string, target: string): void {
  const req = request(
    { host, port, path: target, headers: { host: hostHeader }, agent: false },
    (res) => res.resume(),
  );
  req.on('error', () => {});
  req.end();
}

/**
 * No request reached the redirect URI (`what` says when the wait ended, naming the URI): servers
 * that register one exact redirect URI answer any other with an error page, not a redirect
 * (RFC 6749 §3.1.2.4; RFC 8252 §7.3 asks them to allow any loopback port, but many do not).
 */
export function redirectNeverCame(what: string): CliError {
  return new CliError(
    'redirect_not_received',
    ExitCode.authorization,
    `${what}; the server may not accept this redirect URI (a server that accepts only the registered one shows an error page instead of redirecting)`,
    {
      hint: 'pass the redirect URI registered for this client, e.g. --redirect-uri http://127.0.0.1:<the port you registered>/callback (some servers need http://localhost:<port>/callback); if the sign-in was only slow, give more time with --wait <seconds>',
    },
  );
}

type FormRead = { form: URLSearchParams } | { status: 413 | 415; why: string };

/**
 * The body of a form post (OAuth 2.0 Form Post Response Mode §2): application/x-www-form-urlencoded,
 * at most MAX_FORM_BYTES (the rest is read and dropped, so that the answer reaches the sender);
 * refused with 415 for another content type, 413 for a larger body.
 */
function readForm(req: IncomingMessage): Promise<FormRead> {
  const given = req.headers['content-type'] ?? '';
  const type = (given.split(';')[0] ?? '').trim().toLowerCase();
  return new Promise((resolve, reject) => {
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      req.on('end', () =>
        resolve({
          status: 415,
          why: `its content type was ${type === '' ? 'absent' : JSON.stringify(type.slice(0, 100))}, not application/x-www-form-urlencoded`,
        }),
      );
      req.on('error', reject);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        size > MAX_FORM_BYTES
          ? { status: 413, why: `its body was larger than ${MAX_FORM_BYTES} bytes` }
          : { form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) },
      ),
    );
    req.on('error', reject);
  });
}

/** Starts the receiver; it is listening when this resolves (before any browser opens). */
export async function startLoopback<T>(options: LoopbackOptions<T>): Promise<Loopback<T>> {
  const { target } = options;
  const sockets = new Set<Socket>();
  let settle: ((outcome: { value: T } | { error: unknown }) => void) | undefined;
  /** The request that brought the 'done' value: answered by close(). */
  let pending: ServerResponse | undefined;
  let finished: { value: T } | { error: unknown } | undefined;
  const finish = (outcome: { value: T } | { error: unknown }) => {
    if (finished) return;
    finished = outcome;
    settle?.(outcome);
  };

  let actualPort = target.port;
  const expectedHost = () => `${target.host}:${actualPort}`;
  /** Our own warm-up request, told apart from the browser's. */
  const warmUpTarget = `${target.path}?warm-up=${randomBytes(8).toString('hex')}`;
  /** Requests that reached the listener, other than the warm-up: none means no redirect came. */
  let heard = 0;
  /** Why the last form POST was refused (its content type, its size): said if the wait times out. */
  let refusedPost: string | undefined;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('connection', 'close');
    if (req.url !== warmUpTarget) heard++;
    if (finished) {
      send(res, 410, PAGES.notAllowed);
      return;
    }
    // DNS rebinding: a page elsewhere cannot make the browser send its Host here (RFC 8252 §8.3).
    if ((req.headers.host ?? '').toLowerCase() !== expectedHost()) {
      send(res, 400, PAGES.badHost);
      return;
    }
    const raw = req.url ?? '/';
    const at = raw.indexOf('?');
    const path = at === -1 ? raw : raw.slice(0, at);
    if (path !== target.path) {
      send(res, 404, PAGES.notFound);
      return;
    }
    if (req.method === 'POST') {
      readForm(req).then(
        (read) => post(read, res),
        () => res.destroy(),
      );
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, PAGES.notAllowed, { allow: options.acceptPost ? 'GET, POST' : 'GET' });
      return;
    }
    decide(new URLSearchParams(at === -1 ? '' : raw.slice(at + 1)), 'query', res);
  };
  // Form Post Response Mode §2: the parameters in the body, only when the request asked for it.
  const post = (read: FormRead, res: ServerResponse) => {
    if (finished) {
      send(res, 410, PAGES.notAllowed);
      return;
    }
    if (!options.acceptPost) {
      const error = 'form' in read ? options.unaskedPost?.(read.form) : undefined;
      send(res, 405, PAGES.notAllowed, { allow: 'GET' });
      if (error !== undefined) finish({ error });
      return;
    }
    if ('why' in read) {
      refusedPost = read.why;
      send(res, read.status, PAGES.badForm);
      return;
    }
    decide(read.form, 'form', res);
  };
  const decide = (params: URLSearchParams, via: 'query' | 'form', res: ServerResponse) => {
    if (finished) {
      send(res, 410, PAGES.notAllowed);
      return;
    }
    const decision = options.onCallback(params, via);
    if (decision.kind === 'foreign') {
      send(res, 400, PAGES.foreign);
      return;
    }
    if (decision.kind === 'done') {
      pending = res;
      finish({ value: decision.value });
    } else {
      send(res, 400, PAGES.failure);
      finish({ error: decision.error });
    }
  };

  const servers: Server[] = [];
  const makeServer = () => {
    const server = createServer(handler);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    servers.push(server);
    return server;
  };
  let closing: Promise<void> | undefined;
  const close = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ),
    );
  };
  // Sockets of a finished flow get their answer, then go; the pending one once it has its page.
  const dropSockets = () => {
    const others = [...sockets].filter((socket) => socket !== pending?.socket);
    for (const socket of others) socket.end();
    setTimeout(() => {
      for (const socket of others) socket.destroy();
    }, 200).unref();
  };
  const answer = (outcome: 'success' | 'failure') => {
    const res = pending;
    pending = undefined;
    if (res === undefined) return;
    if (outcome === 'success') send(res, 200, PAGES.success);
    else send(res, 400, PAGES.failure);
    const socket = res.socket;
    setTimeout(() => socket?.destroy(), 200).unref();
  };

  const hosts =
    target.host === 'localhost'
      ? ['127.0.0.1', '::1']
      : [target.host === '[::1]' ? '::1' : '127.0.0.1'];
  try {
    actualPort = await listen(makeServer(), target.port, hosts[0] ?? '127.0.0.1');
    if (hosts[1] !== undefined) {
      try {
        await listen(makeServer(), actualPort, hosts[1]);
      } catch (err) {
        // No IPv6 on this machine: 127.0.0.1 alone still receives `localhost`.
        if ((err as { code?: unknown }).code !== 'EADDRNOTAVAIL') throw err;
      }
    }
  } catch (err) {
    dropSockets();
    await close();
    throw listenError(err, target.host, target.port === 0 ? actualPort : target.port);
  }

  warmUp(hosts[0] ?? '127.0.0.1', actualPort, expectedHost(), warmUpTarget);
  const redirectUri = `http://${target.host}:${actualPort}${target.path}`;

  const deliver = (pasted: string): Delivery => {
    if (finished) return { kind: 'used' };
    // As copied from an address bar, maybe in quotes or angle brackets.
    const text = pasted.trim().replace(/^(["'<])(.*)(["'>])$/, '$2');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { kind: 'not_url' };
    }
    if (`${url.protocol}//${url.host}${url.pathname}` !== redirectUri) return { kind: 'elsewhere' };
    heard++; // an answer to the redirect URI, as a request to the listener would be
    const decision = options.onCallback(url.searchParams, 'query');
    if (decision.kind === 'foreign') return { kind: 'foreign' };
    if (decision.kind === 'done') {
      finish({ value: decision.value });
      return { kind: 'done' };
    }
    finish({ error: decision.error });
    return { kind: 'error' };
  };

  return {
    redirectUri,
    port: actualPort,
    heard: () => heard,
    deliver,
    close: async (outcome = 'failure') => {
      finish({ error: new CliError('interrupted', ExitCode.interrupted, 'interrupted') });
      answer(outcome);
      if (closing === undefined) {
        dropSockets();
        closing = close();
      }
      await closing;
    },
    wait: (deadlineMs, signal) =>
      new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const onAbort = () =>
          finish({ error: new CliError('interrupted', ExitCode.interrupted, 'interrupted') });
        settle = (outcome) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          // The listener stops, and the answered sockets close, on the next timer: once the flow
          // has gone on and its code exchange is on the wire. close() waits for them. A failure
          // still ends with the port closed.
          closing = new Promise<void>((next) => setTimeout(next, 0)).then(() => {
            dropSockets();
            return close();
          });
          if ('value' in outcome) resolve(outcome.value);
          else void closing.then(() => reject(outcome.error));
        };
        timer = setTimeout(
          () =>
            finish({
              error:
                heard === 0
                  ? redirectNeverCame(
                      `the login timed out: no redirect reached ${redirectUri} within ${Math.round(deadlineMs / 1000)} s`,
                    )
                  : new CliError(
                      'login_timeout',
                      ExitCode.authorization,
                      `the login timed out: no answer from the browser within ${Math.round(deadlineMs / 1000)} s` +
                        (refusedPost === undefined
                          ? ''
                          : `; a form POST to the redirect URI was refused: ${refusedPost}`),
                      {
                        hint:
                          refusedPost === undefined
                            ? 'finish the login in the browser sooner, or give more time with --wait <seconds>'
                            : 'the server posted its answer in a form this login cannot take (Form Post Response Mode §2 sends application/x-www-form-urlencoded); run again with --verbose, or without --response-mode',
                      },
                    ),
            }),
          deadlineMs,
        );
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
        if (finished) settle(finished);
      }),
  };
}
