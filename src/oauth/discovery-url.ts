// An issuer given as its discovery URL (`.../.well-known/openid-configuration[/]`, OIDC Discovery
// §4; `.../.well-known/oauth-authorization-server[/<path>]`, RFC 8414 §3.1): the URL to fetch and
// the issuer it implies. No HTTP here: settings match cache entries with it before any request.

/** Which document: OpenID Connect Discovery or RFC 8414. */
export type MetadataKind = 'openid-configuration' | 'oauth-authorization-server';

export interface DiscoveryUrl {
  /** The URL as given: the document is fetched from it. */
  url: string;
  kind: MetadataKind;
  /** The issuer the URL implies, without a trailing slash (the well-known URLs drop it). */
  issuer: string;
}

/** The discovery URL in `given`, or undefined when it is an issuer (or no URL at all). */
export function parseDiscoveryUrl(given: string): DiscoveryUrl | undefined {
  const parts = /^(https?:\/\/[^/?#]+)(\/[^?#]*)$/i.exec(given);
  if (!parts) return undefined;
  const origin = parts[1] as string;
  const path = parts[2] as string;
  const strip = (p: string) => `${origin}${p}`.replace(/\/+$/, '');
  // OIDC Discovery §4.1: <issuer>/.well-known/openid-configuration (a server may add a slash).
  const oidc = /^(.*)\/\.well-known\/openid-configuration\/?$/.exec(path);
  if (oidc) return { url: given, kind: 'openid-configuration', issuer: strip(oidc[1] as string) };
  // RFC 8414 §3.1: <origin>/.well-known/oauth-authorization-server<issuer path>.
  const inserted = /^\/\.well-known\/oauth-authorization-server(\/.*)?$/.exec(path);
  if (inserted) {
    return { url: given, kind: 'oauth-authorization-server', issuer: strip(inserted[1] ?? '') };
  }
  // The appended form some servers use instead (RFC 8414 §5 allows other well-known placements).
  const appended = /^(.+)\/\.well-known\/oauth-authorization-server\/?$/.exec(path);
  if (appended) {
    return { url: given, kind: 'oauth-authorization-server', issuer: strip(appended[1] as string) };
  }
  return undefined;
}

/**
 * Whether `issuer` is the one whose metadata lives at `at` (OIDC Discovery §4.3, RFC 8414 §3.3):
 * equal to the implied issuer, but for trailing slashes, which the well-known URL does not keep.
 */
export function issuerFits(issuer: string, at: DiscoveryUrl): boolean {
  return issuer.replace(/\/+$/, '') === at.issuer;
}

/** Whether the issuer the user gave (an issuer or its discovery URL) names the stored `issuer`. */
export function sameIssuer(given: string, issuer: string): boolean {
  if (given === issuer) return true;
  const at = parseDiscoveryUrl(given);
  return at !== undefined && issuerFits(issuer, at);
}
