// oidc-provider's configuration for the embedded server: built-in clients, features, JWT access
// tokens for the one protected resource, lifetimes, and our own pages instead of its dev ones.
import { randomBytes } from 'node:crypto';

import { createMemoryAdapter } from './adapter.js';
import { mtlsClients, mtlsFeature, type MtlsFiles } from './mtls.js';
import { providerPages } from './pages.js';

export const API_SCOPES = ['api:read', 'api:write'];
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** OpenID CIBA Core §4, §10.1: for confidential clients only, in poll mode (server/ciba.ts). */
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** RFC 8252 §7.3: native clients may use any port on these loopback redirects. */
const LOOPBACK_REDIRECTS = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `http://${h}/callback`);
const LOOPBACK_LOGOUT = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `http://${h}/logout`);

export interface ClientSpec {
  client_id: string;
  client_secret?: string | undefined;
  /** --client-jwks: the public keys of a private_key_jwt client (and of its request objects). */
  jwks?: { keys: Record<string, unknown>[] } | undefined;
}

export interface ClientInfo {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
}

export const BUILT_IN_CLIENTS: ClientSpec[] = [
  { client_id: 'oauth-cli' },
  { client_id: 'ci', client_secret: 'ci-secret' },
];

/** Client metadata for oidc-provider (and the summary printed at start). */
export function clientMetadata(spec: ClientSpec): Record<string, unknown> {
  const scope = [...OIDC_SCOPES, ...API_SCOPES].join(' ');
  if (spec.client_id === 'ci') {
    return {
      client_id: 'ci',
      client_secret: spec.client_secret,
      client_name: 'ci',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: API_SCOPES.join(' '),
    };
  }
  if (spec.jwks !== undefined) return keyClientMetadata(spec, scope);
  const confidential = spec.client_secret !== undefined;
  return {
    client_id: spec.client_id,
    client_name: spec.client_id,
    ...(confidential ? { client_secret: spec.client_secret } : {}),
    application_type: 'native',
    grant_types: [
      'authorization_code',
      'refresh_token',
      DEVICE_GRANT,
      ...(confidential ? ['client_credentials', CIBA_GRANT] : []),
    ],
    ...(confidential ? { backchannel_token_delivery_mode: 'poll' } : {}),
    response_types: ['code'],
    redirect_uris: LOOPBACK_REDIRECTS,
    post_logout_redirect_uris: LOOPBACK_LOGOUT,
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    scope,
  };
}

// JAR (RFC 9101) and JARM: a client that authenticates with private_key_jwt (RFC 7523) and whose
// request objects are checked with the same registered keys.
function keyClientMetadata(spec: ClientSpec, scope: string): Record<string, unknown> {
  return {
    client_id: spec.client_id,
    client_name: spec.client_id,
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'client_credentials'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_REDIRECTS,
    post_logout_redirect_uris: LOOPBACK_LOGOUT,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: spec.jwks,
    scope,
  };
}

/** The request object and JWT response mode features (RFC 9101, JARM), signed with `alg`. */
function jarAndJarm(alg: string) {
  return {
    clientDefaults: { authorization_signed_response_alg: alg },
    features: {
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      jwtResponseModes: { enabled: true },
    },
  };
}

export function clientInfo(spec: ClientSpec): ClientInfo {
  const meta = clientMetadata(spec);
  return {
    client_id: spec.client_id,
    ...(spec.client_secret !== undefined ? { client_secret: spec.client_secret } : {}),
    token_endpoint_auth_method: String(meta.token_endpoint_auth_method),
    grant_types: meta.grant_types as string[],
  };
}

export interface ProviderSettings {
  issuer: string;
  api: string;
  /** The MCP endpoint (`oauth server --mcp`): a second resource, its own audience. */
  mcp?: string | undefined;
  clients: ClientSpec[];
  /** Private signing keys (JWK), the first is used for tokens. */
  jwks: { keys: Record<string, unknown>[] };
  /** Access token lifetime in seconds. */
  tokenTtl: number;
  signingAlg: string;
  /** RFC 7591 §3: dynamic registration only with this initial access token (else open). */
  initialAccessToken?: string | undefined;
  /** `features.ciba`: the authentication device (server/ciba.ts). */
  ciba: Record<string, unknown>;
  /** RFC 8705 (`oauth server --mtls`): the certificates of the mTLS clients (server/mtls.ts). */
  mtls?: MtlsFiles | undefined;
}

