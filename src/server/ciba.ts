// The embedded server's "authentication device" for OpenID CIBA (poll mode), which oidc-provider
// leaves to its host: a request for a user waits here until approved or denied through
// `POST /ciba/approve` or `/ciba/deny` (a test, a script, or a person with curl), or is approved at
// once with --auto-login. `GET /ciba` lists what waits.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { validUserName } from './interactions.js';

/** CIBA Core §7.3: seconds between polls, told to the client (a test server: short). */
const POLL_INTERVAL = 1;
const MAX_FORM = 16 * 1024;

/** One request waiting for its user, as GET /ciba lists it. */
export interface PendingCiba {
  auth_req_id: string;
  user: string;
  client_id: string;
  scope: string;
  binding_message?: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
}

/** The part of oidc-provider's BackchannelAuthenticationRequest used here. */
interface StoredRequest {
  jti: string;
  accountId: string;
  clientId: string;
  scope: string;
  resource?: string | string[] | undefined;
  params?: Record<string, unknown>;
  isExpired: boolean;
  grantId?: string;
  error?: string;
  errorDescription?: string;
}

interface Lib {
  errors: Record<string, new (description?: string) => Error>;
}

export interface CibaDevice {
  /** oidc-provider's `features.ciba`. */
  feature(lib: Lib): Record<string, unknown>;
  /** The provider, once created (the feature is part of its configuration). */
  attach(provider: Provider): void;
  /** GET /ciba, POST /ciba/approve, POST /ciba/deny. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createCibaDevice(options: {
  /** --auto-login: every request is approved at once, for the user its hint names. */
  autoApprove: boolean;
  /** Which scopes are OpenID ones (the rest are the resource's). */
  oidcScopes: readonly string[];
  /** Told about each request that waits for approval. */
  onRequest?: ((request: PendingCiba) => void) | undefined;
}): CibaDevice {
  let provider: Provider | undefined;
  let lib: Lib | undefined;
  const pending = new Map<string, PendingCiba>();

  const model = () =>
    (provider as unknown as { BackchannelAuthenticationRequest: Finder })
      .BackchannelAuthenticationRequest;
  const backchannelResult = (request: StoredRequest, result: unknown) =>
    (
      provider as unknown as {
        backchannelResult(r: StoredRequest, g: unknown, o?: Record<string, unknown>): Promise<void>;
      }
    ).backchannelResult(request, result, { authTime: Math.floor(Date.now() / 1000) });

  // The grant of what was asked for: its OpenID scopes, and the others for its resource.
  async function approve(request: StoredRequest): Promise<void> {
    if (!provider) throw new Error('CIBA device used before the provider was attached');
    const scopes = request.scope.split(' ').filter((s) => s !== '');
    const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
    const oidc = scopes.filter((s) => options.oidcScopes.includes(s));
    if (oidc.length > 0) grant.addOIDCScope(oidc.join(' '));
    const rest = scopes.filter((s) => !options.oidcScopes.includes(s));
    const resources = [request.resource ?? []].flat();
    for (const resource of resources) grant.addResourceScope(resource, rest.join(' '));
    await backchannelResult(request, await grant.save());
  }

  async function deny(request: StoredRequest): Promise<void> {
    const AccessDenied = lib?.errors.AccessDenied;
    if (!AccessDenied) throw new Error('CIBA device used before the provider was attached');
    // oidc-provider keeps the description as errorDescription, but assigns error_description.
    request.errorDescription = 'the user denied the login';
    await backchannelResult(request, new AccessDenied(request.errorDescription));
  }

  return {
    feature(given) {
      lib = given;
      const { errors } = given;
      const err = (name: string, description: string) => {
        const E = errors[name];
        return E ? new E(description) : new Error(description);
      };
      return {
        enabled: true,
        deliveryModes: ['poll'],
        // Any user name is an account here (as on the login page).
        processLoginHint: async (_ctx: unknown, hint: string) => validUserName(hint),
        processLoginHintToken: async () => {
          throw err(
            'InvalidRequest',
            'login_hint_token is not supported by this server; use login_hint or id_token_hint',
          );
        },
        // No user codes are registered here (backchannel_user_code_parameter is off for every client).
        verifyUserCode: async () => {},
        validateRequestContext: async () => {},
        // CIBA Core §7.1: shown to the user; short plain text.
        validateBindingMessage: async (_ctx: unknown, message: string | undefined) => {
          if (message === undefined) return;
          if (!/^[^\u0000-\u001f\u007f]{1,64}$/u.test(message)) {
            throw err(
              'InvalidBindingMessage',
              'the binding_message must be 1 to 64 characters, with no control characters',
            );
          }
        },
        triggerAuthenticationDevice: async (
          ctx: { body: Record<string, unknown> },
          request: StoredRequest,
        ) => {
          ctx.body.interval = POLL_INTERVAL;
          if (options.autoApprove) return approve(request);
          const message = request.params?.binding_message;
          const entry: PendingCiba = {
            auth_req_id: request.jti,
            user: request.accountId,
            client_id: request.clientId,
            scope: request.scope,
            ...(typeof message === 'string' ? { binding_message: message } : {}),
            expires_at: Date.now() + Number(ctx.body.expires_in ?? 0) * 1000,
          };
          pending.set(request.jti, entry);
          options.onRequest?.(entry);
        },
      };
    },
    attach(given) {
      provider = given;
    },
    async handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const now = Date.now();
      for (const [id, entry] of pending) if (entry.expires_at <= now) pending.delete(id);
      if (path === '/ciba' && req.method === 'GET') {
        return send(res, 200, { pending: [...pending.values()] });
      }
      const action = path === '/ciba/approve' ? approve : path === '/ciba/deny' ? deny : undefined;
      if (action === undefined) return send(res, 404, { error: 'not_found' });
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      const id = (await readForm(req)).get('auth_req_id') ?? '';
      if (id === '') return send(res, 400, { error: 'auth_req_id is required' });
      const request = await model().find(id, { ignoreExpiration: true });
      if (!request || !pending.has(id)) {
        return send(res, 404, { error: 'no such request waits (unknown, decided or expired)' });
      }
      pending.delete(id);
      if (request.isExpired) return send(res, 404, { error: 'the request has expired' });
      await action(request);
      return send(res, 200, {
        auth_req_id: id,
        result: action === approve ? 'approved' : 'denied',
      });
    },
  };
}

interface Finder {
  find(id: string, options?: { ignoreExpiration?: boolean }): Promise<StoredRequest | undefined>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}
