// The authorization server as the client sees it: its metadata (discovery, RFC 8414 / OIDC
// Discovery), fetched only when an endpoint the command needs has no override, and its endpoints.
import type { HttpClient } from '../http/client.js';
import { usageError } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import type { Metadata } from '../oauth/discovery.js';
import { parseDiscoveryUrl } from '../oauth/discovery-url.js';

/** Each endpoint: its metadata member and its override flag. */
const ENDPOINTS = {
  token: ['token_endpoint', '--token-endpoint'],
  introspection: ['introspection_endpoint', '--introspection-endpoint'],
  revocation: ['revocation_endpoint', '--revocation-endpoint'],
  authorization: ['authorization_endpoint', '--authorization-endpoint'],
  device: ['device_authorization_endpoint', '--device-authorization-endpoint'],
  userinfo: ['userinfo_endpoint', '--userinfo-endpoint'],
  par: ['pushed_authorization_request_endpoint', '--par-endpoint'],
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
): Promise<Server> {
  const override = (name: EndpointName): string | undefined => {
    const value = overrides[name];
    return value !== undefined && value !== '' ? value : undefined;
  };
  let metadata: Metadata | undefined;
  let findings: Finding[] = [];
  const undiscovered = needed.find((name) => override(name) === undefined);
  if (undiscovered !== undefined) {
    if (issuer === undefined) {
      throw usageError(
        'issuer_missing',
        'no issuer given',
        `pass --issuer <url> or set OAUTH_ISSUER (or give ${ENDPOINTS[undiscovered][1]} <url>)`,
      );
    }
    const { discover } = await import('../oauth/discovery.js');
    const found = await discover(await http(), issuer);
    metadata = found.metadata;
    findings = found.findings;
    for (const finding of findings) warn(finding, 'metadata');
  }
  const endpoint = (name: EndpointName) => {
    const value = override(name) ?? metadata?.[ENDPOINTS[name][0]];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const flag = (name: EndpointName) => ENDPOINTS[name][1];
  return {
    issuer: metadata?.issuer ?? (issuer === undefined ? undefined : issuerOf(issuer)),
    metadata,
    findings,
    endpoint,
    require: (name) => {
      const value = endpoint(name);
      if (value === undefined) {
        throw usageError(
          'endpoint_missing',
          `the server metadata has no ${flag(name).slice(2).replace(/-/g, '_')}`,
          `pass ${flag(name)} <url>`,
        );
      }
      return value;
    },
  };
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
