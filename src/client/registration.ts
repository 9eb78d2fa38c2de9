// Which client a login uses at an authorization server (README "Client registration"): the one
// given (flag, environment, profile), else the one oauth registered there before, else a new
// registration (RFC 7591) when the server offers one; a Client ID Metadata Document URL is taken
// as the client id it is.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import {
  LOOPBACK_REDIRECT,
  nativeClientMetadata,
  processRegistrationResponse,
  registrationRequest,
  type ClientMetadata,
} from '../oauth/registration.js';
import type { Registration } from '../store/registrations.js';
import type { Server } from './server.js';
import type { Settings } from './settings.js';
import { registrationStore } from './stores.js';

/** What a login adds to its settings: the client id, and what the registration says of it. */
export type ClientSettings = Pick<Settings, 'clientId'> &
  Partial<Pick<Settings, 'clientSecret' | 'authMethod' | 'redirectUri' | 'sources'>>;

export interface ClientOptions {
  /** RFC 7591 §3: --initial-access-token, for servers that allow registration only with one. */
  initialAccessToken?: string | undefined;
  /** --port of the login: the exact redirect URI to register (else the portless loopback one). */
  port?: number | undefined;
  /** RFC 8628: the login uses the device grant, so a registration asks for it too. */
  device?: boolean | undefined;
  /** At a terminal: asks for the client id when the server offers no way to register one. */
  ask?: (() => Promise<string>) | undefined;
}

/** RFC 8628 §3.4 (oauth/device.ts GRANT_DEVICE_CODE, which would load the device flow here). */
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The client_id_metadata_document_supported member of the metadata (draft-ietf-oauth-client-id-metadata-document §4). */
const CIMD_SUPPORTED = 'client_id_metadata_document_supported';

/**
 * The client of this login. `tell` says on stderr where the client came from when it was not
 * given (a stored registration, a new one).
 */
export async function clientForServer(
  ctx: Context,
  server: Server,
  settings: Settings,
  warn: Warn,
  tell: (text: string) => void,
  options: ClientOptions = {},
): Promise<ClientSettings> {
  const given = settings.clientId;
  if (given !== undefined && given !== '') {
    if (isMetadataDocumentUrl(given)) checkMetadataDocumentSupport(server, warn);
    return { clientId: given };
  }
  const issuer = server.issuer;
  const store = registrationStore(ctx, warn);
  const stored = issuer === undefined ? undefined : store.find(issuer);
  if (stored) {
    tell(
      `using the client ${stored.client_id} that oauth registered at ${stored.issuer} on ${stored.registered_at} (oauth register --list)`,
    );
    if (options.device && stored.grant_types && !stored.grant_types.includes(DEVICE_GRANT)) {
      warn({
        level: 'warning',
        code: 'registered_without_device_grant',
        message: `the client oauth registered at ${stored.issuer} has no ${DEVICE_GRANT} grant; the server may refuse the device flow (\`oauth register --remove\`, then \`oauth login --device\` registers one with it)`,
        ref: 'RFC 7591 §2',
      });
    }
    return fromRegistration(stored, settings);
  }
  const endpoint = server.metadata?.registration_endpoint;
  if (issuer !== undefined && typeof endpoint === 'string' && endpoint !== '') {
    const registration = await registerClient(ctx, server, {
      metadata: nativeClientMetadata({
        redirectUris: [redirectUriFor(settings, options.port)],
        grantTypes: options.device
          ? ['authorization_code', 'refresh_token', DEVICE_GRANT]
          : undefined,
      }),
      initialAccessToken: options.initialAccessToken,
      warn,
    });
    tell(
      `no --client-id given: registered the client ${registration.client_id} at ${issuer} (RFC 7591); the next login there reuses it`,
    );
    return fromRegistration(registration, settings);
  }
  if (options.ask) return { clientId: await options.ask() };
  if (server.metadata?.[CIMD_SUPPORTED] === true) {
    throw usageError(
      'client_id_missing',
      'no client id given, and the server offers no registration_endpoint; it accepts Client ID Metadata Documents',
      'host the document `oauth register --cimd --client-id https://<your host>/oauth-client.json` prints at that URL, then pass --client-id <that URL>',
    );
  }
  throw usageError(
    'client_id_missing',
    'no client id given',
    server.metadata === undefined
      ? 'pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one)'
      : 'pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one); the server offers no registration_endpoint (RFC 7591) to register one',
  );
}

/** The redirect URI a registration asks for: --redirect-uri, else the login's --port, else portless. */
export function redirectUriFor(settings: Pick<Settings, 'redirectUri'>, port?: number): string {
  if (settings.redirectUri !== undefined) return settings.redirectUri;
  if (port !== undefined && port !== 0) return `http://127.0.0.1:${port}/callback`;
  return LOOPBACK_REDIRECT;
}

/**
 * The settings a registration supplies: its id, its secret and method unless given, and its one
 * exact redirect URI when it registered no portless one and the login names none.
 */
function fromRegistration(r: Registration, settings: Settings): ClientSettings {
  const out: ClientSettings = { clientId: r.client_id, sources: { ...settings.sources } };
  if (r.client_secret !== undefined && settings.clientSecret === undefined) {
    out.clientSecret = r.client_secret;
    out.sources = { ...out.sources, clientSecret: 'default' };
  }
  const method = r.token_endpoint_auth_method;
  if (settings.authMethod === undefined && (method === 'none' || r.client_secret !== undefined)) {
    const known = ['none', 'client_secret_basic', 'client_secret_post'] as const;
    const m = known.find((k) => k === method);
    if (m) out.authMethod = m;
  }
  const uris = r.redirect_uris ?? [];
  if (
    settings.redirectUri === undefined &&
    !uris.includes(LOOPBACK_REDIRECT) &&
    uris.length === 1
  ) {
    out.redirectUri = uris[0];
  }
  return out;
}

