// Server metadata: OpenID Connect Discovery, then RFC 8414, with the exact issuer check, and the
// findings a client should know about (RFC 9700, RFC 8414 §2, OIDC Discovery §3).
import { CliError, ExitCode, usageError } from '../errors.js';
import { shellQuote } from '../shell.js';
import type { Finding } from '../findings.js';
import { isLoopbackHost, type HttpClient } from '../http/client.js';
import {
  issuerFits,
  parseDiscoveryUrl,
  type DiscoveryUrl,
  type MetadataKind,
} from './discovery-url.js';

export interface Metadata {
  issuer: string;
  jwks_uri?: string;
  [k: string]: unknown;
}

export interface Discovery {
  metadata: Metadata;
  findings: Finding[];
  /** The well-known URL that answered. */
  url: string;
  /** Which document it was: OpenID Connect Discovery or RFC 8414. */
  kind: MetadataKind;
}

/** Metadata members that are endpoint URLs (RFC 8414 §2, OIDC Discovery §3, RFC 8628, 9126, 7662, 7009). */
export const ENDPOINT_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
  'backchannel_authentication_endpoint',
  'end_session_endpoint',
  'check_session_iframe',
] as const;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The issuer identifier: https (or http on loopback), no query, no fragment (RFC 8414 §2). */
export function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw usageError(
      'invalid_issuer',
      `the issuer is not a URL: ${issuer}`,
      'give the issuer identifier, e.g. https://accounts.example.com',
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw usageError(
      'invalid_issuer',
      `the issuer must be an https URL (http only on loopback): ${issuer}`,
      'use the https:// issuer identifier',
    );
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw usageError(
      'invalid_issuer',
      `the issuer must have no query or fragment: ${issuer}`,
      'drop everything from ? or #',
    );
  }
  return url;
}

