// The authorization server as the client sees it: its metadata (discovery, RFC 8414 / OIDC
// Discovery), fetched only when an endpoint the command needs has no override, and its endpoints.
import type { HttpClient } from '../http/client.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import type { Discovery, Metadata } from '../oauth/discovery.js';
import { parseDiscoveryUrl } from '../oauth/discovery-url.js';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import { missingError, type Missing } from './required.js';

/** Each endpoint: its metadata member and its override flag. */
const ENDPOINTS = {
  token: ['token_endpoint', '--token-endpoint'],
  introspection: ['introspection_endpoint', '--introspection-endpoint'],
  revocation: ['revocation_endpoint', '--revocation-endpoint'],
  authorization: ['authorization_endpoint', '--authorization-endpoint'],
  device: ['device_authorization_endpoint', '--device-authorization-endpoint'],
  userinfo: ['userinfo_endpoint', '--userinfo-endpoint'],
  par: ['pushed_authorization_request_endpoint', '--par-endpoint'],
  ciba: ['backchannel_authentication_endpoint', '--ciba-endpoint'],
  jwks: ['jwks_uri', '--jwks-uri'],
} as const;
export type EndpointName = keyof typeof ENDPOINTS;

export interface Server {
  /**
   * The issuer to use and store: the metadata's `issuer` when discovery ran (the issuer may have
   * been given as its discovery URL), else the given one without a discovery URL's well-known part.
   */
  issuer: string | undefined;
  metadata: Metadata | undefined;
  findings: Finding[];
  /** The endpoint: the override, else the metadata; undefined when neither has it. */
  endpoint(name: EndpointName): string | undefined;
  /** The endpoint, or exit 2 naming the flag that gives it. */
  require(name: EndpointName): string;
  /**
   * What the metadata says the coming requests will be refused for (see objections()), each
   * warned about once before the request; a refusal then names them (explained()).
   */
  objections: Finding[];
  /** Warns about what the metadata says this request will fail for, and remembers it. */
  expect(request: ExpectedRequest, warn: Warn): void;
  /** `work`, its refusal (exit 3) said with the metadata's objections and without hints to absent fields. */
  explained<T>(work: Promise<T>): Promise<T>;
}

/** What a request will use, as far as the metadata has a say about it. */
export interface ExpectedRequest {
  grant?: string | undefined;
  dpop?: boolean | undefined;
  /** The types of --authorization-details (RFC 9396). */
  authorizationDetailsTypes?: readonly string[] | undefined;
}

/**
 * The server: discovery runs only when an endpoint the command needs has no override (so a
 * fully specified command never fetches metadata). Its findings go to `warn` as metadata ones.
 */