/** The claims of a user: any user name is an account (the server is for testing). */
function account(accountId: string) {
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        name: accountId,
        preferred_username: accountId,
        email: `${accountId}@example.com`,
        email_verified: false,
      };
    },
  };
}

interface HasScopes {
  scopes: Set<string>;
}

export function createProvider(lib: typeof import('oidc-provider'), s: ProviderSettings) {
  const { Provider, errors } = lib;
  const resourceServer = {
    scope: API_SCOPES.join(' '),
    audience: s.api,
    accessTokenTTL: s.tokenTtl,
    // RFC 9068: JWT access tokens, `typ: at+jwt`.
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: s.signingAlg } },
  };
  const day = 24 * 60 * 60;
  const jar = jarAndJarm(s.signingAlg);
  const provider = new Provider(s.issuer, {
    adapter: createMemoryAdapter(),
    clients: [
      ...s.clients.map(clientMetadata),
      ...(s.mtls
        ? mtlsClients(s.mtls, {
            application_type: 'native',
            redirect_uris: LOOPBACK_REDIRECTS,
            scope: [...OIDC_SCOPES, ...API_SCOPES].join(' '),
          })
        : []),
    ],
    jwks: s.jwks,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: s.signingAlg,
      token_endpoint_auth_method: 'client_secret_basic',
      ...jar.clientDefaults,
      // RFC 9396 §10: every client may ask for the example types (oidc-provider allows none by default).
      authorization_details_types: RAR_TYPES,
    },
    scopes: [...OIDC_SCOPES, ...API_SCOPES],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    // RFC 8705 §2: the two mTLS methods join the defaults with --mtls.
    ...(s.mtls
      ? {
          clientAuthMethods: [
            'client_secret_basic',
            'client_secret_jwt',
            'client_secret_post',
            'private_key_jwt',
            'none',
            'tls_client_auth',
            'self_signed_tls_client_auth',
          ],
        }
      : {}),
    findAccount: async (_ctx: unknown, sub: string) => account(sub),
    // RFC 7636: S256 for every client, public or not.
    pkce: { required: () => true },
    // RFC 9700 §2.1.2: the code flow only; no implicit or hybrid response types are offered.
    responseTypes: ['code', 'none'],
    clientBasedCORS: () => false,
    // Registration (RFC 7591) is for native clients with loopback redirects only: see nativeOnly.
    extraClientMetadata: { properties: ['software_id'], validator: nativeOnly(errors) },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    renderError: providerPages.renderError,
    issueRefreshToken: async (
      _ctx: unknown,
      client: { grantTypeAllowed(g: string): boolean; clientAuthMethod: string },
      code: HasScopes,
    ) =>
      client.grantTypeAllowed('refresh_token') &&
      (client.clientAuthMethod === 'none' || code.scopes.has('offline_access')),
    ttl: {
      AccessToken: s.tokenTtl,
      ClientCredentials: s.tokenTtl,
      IdToken: s.tokenTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      Interaction: 3600,
      RefreshToken: 14 * day,
      Session: 14 * day,
      Grant: 14 * day,
      BackchannelAuthenticationRequest: 600,
    },
    features: {
      ...jar.features,
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: providerPages.userCodeInputSource,
        userCodeConfirmSource: providerPages.userCodeConfirmSource,
        successSource: providerPages.successSource,
      },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      pushedAuthorizationRequests: { enabled: true },
      richAuthorizationRequests: richAuthorizationRequests(errors),
      ciba: s.ciba,
      dPoP: { enabled: true },
      ...(s.mtls ? { mTLS: mtlsFeature() } : {}),
      userinfo: { enabled: true },
      // RFC 7591 at /reg, RFC 7592 (read, delete) at /reg/<client_id> with the registration token.
      registration: {
        enabled: true,
        initialAccessToken: s.initialAccessToken ?? false,
        issueRegistrationAccessToken: true,
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: providerPages.logoutSource,
        postLogoutSuccessSource: providerPages.postLogoutSuccessSource,
      },
      // RFC 8707: the API (requests without `resource` get it), and the MCP endpoint with --mcp.
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf ?? s.api,
        // An authorization code or refresh token with API scopes keeps giving API (JWT) tokens;
        // one for `openid` alone gives the opaque token that the userinfo endpoint accepts.
        useGrantedResource: async (_ctx: unknown, model: HasScopes) =>
          API_SCOPES.some((scope) => model.scopes.has(scope)),
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (s.mcp !== undefined && indicator === s.mcp) {
            return { ...resourceServer, audience: s.mcp };
          }
          if (indicator !== s.api) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
  });
  return provider;
}

