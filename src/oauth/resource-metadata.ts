// OAuth 2.0 Protected Resource Metadata (RFC 9728): where a resource's metadata lives (§3.1, §5.1),
// fetching it, and the checks a client makes before trusting it (§2, §2.2, §3.3).
import { CliError, ExitCode } from '../errors.js';
import type { Finding } from '../findings.js';
import { checkUrl, type HttpClient } from '../http/client.js';
import { PUBLIC_KEY_JWS_ALGORITHMS } from '../token/keys.js';
import { parseIssuer, sameOnceParsed } from './discovery.js';

export interface ResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  [k: string]: unknown;
}

export interface ResourceDiscovery {
  metadata: ResourceMetadata;
  findings: Finding[];
  /** The URL that answered. */
  url: string;
  /** How that URL was found: a 401's `resource_metadata` (§5.1) or the well-known URL (§3.1). */
  via: 'challenge' | 'well-known';
  /** The URL the metadata was looked up for (the resource, or the request that got the 401). */
  foundFor: string;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** §3.1: the well-known string inserted between the host and the path; then the origin's own. */
export function resourceMetadataUrls(resource: string | URL): string[] {
  const url = new URL(resource);
  const path = url.pathname.replace(/\/+$/, '');
  const inserted = `${url.origin}${WELL_KNOWN}${path}${url.search}`;
  const root = `${url.origin}${WELL_KNOWN}`;
  return inserted === root ? [root] : [inserted, root];
}

/** Whether `url` is `resource` itself or under it: same origin, the path a prefix at a `/`. */
export function underResource(url: string, resource: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(url);
    b = new URL(resource);
  } catch {
    return false;
  }
  if (a.origin !== b.origin || b.search !== '') return false;
  const base = b.pathname.replace(/\/+$/, '');
  return a.pathname === base || a.pathname.startsWith(`${base}/`) || base === '';
}

export interface FetchOptions {
  /** A 401's `resource_metadata` parameter: fetched instead of the well-known URLs (§5.1). */
  challengeUrl?: string | undefined;
  /**
   * The metadata's `resource` must equal `foundFor` (`login --resource`); otherwise a URL under
   * the resource (a request to one of its paths) is accepted with a note.
   */
  strict?: boolean;
}

/** Fetches the resource metadata for `foundFor` and checks it (RFC 9728 §3, §3.3). */
export async function fetchResourceMetadata(
  http: HttpClient,
  foundFor: string,
  options: FetchOptions = {},
): Promise<ResourceDiscovery> {
  const candidates =
    options.challengeUrl !== undefined
      ? [checkUrl(options.challengeUrl, 'resource metadata').href]
      : resourceMetadataUrls(foundFor);
  const attempts: string[] = [];
  for (const url of candidates) {
    let document: unknown;
    try {
      document = await http.getJson(url, 'resource metadata', {
        redirectHint: (target) =>
          `if ${target} is the right resource's metadata, start from the resource URL it describes`,
      });
    } catch (err) {
      if (err instanceof CliError && (err.code === 'http_status' || err.code === 'not_json')) {
        attempts.push(err.message);
        continue;
      }
      throw err;
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      attempts.push(`the resource metadata at ${url} is not a JSON object`);
      continue;
    }
    const doc = document as Record<string, unknown>;
    const findings: Finding[] = [];
    const metadata = checkResource(doc, url, foundFor, options.strict === true, findings);
    findings.push(...resourceFindings(metadata));
    return {
      metadata,
      findings,
      url,
      via: options.challengeUrl !== undefined ? 'challenge' : 'well-known',
      foundFor,
    };
  }
  throw new CliError(
    'resource_metadata_missing',
    ExitCode.network,
    `no protected resource metadata for ${foundFor}: ${attempts.join('; ')}`,
    {
      hint: 'the resource does not publish RFC 9728 metadata; give its authorization server with --issuer',
    },
  );
}