/** The metadata URLs to try, in order (OIDC Discovery §4: append; RFC 8414 §3.1: insert). */
export function wellKnownUrls(issuer: string): { url: string; kind: Discovery['kind'] }[] {
  const url = parseIssuer(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return [
    { url: `${url.origin}${path}/.well-known/openid-configuration`, kind: 'openid-configuration' },
    {
      url: `${url.origin}/.well-known/oauth-authorization-server${path}`,
      kind: 'oauth-authorization-server',
    },
  ];
}

/**
 * The order of the MCP authorization spec ("Authorization Server Metadata Discovery"), for an
 * issuer named by resource metadata: RFC 8414 with path insertion first, then OIDC (inserted,
 * then appended) for an issuer with a path; RFC 8414, then OIDC, for one without.
 */
export function mcpWellKnownUrls(issuer: string): { url: string; kind: Discovery['kind'] }[] {
  const url = parseIssuer(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const oauth = {
    url: `${url.origin}/.well-known/oauth-authorization-server${path}`,
    kind: 'oauth-authorization-server' as const,
  };
  if (path === '') {
    return [
      oauth,
      { url: `${url.origin}/.well-known/openid-configuration`, kind: 'openid-configuration' },
    ];
  }
  return [
    oauth,
    { url: `${url.origin}/.well-known/openid-configuration${path}`, kind: 'openid-configuration' },
    { url: `${url.origin}${path}/.well-known/openid-configuration`, kind: 'openid-configuration' },
  ];
}

/**
 * `a` and `b` differ only by an empty path against `/`: the same URL once parsed (RFC 3986 §6.2.3,
 * WHATWG URL), accepted as the same issuer with a note (SECURITY.md "Discovery").
 */
export function sameOnceParsed(a: string, b: string): boolean {
  if (a === b) return false;
  const bare = (s: string) => /^https?:\/\/[^/?#]+$/i.test(s);
  return (bare(a) && b === `${a}/`) || (bare(b) && a === `${b}/`);
}

/**
 * A templated issuer (`https://login.microsoftonline.com/{tenantid}/v2.0`) fetched from a
 * multi-tenant discovery URL (`.../common/v2.0/.well-known/openid-configuration`): the same URL but
 * for one path segment, `{tenantid}` in the metadata; each token's `tid` fills it (src/token/issuer.ts).
 */
function templateFits(found: string, given: DiscoveryUrl): boolean {
  if (!found.includes('{tenantid}')) return false;
  const a = found.split('/');
  const b = given.issuer.split('/');
  if (a.length !== b.length) return false;
  return a.every(
    (part, i) => part === b[i] || (part === '{tenantid}' && /^[A-Za-z0-9.-]+$/.test(b[i] ?? '')),
  );
}

/** The note for an issuer accepted by sameOnceParsed. */
export function equivalentIssuerFinding(found: string, given: string): Finding {
  return {
    level: 'info',
    code: 'issuer_empty_path',
    message: `the metadata names the issuer ${JSON.stringify(found)}, given as ${JSON.stringify(given)}: an empty path and "/" are the same URL once parsed; accepted, and the metadata's string is used`,
    ref: 'RFC 8414 §3.3, RFC 3986 §6.2.3',
  };
}

export interface DiscoverOptions {
  /** 'mcp': the MCP order, and a document naming another issuer means "try the next URL". */
  order?: 'oidc-first' | 'mcp';
}

/**
 * Fetches and checks the metadata of `issuer`: its `issuer` must equal it exactly (RFC 8414 §3.3).
 * `issuer` may also be the discovery URL itself: the document is fetched from there and its
 * `issuer` must be the one that URL implies (OIDC Discovery §4.3); `metadata.issuer` is then the
 * issuer to use.
 */
export async function discover(
  http: HttpClient,
  issuer: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const mcp = options.order === 'mcp';
  const given = mcp ? undefined : parseDiscoveryUrl(issuer);
  if (given !== undefined) parseIssuer(issuer); // https (or loopback http), no query or fragment
  const candidates = given
    ? [{ url: given.url, kind: given.kind }]
    : mcp
      ? mcpWellKnownUrls(issuer)
      : wellKnownUrls(issuer);
  const attempts: string[] = [];
  for (const candidate of candidates) {
    let document: unknown;
    try {
      document = await http.getJson(candidate.url, 'discovery document', {
        redirectHint: (target) =>
          `if ${target} is the right server's metadata, give that URL as the issuer: \`--issuer ${shellQuote(target)}\` (or \`oauth discover ${shellQuote(target)}\`)`,
      });
    } catch (err) {
      // A missing or non-JSON document means "try the other well-known URL"; anything else
      // (connection, TLS, deadline, size, redirect) is final.
      if (err instanceof CliError && (err.code === 'http_status' || err.code === 'not_json')) {
        attempts.push(err.message);
        continue;
      }
      throw err;
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      attempts.push(`the discovery document at ${candidate.url} is not a JSON object`);
      continue;
    }
    let metadata: Metadata;
    try {
      metadata = checkIssuer(document as Record<string, unknown>, issuer, candidate.url, given);
    } catch (err) {
      // MCP authorization: the first document with a matching issuer wins.
      if (mcp && err instanceof CliError && err.code === 'issuer_mismatch') {
        attempts.push(err.message);
        continue;
      }
      throw err;
    }
    const equivalent =
      given === undefined && metadata.issuer !== issuer && sameOnceParsed(metadata.issuer, issuer)
        ? [equivalentIssuerFinding(metadata.issuer, issuer)]
        : [];
    return {
      metadata,
      findings: [...equivalent, ...findingsFor(metadata, candidate.kind)],
      url: candidate.url,
      kind: candidate.kind,
    };
  }
  throw new CliError(
    'discovery_failed',
    ExitCode.network,
    given
      ? `no server metadata at ${issuer}: ${attempts.join('; ')}`
      : `no server metadata for ${issuer}: ${attempts.join('; ')}`,
    {
      hint: given
        ? 'check the discovery URL, or give the issuer itself with --issuer, or the endpoints with --token-endpoint, --jwks-uri...'
        : 'check the issuer (it must be exactly the server’s issuer identifier), or give the endpoints with --token-endpoint, --jwks-uri...',
    },
  );
}

function checkIssuer(
  doc: Record<string, unknown>,
  issuer: string,
  url: string,
  given: DiscoveryUrl | undefined,
): Metadata {
  const found = doc.issuer;
  if (typeof found !== 'string') {
    throw new CliError(
      'invalid_metadata',
      ExitCode.network,
      `the discovery document at ${url} has no string "issuer"`,
      { hint: 'the server metadata is broken (RFC 8414 §2 requires issuer)' },
    );
  }
  if (given !== undefined && !issuerFits(found, given) && !templateFits(found, given)) {
    // OIDC Discovery §4.3: the issuer must be the URL the document was fetched under.
    throw new CliError(
      'issuer_mismatch',
      ExitCode.network,
      `the discovery document at ${url} names the issuer ${JSON.stringify(found.slice(0, 200))}, but that URL is the metadata of ${JSON.stringify(given.issuer)}`,
      {
        hint: 'check that this is the right server: a document that names another issuer can be an impostor’s (RFC 8414 §3.3); if that issuer is right, pass it with --issuer',
      },
    );
  }
  if (
    given === undefined &&
    found !== issuer &&
    !sameOnceParsed(found, issuer) &&
    !templateFits(found, { url, kind: 'openid-configuration', issuer })
  ) {
    throw new CliError(
      'issuer_mismatch',
      ExitCode.network,
      `the discovery document at ${url} names the issuer ${JSON.stringify(found.slice(0, 200))}, expected exactly ${JSON.stringify(issuer)}`,
      {
        hint: 'use the issuer exactly as the server names it (a trailing slash counts); a mismatch can also mean an impostor (RFC 8414 §3.3)',
      },
    );
  }
  const jwks = doc.jwks_uri;
  if (jwks !== undefined && typeof jwks !== 'string') {
    throw new CliError(
      'invalid_metadata',
      ExitCode.network,
      `the discovery document at ${url} has a "jwks_uri" that is not a string`,
      { hint: 'the server metadata is broken (RFC 8414 §2)' },
    );
  }
  const { issuer: _issuer, jwks_uri: _jwks, ...rest } = doc;
  return { ...rest, issuer: found, ...(jwks === undefined ? {} : { jwks_uri: jwks }) };
}

/** An array of strings, or undefined when absent or of the wrong type. */
export function stringList(metadata: Metadata, key: string): string[] | undefined {
  const value = metadata[key];
  if (!Array.isArray(value)) return undefined;
  return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** What a client should know before using this server (RFC 9700 and the metadata specs). */
export function findingsFor(metadata: Metadata, kind: Discovery['kind']): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], code: string, message: string, ref: string) =>
    findings.push({ level, code, message, ref });
  if (metadata.issuer.includes('{tenantid}')) {
    add(
      'info',
      'issuer_template',
      `the issuer ${JSON.stringify(metadata.issuer)} is a template (a multi-tenant endpoint): accepted; each ID token's iss is checked against it with {tenantid} = its tid claim, and a token without tid fails`,
      'OIDC Discovery §4.3',
    );
  }

  for (const [key, value] of Object.entries(metadata)) {
    const malformed =
      (key.endsWith('_supported') &&
        value !== undefined &&
        typeof value !== 'boolean' &&
        stringList(metadata, key) === undefined) ||
      ((ENDPOINT_FIELDS as readonly string[]).includes(key) && typeof value !== 'string');
    if (malformed) {
      add(
        'warning',
        'invalid_metadata_field',
        `"${key}" has the wrong type (${Array.isArray(value) ? 'array' : typeof value}); it is ignored`,
        'RFC 8414 §2',
      );
    }
  }

  // RFC 8414 §2: grant_types_supported defaults to authorization_code and implicit.
  const grants = stringList(metadata, 'grant_types_supported') ?? [
    'authorization_code',
    'implicit',
  ];
  const responseTypes = stringList(metadata, 'response_types_supported');
  const usesAuthorizationEndpoint =
    grants.includes('authorization_code') || grants.includes('implicit');
  const has = (key: string) => typeof metadata[key] === 'string';

  if (responseTypes === undefined) {
    add(
      'error',
      'missing_response_types',
      'response_types_supported is missing (it is required)',
      kind === 'openid-configuration' ? 'OIDC Discovery §3' : 'RFC 8414 §2',
    );
  }
  if (usesAuthorizationEndpoint && !has('authorization_endpoint')) {
    add(
      'error',
      'missing_authorization_endpoint',
      'authorization_endpoint is missing, but the grant types need it',
      'RFC 8414 §2',
    );
  }
  if (grants.some((g) => g !== 'implicit') && !has('token_endpoint')) {
    add(
      'error',
      'missing_token_endpoint',
      'token_endpoint is missing, but the grant types need it',
      'RFC 8414 §2',
    );
  }
  if (!has('jwks_uri')) {
    if (kind === 'openid-configuration') {
      add(
        'error',
        'missing_jwks_uri',
        'jwks_uri is missing (required by OpenID Connect)',
        'OIDC Discovery §3',
      );
    } else {
      add(
        'info',
        'missing_jwks_uri',
        'no jwks_uri: tokens signed by this server cannot be verified with its published keys',
        'RFC 8414 §2',
      );
    }
  }
  if (kind === 'openid-configuration') {
    for (const key of ['subject_types_supported', 'id_token_signing_alg_values_supported']) {
      if (stringList(metadata, key) === undefined) {
        add(
          'error',
          `missing_${key}`,
          `${key} is missing (required by OpenID Connect)`,
          'OIDC Discovery §3',
        );
      }
    }
  }
  if (grants.includes(DEVICE_GRANT) && !has('device_authorization_endpoint')) {
    add(
      'error',
      'missing_device_authorization_endpoint',
      'the device grant is offered without a device_authorization_endpoint',
      'RFC 8628 §4',
    );
  }

  if (grants.includes('authorization_code') && has('authorization_endpoint')) {
    const pkce = stringList(metadata, 'code_challenge_methods_supported');
    if (pkce === undefined) {
      add(
        'warning',
        'pkce_not_advertised',
        'code_challenge_methods_supported is absent: PKCE support is not advertised (oauth sends S256 anyway)',
        'RFC 9700 §2.1.1',
      );
    } else if (!pkce.includes('S256')) {
      add(
        'error',
        'no_s256',
        `PKCE S256 is not offered (code_challenge_methods_supported: ${pkce.join(', ') || 'empty'})`,
        'RFC 9700 §2.1.1',
      );
    }
    if (pkce?.includes('plain')) {
      add(
        'warning',
        'pkce_plain_offered',
        'PKCE method "plain" is offered: it exposes the verifier in the authorization request',
        'RFC 9700 §2.1.1',
      );
    }
    if (metadata.authorization_response_iss_parameter_supported !== true) {
      add(
        'warning',
        'no_iss_parameter',
        'authorization_response_iss_parameter_supported is not true: no iss in the authorization response, no mix-up defence',
        'RFC 9207 §3, RFC 9700 §4.4.2',
      );
    }
  }

  const tokenResponseTypes = (responseTypes ?? []).filter((t) => t.split(' ').includes('token'));
  const implicitGrant = stringList(metadata, 'grant_types_supported')?.includes('implicit');
  if (tokenResponseTypes.length > 0 || implicitGrant) {
    const what = [
      ...(implicitGrant ? ['grant type "implicit"'] : []),
      ...tokenResponseTypes.map((t) => `response type "${t}"`),
    ];
    add(
      'warning',
      'implicit_offered',
      `the implicit flow is offered (${what.join(', ')}): access tokens in the authorization response can leak`,
      'RFC 9700 §2.1.2',
    );
  }
  if (grants.includes('password')) {
    add(
      'error',
      'password_grant_offered',
      'the resource owner password credentials grant is offered; it must not be used',
      'RFC 9700 §2.4',
    );
  }

  for (const key of ENDPOINT_FIELDS) {
    const value = metadata[key];
    if (typeof value !== 'string') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      add('error', 'invalid_endpoint', `${key} is not an absolute URL: ${value}`, 'RFC 8414 §2');
      continue;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      add(
        'error',
        'insecure_endpoint',
        `${key} is not https: ${value} (oauth refuses to send requests there)`,
        'RFC 6749 §3.1, §3.2',
      );
    }
  }

  for (const [key, value] of Object.entries(metadata)) {
    if (!key.endsWith('_signing_alg_values_supported')) continue;
    if (
      Array.isArray(value) &&
      value.some((alg) => typeof alg === 'string' && alg.toLowerCase() === 'none')
    ) {
      add(
        'warning',
        'alg_none_offered',
        `${key} includes "none" (unsigned tokens)`,
        'RFC 8725 §3.2',
      );
    }
  }
  findings.push(...channelFindings(metadata, grants));
  return findings;
}

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
/** CIBA Core §4: the token delivery modes. */
const CIBA_MODES = ['poll', 'ping', 'push'];
/** Metadata flags that must be booleans: RFC 9126 §5, RFC 9101 §10.5, RFC 8705 §3.3. */
const BOOLEAN_FIELDS = [
  'require_pushed_authorization_requests',
  'require_signed_request_object',
  'tls_client_certificate_bound_access_tokens',
];

