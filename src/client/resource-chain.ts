// The resource-first chain (RFC 9728, then RFC 8414 / OIDC Discovery in the MCP authorization
// order): from a resource URL, or a 401 that names its metadata, to the authorization server that
// issues its tokens, and what a login for it should ask for (RFC 8707 resource, scopes, DPoP).
import { CliError, ExitCode } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import { discover, stringList, type Discovery } from '../oauth/discovery.js';
import {
  authorizationServers,
  checkSignedMetadata,
  dpopRequired,
  fetchResourceMetadata,
  resourceScopes,
  type ResourceDiscovery,
} from '../oauth/resource-metadata.js';

export interface ResourceChain {
  /** Step 1: the resource metadata (signed values in precedence when they verified). */
  resource: ResourceDiscovery;
  /** The authorization server's issuer, exactly as the resource metadata names it. */
  issuer: string;
  /** Step 2: that server's metadata. */
  authorizationServer: Discovery;
  /** Both steps' findings, each with where it is from. */
  findings: SourcedFinding[];
}

export interface SourcedFinding extends Finding {
  source: 'resource' | 'authorization_server';
}

export interface ChainStart {
  /** The resource URL (`login --resource`, `discover`), or the URL of the request that got a 401. */
  url: string;
  /** The 401's `resource_metadata` (RFC 9728 §5.1). */
  challengeUrl?: string | undefined;
  /** `login --resource`: the metadata's `resource` must equal `url` (§3.3). */
  strict?: boolean;
}

/**
 * Steps 1 and 2. The authorization server is only ever one the resource metadata lists (the first;
 * RFC 9728 §7.6 leaves the choice to the client): metadata served on the resource's own origin is
 * never taken for it. `warn` receives each step as a note (shown with --verbose).
 */
export async function resourceChain(
  http: HttpClient,
  start: ChainStart,
  warn: Warn,
): Promise<ResourceChain> {
  const resource = await fetchResourceMetadata(http, start.url, {
    challengeUrl: start.challengeUrl,
    strict: start.strict === true,
  });
  warn({
    level: 'info',
    code: 'chain_resource_metadata',
    message: `resource metadata of ${resource.metadata.resource} from ${resource.url} (${resource.via === 'challenge' ? "the 401's resource_metadata" : 'the well-known URL'})`,
    ref: 'RFC 9728 §3',
  });
  const servers = authorizationServers(resource.metadata);
  const issuer = servers[0];
  if (issuer === undefined) {
    throw new CliError(
      'no_authorization_servers',
      ExitCode.network,
      `the resource metadata at ${resource.url} lists no authorization_servers: it does not say where to get a token`,
      {
        hint: 'give the authorization server with --issuer <url> (the API documentation names it)',
      },
    );
  }
  let authorizationServer: Discovery;
  try {
    authorizationServer = await discover(http, issuer, { order: 'mcp' });
  } catch (err) {
    if (err instanceof CliError && err.code === 'discovery_failed') {
      throw new CliError(
        err.code,
        err.exitCode,
        `the authorization server ${issuer} that the resource metadata names has no metadata with that issuer: ${err.message}`,
        {
          hint: 'the resource names a server that does not answer as that issuer; check the resource’s authorization_servers',
          cause: err,
        },
      );
    }
    throw err;
  }
  warn({
    level: 'info',
    code: 'chain_authorization_server',
    message: `authorization server ${issuer}: metadata from ${authorizationServer.url}`,
    ref: 'RFC 8414 §3, MCP authorization',
  });
  const signed = await checkSignedMetadata(http, resource.metadata, async (iss) => {
    if (iss === issuer) return authorizationServer.metadata.jwks_uri;
    return (await discover(http, iss, { order: 'mcp' })).metadata.jwks_uri;
  });
  const checked: ResourceDiscovery = {
    ...resource,
    metadata: signed.metadata,
    findings: [...resource.findings, ...signed.findings],
  };
  return {
    resource: checked,
    issuer,
    authorizationServer,
    findings: [
      ...checked.findings.map((f): SourcedFinding => ({ ...f, source: 'resource' })),
      ...authorizationServer.findings.map((f): SourcedFinding => ({
        ...f,
        source: 'authorization_server',
      })),
    ],
  };
}

export interface LoginPlan {
  /** RFC 8707: the resource indicator, the metadata's `resource`. */
  resource: string;
  scopes: string[];
  /** Where the scopes came from, for the note. */
  scopesFrom: 'given' | 'challenge' | 'resource' | 'none';
  dpop: boolean;
}

/**
 * Step 4's request: scopes as given, else the challenge's `scope` (RFC 6750 §3), else the
 * resource's `scopes_supported` (RFC 9728 §2); plus offline_access when the authorization server
 * lists it (so the login can be refreshed and revoked as a grant); DPoP when the resource
 * requires bound tokens (RFC 9728 §2).
 */
export function loginPlan(
  chain: ResourceChain,
  given: { scopes: readonly string[]; challengeScope?: string | undefined; dpop: boolean },
): LoginPlan {
  let scopes: string[];
  let scopesFrom: LoginPlan['scopesFrom'];
  const fromChallenge = given.challengeScope?.split(' ').filter((s) => s !== '') ?? [];
  const fromResource = resourceScopes(chain.resource.metadata) ?? [];
  if (given.scopes.length > 0) {
    scopes = [...given.scopes];
    scopesFrom = 'given';
  } else if (fromChallenge.length > 0) {
    scopes = fromChallenge;
    scopesFrom = 'challenge';
  } else {
    scopes = [...fromResource];
    scopesFrom = scopes.length > 0 ? 'resource' : 'none';
  }
  const offered = stringList(chain.authorizationServer.metadata, 'scopes_supported') ?? [];
  if (
    scopesFrom !== 'given' &&
    offered.includes('offline_access') &&
    !scopes.includes('offline_access')
  ) {
    scopes.push('offline_access');
  }
  return {
    resource: chain.resource.metadata.resource,
    scopes,
    scopesFrom,
    dpop: given.dpop || dpopRequired(chain.resource.metadata),
  };
}

/** A login the call asks for (`call --login`): the resource, client, scopes and authentication. */
export interface LoginRequest {
  /** RFC 8707 resource; with no issuer the login starts from it (the chain). */
  resource: string | undefined;
  issuer: string | undefined;
  clientId: string | undefined;
  scopes: string[];
  dpop: boolean;
  /** RFC 9470: what the resource asked for. */
  acrValues?: string | undefined;
  maxAge?: number | undefined;
}

/** Runs `oauth login` for a request (src/cli/ hands it in: no command imports another). */
export type LoginRunner = (request: LoginRequest) => Promise<void>;