export async function resolveServer(
  http: () => Promise<HttpClient>,
  issuer: string | undefined,
  overrides: Partial<Record<EndpointName, string>>,
  needed: readonly EndpointName[],
  warn: Warn,
  /** Metadata the resource chain already fetched for `issuer` (client/resource-chain.ts). */
  discovered?: Discovery,
): Promise<Server> {
  const override = (name: EndpointName): string | undefined => {
    const value = overrides[name];
    return value !== undefined && value !== '' ? value : undefined;
  };
  let metadata: Metadata | undefined;
  let findings: Finding[] = [];
  const undiscovered = needed.find((name) => override(name) === undefined);
  if (undiscovered !== undefined) {
    if (issuer === undefined) throw missingError([missingIssuer(issuer, overrides, needed)]);
    const found =
      discovered ?? (await (await import('../oauth/discovery.js')).discover(await http(), issuer));
    metadata = found.metadata;
    findings = found.findings;
    for (const finding of findings) warn(finding, 'metadata');
  }
  const endpoint = (name: EndpointName) => {
    const value = override(name) ?? metadata?.[ENDPOINTS[name][0]];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const objections: Finding[] = [];
  const server: Server = {
    issuer: metadata?.issuer ?? (issuer === undefined ? undefined : issuerOf(issuer)),
    metadata,
    findings,
    endpoint,
    require: (name) => {
      const value = endpoint(name);
      if (value === undefined) throw missingEndpoint(name, metadata);
      return value;
    },
    objections,
    expect: (request, warn) => {
      for (const finding of objectionsTo(metadata, request)) {
        if (objections.some((o) => o.code === finding.code)) continue;
        objections.push(finding);
        warn(finding);
      }
    },
    explained: async (work) => {
      try {
        return await work;
      } catch (err) {
        throw explainRefusal(err, metadata, objections);
      }
    },
  };
  return server;
}

/**
 * The issuer, when discovery is needed (an endpoint the command needs has no override) and none
 * is given; the hint also names the override that avoids discovery.
 */
export function missingIssuer(
  issuer: string | undefined,
  overrides: Partial<Record<EndpointName, string>>,
  needed: readonly EndpointName[],
): Missing | undefined {
  if (issuer !== undefined && issuer !== '') return undefined;
  const undiscovered = needed.find((name) => (overrides[name] ?? '') === '');
  if (undiscovered === undefined) return undefined;
  const flag = ENDPOINTS[undiscovered][1];
  return {
    code: 'issuer_missing',
    message: 'no issuer given',
    hint: `pass --issuer <url> or set OAUTH_ISSUER (or give ${flag} <url>)`,
    label: `the issuer (--issuer or OAUTH_ISSUER, or ${flag})`,
    give: '--issuer <url>',
    env: 'OAUTH_ISSUER',
  };
}

/** Exit 2 for an endpoint that neither a flag nor the metadata gives, naming the flag. */
function missingEndpoint(name: EndpointName, metadata: Metadata | undefined): CliError {
  const [member, flag] = ENDPOINTS[name];
  return usageError(
    'endpoint_missing',
    metadata === undefined
      ? `no ${member}: no metadata was fetched (the endpoints this command needs were given) and no ${flag}`
      : `the server metadata lists no ${member}`,
    metadata === undefined
      ? `pass ${flag} <url>, or --issuer <url> to discover it`
      : `pass ${flag} <url> if the server has one that its metadata does not list`,
  );
}

const GRANT_TYPES = 'grant_types_supported';
const DPOP_ALGS = 'dpop_signing_alg_values_supported';
/** The algorithm of the DPoP keys oauth makes (oauth/dpop.ts). */
const DPOP_ALG = 'ES256';

/**
 * RFC 8414 §2, RFC 9449 §5.1: what a fetched metadata document says the request will be refused
 * for. A list the metadata leaves out says nothing (RFC 8414's defaults are often not what the
 * server does), except DPoP: a server that supports it says so.
 */
export function objectionsTo(metadata: Metadata | undefined, request: ExpectedRequest): Finding[] {
  if (metadata === undefined) return [];
  const found: Finding[] = [];
  const grants = metadataList(metadata, GRANT_TYPES);
  if (request.grant !== undefined && grants !== undefined && !grants.includes(request.grant)) {
    found.push({
      level: 'warning',
      code: 'grant_not_supported',
      message: `the server's metadata does not list the ${request.grant} grant in ${GRANT_TYPES} (${listed(grants)}); the server may refuse it`,
      ref: 'RFC 8414 §2',
    });
  }
  if (request.dpop === true) {
    const algs = metadataList(metadata, DPOP_ALGS);
    if (algs === undefined || !algs.includes(DPOP_ALG)) {
      found.push({
        level: 'warning',
        code: 'dpop_not_supported',
        message:
          algs === undefined
            ? `the server's metadata has no ${DPOP_ALGS}; it may not support DPoP, and ignore the proof or refuse it`
            : `the server's metadata does not list ${DPOP_ALG} in ${DPOP_ALGS} (${listed(algs)}); it may refuse the DPoP proof`,
        ref: 'RFC 9449 §5.1',
      });
    }
  }
  found.push(...detailsObjections(metadata, request.authorizationDetailsTypes));
  return found;
}

const RAR_TYPES = 'authorization_details_types_supported';

/** RFC 9396 §10: the types the metadata lists; none listed may mean no RAR at all. */
function detailsObjections(metadata: Metadata, types: readonly string[] | undefined): Finding[] {
  if (types === undefined || types.length === 0) return [];
  const supported = metadataList(metadata, RAR_TYPES);
  const unknown = types.filter((t) => !supported?.includes(t));
  if (unknown.length === 0) return [];
  const which = unknown.map((t) => JSON.stringify(t)).join(', ');
  return [
    {
      level: 'warning',
      code: 'authorization_details_type_not_supported',
      message:
        supported === undefined
          ? `the server's metadata has no ${RAR_TYPES}, so the authorization_details type ${which} is not listed; it may not support RAR, and ignore or refuse it`
          : `the server's metadata does not list the authorization_details type ${which} in ${RAR_TYPES} (${listed(supported)}); the server may refuse it`,
      ref: 'RFC 9396 §10',
    },
  ];
}

/**
 * The objection to a client authentication method that the endpoint's
 * `<endpoint>_auth_methods_supported` leaves out (RFC 8414 §2, RFC 7009 / RFC 7662 metadata).
 */
export function authMethodObjection(
  metadata: Metadata | undefined,
  method: string,
  endpoint: 'token' | 'introspection' | 'revocation' = 'token',
): Objection | undefined {
  const key = `${endpoint}_endpoint_auth_methods_supported`;
  const methods = metadataList(metadata, key);
  if (methods === undefined || methods.includes(method)) return undefined;
  return {
    level: 'warning',
    code: 'auth_method_not_supported',
    message: `the server's metadata does not list ${method} in ${key} (${listed(methods)}); the server may refuse this client authentication`,
    ref: 'RFC 8414 §2',
    alternatives: methods.filter((m) => m !== 'none' && AUTH_METHODS.some((known) => known === m)),
  };
}

function listed(values: readonly string[]): string {
  return values.length === 0 ? 'it lists none' : `it lists ${values.join(', ')}`;
}

/** Hints that send the user to a metadata list, for when the metadata has no such list. */
const ABSENT_LIST_HINTS: Record<string, [string, string]> = {
  oauth_unsupported_grant_type: [
    GRANT_TYPES,
    `check the --grant value; the server's metadata has no ${GRANT_TYPES}, so only its documentation says which grants it takes`,
  ],
  oauth_invalid_scope: [
    'scopes_supported',
    "check --scope; the server's metadata has no scopes_supported, so its documentation (or the client's settings there) says which scopes exist",
  ],
  oauth_unsupported_response_type: [
    'response_types_supported',
    "the server's metadata has no response_types_supported; its documentation says which response types this client may use",
  ],
};

/** A finding about a coming request; for a client authentication, the methods the metadata lists. */
export interface Objection extends Finding {
  alternatives?: string[];
}

/** Each objection, and the refusals (error codes) it can explain: a DPoP fact says nothing about invalid_client. */
const BEARS_ON: Record<string, string[]> = {
  auth_method_not_supported: [
    'oauth_invalid_client',
    'oauth_unauthorized_client',
    'oauth_invalid_request',
  ],
  grant_not_supported: [
    'oauth_unsupported_grant_type',
    'oauth_unauthorized_client',
    'oauth_invalid_request',
    'oauth_invalid_grant',
  ],
  dpop_not_supported: ['oauth_invalid_dpop_proof', 'oauth_use_dpop_nonce', 'oauth_invalid_request'],
  authorization_details_type_not_supported: [
    'oauth_invalid_authorization_details',
    'oauth_invalid_request',
  ],
};

/**
 * A refusal by the server (exit 3) with what the metadata said beforehand, and a hint that does
 * not point at a metadata list the server does not publish. Anything else passes unchanged.
 */
export function explainRefusal(
  err: unknown,
  metadata: Metadata | undefined,
  objections: readonly Finding[],
): unknown {
  if (!(err instanceof CliError) || err.exitCode !== ExitCode.authorization) return err;
  if (err.code === 'no_token' || err.code === 'refresh_token_missing') return err;
  const absent = ABSENT_LIST_HINTS[err.code];
  // A refused client authentication the metadata predicted: the hint names a method it lists.
  const method = objections.find(
    (o): o is Objection =>
      o.code === 'auth_method_not_supported' && err.code === 'oauth_invalid_client',
  )?.alternatives?.[0];
  const hint =
    method !== undefined
      ? `pass --auth-method ${method} (the server's metadata lists it), and check --client-id and the secret or key`
      : absent !== undefined && metadata !== undefined && metadata[absent[0]] === undefined
        ? absent[1]
        : err.hint;
  const facts = objections
    .filter((o) => BEARS_ON[o.code]?.includes(err.code) ?? false)
    .map((o) => o.message.replace(/; (the server|it) may .*$/, ''));
  if (facts.length === 0 && hint === err.hint) return err;
  const message = facts.length === 0 ? err.message : `${err.message}; ${facts.join('; ')}`;
  return new CliError(err.code, err.exitCode, message, { hint, cause: err });
}

/**
 * The metadata's string list `key`, or undefined: discovery.ts's stringList, kept here because
 * importing that module statically would load the HTTP client on the cached `oauth token` path.
 */
export function metadataList(metadata: Metadata | undefined, key: string): string[] | undefined {
  const value = metadata?.[key];
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? (value as string[])
    : undefined;
}

/** The issuer an --issuer value names: itself, or the issuer its discovery URL implies. */
export function issuerOf(given: string): string {
  return parseDiscoveryUrl(given)?.issuer ?? given;
}