/** §3.3: the `resource` the metadata names must be the one it was looked up for. */
function checkResource(
  doc: Record<string, unknown>,
  url: string,
  foundFor: string,
  strict: boolean,
  findings: Finding[],
): ResourceMetadata {
  const resource = doc.resource;
  if (typeof resource !== 'string' || resource === '') {
    throw new CliError(
      'invalid_resource_metadata',
      ExitCode.network,
      `the resource metadata at ${url} has no string "resource"`,
      { hint: 'the resource metadata is broken (RFC 9728 §2 requires resource)' },
    );
  }
  const shown = JSON.stringify(resource.slice(0, 200));
  if (resource !== foundFor) {
    if (sameOnceParsed(resource, foundFor)) {
      findings.push({
        level: 'info',
        code: 'resource_empty_path',
        message: `the metadata names the resource ${shown} for ${foundFor}: an empty path and "/" are the same URL once parsed; accepted`,
        ref: 'RFC 9728 §3.3',
      });
    } else if (!strict && underResource(foundFor, resource)) {
      findings.push({
        level: 'info',
        code: 'resource_covers_url',
        message: `the metadata names the resource ${shown}, which ${foundFor} is part of`,
        ref: 'RFC 9728 §3.3',
      });
    } else {
      throw new CliError(
        'resource_mismatch',
        ExitCode.network,
        `the resource metadata at ${url} names the resource ${shown}, but it was looked up for ${JSON.stringify(foundFor)}`,
        {
          hint: strict
            ? `metadata that names another resource must not be used (RFC 9728 §3.3); if ${shown} is the API you mean, pass it as --resource`
            : `metadata that names another resource must not be used (RFC 9728 §3.3): it may be an impostor's`,
        },
      );
    }
  }
  return { ...doc, resource };
}

/** §2: the members a client relies on, and what oauth does with them. */
export function resourceFindings(metadata: ResourceMetadata): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], code: string, message: string, ref = 'RFC 9728 §2') =>
    findings.push({ level, code, message, ref });
  const list = (key: string): string[] | undefined | null => {
    const value = metadata[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) && value.every((v) => typeof v === 'string')
      ? (value as string[])
      : null;
  };
  if (metadata.resource.includes('#')) {
    add('error', 'resource_fragment', 'the resource identifier has a fragment (it must not)');
  }
  const servers = list('authorization_servers');
  if (servers === null) {
    add(
      'error',
      'invalid_authorization_servers',
      'authorization_servers is not an array of strings',
    );
  } else if (servers === undefined || servers.length === 0) {
    add(
      'error',
      'no_authorization_servers',
      'authorization_servers is missing or empty: the metadata does not say where to get a token',
      'RFC 9728 §2, MCP authorization',
    );
  } else {
    for (const issuer of servers) {
      try {
        parseIssuer(issuer);
      } catch (err) {
        add('error', 'invalid_authorization_server', (err as Error).message);
      }
    }
  }
  for (const key of ['scopes_supported', 'bearer_methods_supported']) {
    if (list(key) === null) {
      add(
        'warning',
        'invalid_metadata_field',
        `"${key}" is not an array of strings; it is ignored`,
      );
    }
  }
  if (list('scopes_supported') === undefined) {
    add(
      'info',
      'no_scopes_supported',
      'no scopes_supported: the scopes to ask for come from the 401 challenge or --scope',
    );
  }
  const bearer = list('bearer_methods_supported');
  if (bearer && !bearer.includes('header')) {
    add(
      'warning',
      'no_header_bearer_method',
      `bearer_methods_supported does not list "header" (it lists ${bearer.join(', ') || 'none'}); oauth sends tokens only in the Authorization header`,
      'RFC 9728 §2, RFC 6750 §2.1',
    );
  }
  const dpop = metadata.dpop_bound_access_tokens_required;
  if (dpop !== undefined && typeof dpop !== 'boolean') {
    add(
      'warning',
      'invalid_metadata_field',
      '"dpop_bound_access_tokens_required" is not a boolean; it is ignored',
    );
  }
  if (metadata.signed_metadata !== undefined && typeof metadata.signed_metadata !== 'string') {
    add(
      'warning',
      'invalid_metadata_field',
      '"signed_metadata" is not a string (a JWT); it is ignored',
      'RFC 9728 §2.2',
    );
  }
  return findings;
}

