// Opaque unless asked (issue 16, behaviour 6): a JWT was expected (`verify`, `decode`, a refused
// `oauth call`) and the access token is opaque. What would get a JWT from this server, chosen from
// what is known: the server's metadata, the cached entry's request (what was sent for it), the
// preset's token traits and the token's own shape. By behaviour; only the token-info endpoint
// comes from a preset (src/client/providers.ts).
import type { Context } from '../context.js';
import type { Warn } from '../findings.js';
import type { Metadata } from '../oauth/discovery.js';
import type { TokenEntry } from '../store/tokens.js';
import { providerTokens, tokenInfoByPrefix, type ProviderTokens } from './providers.js';
import { profileStore, tokenStore } from './stores.js';

/** What is known about where an opaque token came from. */
export interface OpaqueFacts {
  token: string;
  /** The server's metadata (RFC 8414 / OIDC Discovery), when it was fetched. */
  metadata?: Metadata | undefined;
  /** The token traits of the preset in use (--provider, OAUTH_PROVIDER, the profile's). */
  provider?: ProviderTokens | undefined;
  /** The cached entry the token is from: what was sent to get it. */
  entry?: Pick<TokenEntry, 'audience' | 'resources' | 'extra_params' | 'issuer'> | undefined;
  /** The API the token was sent to (`oauth call`): the --resource to name. */
  resource?: string | undefined;
}

export interface OpaqueAdvice {
  /**
   * `opaque_only`: the server issues only opaque access tokens (a token-info endpoint answers for
   * them); `opaque_unless_asked`: a request parameter would get a JWT; `opaque_as_asked`: the
   * parameter was sent and the token is still opaque; `token_opaque`: nothing more is known.
   */
  code: 'opaque_only' | 'opaque_unless_asked' | 'opaque_as_asked' | 'token_opaque';
  /** What the token and the server are, in words (no token text). */
  message: string;
  /** What to do: one line. */
  hint: string;
  /** The token-info endpoint, where the server has one instead of JWTs. */
  tokenInfo?: string;
  ref?: string;
}

/** The introspection part of a hint (RFC 7662), as far as the metadata tells. */
function introspection(metadata: Metadata | undefined): string | undefined {
  const endpoint = metadata?.introspection_endpoint;
  if (typeof endpoint === 'string' && endpoint !== '') {
    return `ask the server about it: oauth introspect <token> (its introspection_endpoint ${endpoint})`;
  }
  // Metadata without introspection_endpoint: no point sending the user there.
  if (metadata !== undefined) return undefined;
  return 'oauth introspect <token> asks the server about it, where it has an introspection endpoint';
}

/** The advice for an opaque access token, from what is known (see OpaqueFacts). */
export function opaqueAdvice(facts: OpaqueFacts): OpaqueAdvice {
  const ask = introspection(facts.metadata);
  // A server with only opaque tokens: the preset says so, or the token has its providers' shape.
  const info = facts.provider?.tokenInfo ?? tokenInfoByPrefix(facts.token);
  if (info !== undefined) {
    // Its introspection endpoint only where the metadata names one (Google publishes none).
    const also = facts.metadata === undefined ? undefined : ask;
    return {
      code: 'opaque_only',
      message: 'this server issues only opaque access tokens: no request parameter gets a JWT',
      hint: `ask it with its token-info endpoint: ${info.endpoint}?access_token=<token>${also ? `; or ${also}` : ''}`,
      tokenInfo: info.endpoint,
      ref: info.ref,
    };
  }
  const entry = facts.entry;
  const extra = entry?.extra_params ?? [];
  const sentAudience = entry?.audience !== undefined || extra.includes('audience');
  const sentResource = (entry?.resources.length ?? 0) > 0 || extra.includes('resource');
  if (sentAudience || sentResource) {
    // Asked for an API and still opaque: sending the same again gets the same.
    const asked = [
      entry?.audience !== undefined ? `audience ${entry.audience}` : sentAudience ? 'audience' : '',
      (entry?.resources.length ?? 0) > 0
        ? `resource ${entry?.resources.join(' ')}`
        : sentResource
          ? 'resource'
          : '',
    ]
      .filter((w) => w !== '')
      .join(' and ');
    return {
      code: 'opaque_as_asked',
      message: `it was got with ${asked} and is still opaque: this server issues opaque access tokens for that API`,
      hint:
        ask ??
        "the server publishes no introspection_endpoint: only it (or the API's documentation) can say what the token means",
    };
  }
  const audienceFirst = facts.provider?.jwtWith === 'audience';
  // Got without either (the entry says so), or the preset says audience: name what would get one.
  if (audienceFirst) {
    return {
      code: 'opaque_unless_asked',
      message: 'this server issues a JWT access token only for an API named with audience',
      hint: `log in again with --audience <api identifier> to get a JWT${ask ? `; or ${ask}` : ''}`,
    };
  }
  if (entry !== undefined) {
    return {
      code: 'opaque_unless_asked',
      message:
        'it was got without --audience or --resource, and many servers issue a JWT access token only for an API asked for',
      hint: `log in again with --audience <api identifier> (Auth0-like servers) or --resource ${facts.resource ?? '<url>'} (RFC 8707) where the server takes them${ask ? `; or ${ask}` : ''}`,
      ref: 'RFC 8707 §2',
    };
  }
  const jwt = `for a JWT access token, log in with --audience <api> or --resource ${facts.resource ?? '<url>'} where the server supports them (else it issues only opaque ones)`;
  return {
    code: 'token_opaque',
    message: 'only the server that issued it can say what it means',
    hint:
      facts.metadata === undefined
        ? `use \`oauth introspect\` for opaque tokens; ${jwt}`
        : `${ask ?? 'the server publishes no introspection_endpoint'}; ${jwt}`,
  };
}

/**
 * The cached entry whose access token this is, if any (a read of the store, no lock, no network);
 * nothing when the store cannot be read: advice is never worth failing for.
 */
export function entryOfToken(ctx: Context, token: string, warn: Warn): TokenEntry | undefined {
  try {
    return tokenStore(ctx, warn)
      .list()
      .find(({ entry }) => entry.access_token === token)?.entry;
  } catch {
    return undefined;
  }
}

/**
 * The token traits of the provider in use for commands without --provider: OAUTH_PROVIDER, else
 * the `provider` of the profile in use (--profile / OAUTH_PROFILE) or of the entry's profile.
 */
export function knownProviderTokens(
  ctx: Context,
  entry: Pick<TokenEntry, 'profile'> | undefined,
  warn: Warn,
): ProviderTokens | undefined {
  const named = ctx.env.OAUTH_PROVIDER;
  if (named !== undefined && named !== '') return providerTokens(named);
  const profile = ctx.globals.profile ?? entry?.profile;
  if (profile === undefined) return undefined;
  try {
    return providerTokens(profileStore(ctx, warn).get(profile).provider);
  } catch {
    return undefined;
  }
}

/**
 * The metadata of `issuer` for the advice, or undefined when it cannot be had (no issuer, a
 * token endpoint stored in its place, or discovery failing): advice never fails a command.
 */
export async function metadataForAdvice(
  ctx: Context,
  issuer: string | undefined,
  entry?: Pick<TokenEntry, 'token_endpoint'> | undefined,
): Promise<Metadata | undefined> {
  if (issuer === undefined || entry?.token_endpoint !== undefined) return undefined;
  try {
    const { discover } = await import('../oauth/discovery.js');
    return (await discover(await ctx.http(), issuer)).metadata;
  } catch {
    return undefined;
  }
}