/**
 * The front- and back-channel facts: PAR, JAR, mTLS aliases, CIBA, DPoP and RAR metadata, checked
 * against the specs that define them.
 */
function channelFindings(metadata: Metadata, grants: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], code: string, message: string, ref: string) =>
    findings.push({ level, code, message, ref });
  const has = (key: string) => typeof metadata[key] === 'string';

  for (const key of BOOLEAN_FIELDS) {
    const value = metadata[key];
    if (value !== undefined && typeof value !== 'boolean') {
      add(
        'warning',
        'invalid_metadata_field',
        `"${key}" has the wrong type (${Array.isArray(value) ? 'array' : typeof value}, not a boolean); it is ignored`,
        'RFC 8414 §2',
      );
    }
  }

  // RFC 9126 §5: PAR required needs the endpoint to push to.
  if (
    metadata.require_pushed_authorization_requests === true &&
    !has('pushed_authorization_request_endpoint')
  ) {
    add(
      'error',
      'par_required_without_endpoint',
      'require_pushed_authorization_requests is true, but there is no pushed_authorization_request_endpoint',
      'RFC 9126 §5',
    );
  }

  // RFC 9101 §10.5: signed request objects required: with which algorithms.
  if (metadata.require_signed_request_object === true) {
    const algs = stringList(metadata, 'request_object_signing_alg_values_supported');
    if (algs === undefined) {
      add(
        'warning',
        'request_object_algs_missing',
        'require_signed_request_object is true, but request_object_signing_alg_values_supported is absent: the algorithm to sign with is not said',
        'RFC 9101 §10.5, OIDC Discovery §3',
      );
    } else if (!algs.some((alg) => alg.toLowerCase() !== 'none')) {
      add(
        'error',
        'request_object_unsigned_only',
        'require_signed_request_object is true, but request_object_signing_alg_values_supported offers no signing algorithm',
        'RFC 9101 §10.5',
      );
    }
  }

  // RFC 8705 §5: mtls_endpoint_aliases is an object of endpoint names to https URLs.
  const aliases = metadata.mtls_endpoint_aliases;
  if (aliases !== undefined) {
    if (aliases === null || typeof aliases !== 'object' || Array.isArray(aliases)) {
      add(
        'warning',
        'invalid_metadata_field',
        `"mtls_endpoint_aliases" has the wrong type (${Array.isArray(aliases) ? 'array' : typeof aliases}, not an object); it is ignored`,
        'RFC 8705 §5',
      );
    } else {
      for (const [name, value] of Object.entries(aliases)) {
        const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
        if (url === undefined) {
          add(
            'error',
            'invalid_mtls_alias',
            `mtls_endpoint_aliases.${name} is not an absolute URL`,
            'RFC 8705 §5',
          );
        } else if (url.protocol !== 'https:') {
          add(
            'error',
            'insecure_mtls_alias',
            `mtls_endpoint_aliases.${name} is not https: ${String(value)} (mutual TLS needs TLS)`,
            'RFC 8705 §5',
          );
        }
        if (!(ENDPOINT_FIELDS as readonly string[]).includes(name)) {
          add(
            'info',
            'unknown_mtls_alias',
            `mtls_endpoint_aliases names "${name}", which is no endpoint oauth knows; it is not used`,
            'RFC 8705 §5',
          );
        }
      }
    }
  }

  // CIBA Core §4: the backchannel endpoint, its grant and its delivery modes go together.
  const ciba = has('backchannel_authentication_endpoint');
  const grantsListed = stringList(metadata, 'grant_types_supported');
  if (grantsListed?.includes(CIBA_GRANT) && !ciba) {
    add(
      'error',
      'missing_backchannel_authentication_endpoint',
      'the CIBA grant is offered without a backchannel_authentication_endpoint',
      'OpenID CIBA Core §4',
    );
  }
  if (ciba) {
    if (grantsListed !== undefined && !grants.includes(CIBA_GRANT)) {
      add(
        'warning',
        'ciba_grant_not_listed',
        `there is a backchannel_authentication_endpoint, but grant_types_supported does not list ${CIBA_GRANT}`,
        'OpenID CIBA Core §4',
      );
    }
    const modes = stringList(metadata, 'backchannel_token_delivery_modes_supported');
    if (modes === undefined) {
      add(
        'error',
        'missing_backchannel_token_delivery_modes',
        'backchannel_token_delivery_modes_supported is missing (required with a backchannel_authentication_endpoint)',
        'OpenID CIBA Core §4',
      );
    } else {
      const unknown = modes.filter((mode) => !CIBA_MODES.includes(mode));
      if (unknown.length > 0) {
        add(
          'warning',
          'unknown_backchannel_delivery_mode',
          `backchannel_token_delivery_modes_supported lists ${unknown.join(', ')}, not a CIBA mode (poll, ping, push)`,
          'OpenID CIBA Core §4',
        );
      }
      if (!modes.includes('poll')) {
        add(
          'info',
          'no_backchannel_poll_mode',
          `CIBA is offered only in ${modes.join(', ') || 'no'} mode: a command-line client can only poll`,
          'OpenID CIBA Core §4, §5',
        );
      }
    }
  }

  // RFC 9449 §5.1: DPoP proofs are signed with an asymmetric algorithm.
  const dpop = stringList(metadata, 'dpop_signing_alg_values_supported');
  if (dpop !== undefined) {
    const symmetric = dpop.filter((alg) => /^HS/i.test(alg));
    if (dpop.length === 0) {
      add(
        'warning',
        'dpop_algs_empty',
        'dpop_signing_alg_values_supported is empty: no DPoP proof can be accepted',
        'RFC 9449 §5.1',
      );
    } else if (symmetric.length > 0) {
      add(
        'error',
        'dpop_symmetric_alg',
        `dpop_signing_alg_values_supported lists ${symmetric.join(', ')}: a DPoP proof must use an asymmetric algorithm`,
        'RFC 9449 §4.2, §5.1',
      );
    }
    if (dpop.length > 0 && !dpop.includes('ES256')) {
      add(
        'info',
        'dpop_es256_missing',
        `dpop_signing_alg_values_supported does not list ES256, the algorithm of oauth's DPoP keys (it lists ${dpop.join(', ')})`,
        'RFC 9449 §5.1',
      );
    }
  }

  // RFC 9396 §10: the authorization_details types the server takes.
  const types = stringList(metadata, 'authorization_details_types_supported');
  if (types !== undefined && types.length === 0) {
    add(
      'warning',
      'authorization_details_types_empty',
      'authorization_details_types_supported is empty: no authorization_details would be accepted',
      'RFC 9396 §10',
    );
  }
  return findings;
}