/**
 * RFC 7591 §3: registers `metadata` at the server's registration_endpoint, checks the answer and
 * stores it for the issuer (replacing an earlier one). Nothing is stored on failure.
 */
export async function registerClient(
  ctx: Context,
  server: Server,
  request: {
    metadata: ClientMetadata;
    initialAccessToken?: string | undefined;
    warn: Warn;
  },
): Promise<Registration & { response: Record<string, unknown> }> {
  const endpoint = server.metadata?.registration_endpoint;
  const issuer = server.issuer;
  if (typeof endpoint !== 'string' || endpoint === '' || issuer === undefined) {
    throw usageError(
      'registration_unsupported',
      `the server metadata${issuer === undefined ? '' : ` of ${issuer}`} lists no registration_endpoint: it offers no dynamic client registration (RFC 7591)`,
      'register a client at the provider by hand and pass --client-id; or, if it accepts Client ID Metadata Documents, `oauth register --cimd`',
    );
  }
  const http = await ctx.http();
  const response = await registrationRequest(http, {
    endpoint,
    metadata: request.metadata,
    initialAccessToken: request.initialAccessToken,
    signal: ctx.signal,
  });
  const result = processRegistrationResponse(
    response,
    request.metadata,
    request.initialAccessToken !== undefined,
  );
  for (const finding of result.findings) request.warn(finding);
  const r = result.response;
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  const registration: Registration = {
    issuer,
    client_id: result.clientId,
    registered_at: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  if (result.clientSecret !== undefined) registration.client_secret = result.clientSecret;
  if (result.management) {
    registration.registration_client_uri = result.management.uri;
    registration.registration_access_token = result.management.token;
  }
  const method = r.token_endpoint_auth_method ?? request.metadata.token_endpoint_auth_method;
  if (typeof method === 'string') registration.token_endpoint_auth_method = method;
  const redirects = strings(r.redirect_uris) ?? strings(request.metadata.redirect_uris);
  if (redirects) registration.redirect_uris = redirects;
  const grants = strings(r.grant_types) ?? strings(request.metadata.grant_types);
  if (grants) registration.grant_types = grants;
  await registrationStore(ctx, request.warn).put(registration);
  return { ...registration, response: r };
}

/** A client id that is an https URL with a path: a Client ID Metadata Document's URL. */
export function isMetadataDocumentUrl(clientId: string): boolean {
  if (!clientId.startsWith('https://') || !URL.canParse(clientId)) return false;
  return new URL(clientId).pathname !== '/';
}

/** A metadata document URL as client id at a server that does not say it fetches them. */
function checkMetadataDocumentSupport(server: Server, warn: Warn): void {
  if (server.metadata === undefined || server.metadata[CIMD_SUPPORTED] === true) return;
  warn({
    level: 'warning',
    code: 'client_id_metadata_document_unsupported',
    message: `the client id is a URL, but the server's metadata does not set ${CIMD_SUPPORTED}: it may not fetch the document and refuse the client`,
    ref: 'draft-ietf-oauth-client-id-metadata-document §4',
  });
}

/**
 * draft-ietf-oauth-client-id-metadata-document §3: the document's URL is https with a path, no
 * fragment, no dot segments, no user info; `client_id` in the document equals it.
 */
export function metadataDocument(
  clientId: string,
  redirectUris: readonly string[],
  grantTypes?: readonly string[],
): Record<string, unknown> {
  const bad = (why: string) =>
    usageError(
      'client_id_document_url_invalid',
      `--client-id ${JSON.stringify(clientId)} cannot be a Client ID Metadata Document URL: ${why}`,
      'use the https URL where you will host the document, e.g. --client-id https://example.com/oauth-client.json',
    );
  if (!URL.canParse(clientId)) throw bad('it is not a URL');
  const url = new URL(clientId);
  if (url.protocol !== 'https:') throw bad('it must use https');
  if (url.pathname === '/' || url.pathname === '') throw bad('it must have a path');
  if (clientId.includes('#')) throw bad('it must not have a fragment');
  if (url.username !== '' || url.password !== '') throw bad('it must not have a user or password');
  if (/\/\.\.?(\/|$)/.test(clientId.slice(url.origin.length).split('?')[0] ?? '')) {
    throw bad('it must not have . or .. path segments');
  }
  return {
    client_id: clientId,
    ...nativeClientMetadata({ redirectUris, grantTypes }),
  };
}

/** RFC 7592: the registration's management endpoint and token, or exit 2 saying there is none. */
export function management(r: Registration): { uri: string; token: string } {
  if (r.registration_client_uri === undefined || r.registration_access_token === undefined) {
    throw new CliError(
      'registration_not_manageable',
      ExitCode.usage,
      `the registration of ${r.client_id} at ${r.issuer} has no registration_client_uri and registration_access_token: the server offers no RFC 7592 management for it`,
      {
        hint: 'manage the client at the provider; `oauth register --remove --local` forgets it here',
      },
    );
  }
  return { uri: r.registration_client_uri, token: r.registration_access_token };
}