/**
 * What may register here (RFC 7591 §2, RFC 8252 §7.3, §8.4): native clients whose redirect URIs
 * are all loopback http URIs, and no others. Static clients (no request) pass.
 */
function nativeOnly(errors: typeof import('oidc-provider').errors) {
  return (ctx: unknown, key: string, _value: unknown, metadata: Record<string, unknown>) => {
    if (ctx === undefined || key !== 'software_id') return;
    const redirects = metadata.redirect_uris;
    const loopback = (uri: unknown) =>
      typeof uri === 'string' &&
      URL.canParse(uri) &&
      new URL(uri).protocol === 'http:' &&
      ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(uri).hostname);
    if (metadata.application_type !== 'native') {
      throw new errors.InvalidClientMetadata(
        'only native clients (application_type native) may register at this server',
      );
    }
    if (!Array.isArray(redirects) || !redirects.every(loopback)) {
      // oidc-provider answers invalid_redirect_uri for a description about redirect_uris.
      throw new errors.InvalidClientMetadata(
        'redirect_uris must be loopback http URIs (http://127.0.0.1/..., http://[::1]/..., http://localhost/...) to register here',
      );
    }
  };
}

interface PolicyClient {
  clientId: string;
  clientAuthMethod: string;
}

// RFC 7662 §4: a public client may only introspect its own tokens.
async function introspectionAllowed(
  _ctx: unknown,
  client: PolicyClient,
  token: { clientId?: string },
): Promise<boolean> {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId;
}

// RFC 7009 §2.1: a client may only revoke its own tokens.
async function revocationAllowed(
  _ctx: unknown,
  client: PolicyClient,
  token: { clientId?: string },
): Promise<boolean> {
  return token.clientId === client.clientId;
}

/** The authorization_details types the embedded server takes (RFC 9396 §2), each with its check. */
export const RAR_TYPES = ['payment_initiation', 'account_information'];

type Detail = Record<string, unknown> & { type: string };

/**
 * RFC 9396 with oidc-provider's richAuthorizationRequests: two example types; what was asked for
 * (oidc-provider's consent prompt comes up for it) is what the code, the access token (JWT claim,
 * RFC 9396 §9.1) and introspection (§9.2) carry. A type not listed is refused by oidc-provider
 * with invalid_authorization_details.
 */
function richAuthorizationRequests(errors: typeof import('oidc-provider').errors) {
  const refuse = (message: string) => {
    throw new errors.InvalidAuthorizationDetails(message);
  };
  const strings = (value: unknown) =>
    Array.isArray(value) && value.every((v) => typeof v === 'string');
  return {
    enabled: true,
    types: {
      // A payment: an instructedAmount with a currency and an amount (as open banking APIs ask).
      payment_initiation: {
        async validate(_ctx: unknown, detail: Detail) {
          const amount = detail.instructedAmount as Record<string, unknown> | undefined;
          if (
            amount === undefined ||
            typeof amount !== 'object' ||
            typeof amount.currency !== 'string' ||
            typeof amount.amount !== 'string'
          ) {
            refuse('payment_initiation needs instructedAmount {currency, amount} (strings)');
          }
        },
      },
      // Read access to accounts: actions from read, list.
      account_information: {
        async validate(_ctx: unknown, detail: Detail) {
          const actions = detail.actions;
          if (
            actions !== undefined &&
            (!strings(actions) || !(actions as string[]).every((a) => ['read', 'list'].includes(a)))
          ) {
            refuse('account_information actions must be among read, list');
          }
        },
      },
    },
    // What the code carries: the details of this request (oidc-provider asks for consent to them),
    // never those of an earlier login under the same grant.
    async authorizationDetailsForGrantSource(ctx: { oidc: { params?: Record<string, unknown> } }) {
      return parsed(ctx.oidc.params?.authorization_details);
    },
    // The access token: the code's (or refresh token's) details, or those of a client credentials request.
    async authorizationDetailsForAccessToken(
      ctx: { oidc: { params?: Record<string, unknown> } },
      _token: unknown,
      source: { rar?: Detail[] } | undefined,
    ) {
      return source?.rar ?? parsed(ctx.oidc.params?.authorization_details);
    },
    async authorizationDetailsForIntrospection(_ctx: unknown, token: { rar?: Detail[] }) {
      return token.rar;
    },
  };
}

function parsed(value: unknown): Detail[] | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as Detail[]) : undefined;
}