/** The members a client uses, read leniently (a wrong type counts as absent). */
export function authorizationServers(metadata: ResourceMetadata): string[] {
  const value = metadata.authorization_servers;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function resourceScopes(metadata: ResourceMetadata): string[] | undefined {
  const value = metadata.scopes_supported;
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? (value as string[])
    : undefined;
}

export function dpopRequired(metadata: ResourceMetadata): boolean {
  return metadata.dpop_bound_access_tokens_required === true;
}

export interface SignedMetadataCheck {
  findings: Finding[];
  /** The metadata with the signed values in precedence (§2.2), when the signature verified. */
  metadata: ResourceMetadata;
}

/**
 * §2.2: `signed_metadata` is a JWT whose `iss` is the party that vouches for it; oauth trusts it
 * only from an authorization server the metadata lists, verified with that server's JWKS
 * (`jwksUri(issuer)` discovers it). Anything else is a finding, and the plain values stand.
 */
export async function checkSignedMetadata(
  http: HttpClient,
  metadata: ResourceMetadata,
  jwksUri: (issuer: string) => Promise<string | undefined>,
): Promise<SignedMetadataCheck> {
  const signed = metadata.signed_metadata;
  if (typeof signed !== 'string') return { findings: [], metadata };
  const { decodeJwt, createLocalJWKSet, jwtVerify } = await import('jose');
  const unverified = (message: string): SignedMetadataCheck => ({
    findings: [
      {
        level: 'warning',
        code: 'unverified_signed_metadata',
        message: `unverified signed metadata: ${message}; its values are not used`,
        ref: 'RFC 9728 §2.2',
      },
    ],
    metadata,
  });
  let iss: unknown;
  try {
    iss = decodeJwt(signed).iss;
  } catch {
    return unverified('signed_metadata is not a JWT');
  }
  if (typeof iss !== 'string') return unverified('its JWT has no "iss"');
  const listed = authorizationServers(metadata);
  if (!listed.includes(iss)) {
    return unverified(
      `it is signed by ${JSON.stringify(iss.slice(0, 200))}, which authorization_servers does not list`,
    );
  }
  let uri: string | undefined;
  try {
    uri = await jwksUri(iss);
  } catch (err) {
    return unverified(`the keys of ${iss} could not be fetched (${(err as Error).message})`);
  }
  if (uri === undefined) return unverified(`${iss} publishes no jwks_uri`);
  let claims: Record<string, unknown>;
  try {
    const jwks = await http.getJson(uri, 'JWKS');
    const keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    // Public-key algorithms only: a JWKS key never verifies HMAC (RFC 8725 §3.1).
    const algorithms = [...PUBLIC_KEY_JWS_ALGORITHMS];
    ({ payload: claims } = await jwtVerify(signed, keys, { issuer: iss, algorithms }));
  } catch (err) {
    return unverified(
      `its signature did not verify with the keys of ${iss} (${(err as Error).message})`,
    );
  }
  const { iss: _iss, iat: _iat, exp: _exp, nbf: _nbf, jti: _jti, ...values } = claims;
  const findings: Finding[] = [
    {
      level: 'info',
      code: 'signed_metadata_verified',
      message: `signed_metadata verified with the keys of ${iss}; its values take precedence`,
      ref: 'RFC 9728 §2.2',
    },
  ];
  if (values.resource !== undefined && values.resource !== metadata.resource) {
    findings.push({
      level: 'error',
      code: 'signed_resource_differs',
      message: `the signed metadata names the resource ${JSON.stringify(String(values.resource).slice(0, 200))}, the plain one ${JSON.stringify(metadata.resource)}`,
      ref: 'RFC 9728 §2.2, §3.3',
    });
    return { findings, metadata };
  }
  return { findings, metadata: { ...metadata, ...values, resource: metadata.resource } };
}
