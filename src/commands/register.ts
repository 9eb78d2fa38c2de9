// `oauth register`: Dynamic Client Registration (RFC 7591) by hand: register a client at an
// authorization server (given, or found from a resource's metadata, RFC 9728) and store it for the
// logins there; list, read (RFC 7592 §2.1) and remove
// (§2.3) the stored registrations; or print the Client ID Metadata Document to host for a URL
// client id.
import {
  management,
  metadataDocument,
  redirectUriFor,
  registerClient,
} from '../client/registration.js';
import { resolveServer } from '../client/server.js';
import { registrationStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import { validateAuthMethod } from '../oauth/client-auth.js';
import { manageRegistration, nativeClientMetadata } from '../oauth/registration.js';
import type { Discovery } from '../oauth/discovery.js';
import { findingReporter, renderNote } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import type { RegisterResult } from '../output/register.js';
import { validateIssuer, validateRedirectUri, validateResource } from '../store/profiles.js';
import { forIssuer, type Registration } from '../store/registrations.js';

export interface RegisterInput {
  action: 'register' | 'list' | 'show' | 'remove' | 'cimd';
  issuer: string | undefined;
  /** RFC 8707 resource indicators (--resource). */
  resources: string[];
  /** --client-id: the document URL of --cimd. */
  clientId: string | undefined;
  redirectUris: string[];
  grants: string[];
  authMethod: string | undefined;
  scope: string | undefined;
  initialAccessToken: string | undefined;
  /** --remove --local: forget it here without asking the server to delete it. */
  local: boolean;
}

export { registerView as view } from '../output/register.js';

export async function run(input: RegisterInput, ctx: Context): Promise<Outcome<RegisterResult>> {
  const warn = findingReporter(ctx);
  const findings: Finding[] = [];
  const collect: Warn = (finding, about) => {
    findings.push(finding);
    warn(finding, about);
  };
  const store = registrationStore(ctx, warn);
  switch (input.action) {
    case 'list':
      return ok({ kind: 'list', registrations: store.read().registrations, store: store.path });
    case 'cimd': {
      if (input.clientId === undefined) {
        throw usageError(
          'client_id_missing',
          '--cimd needs --client-id <https url>: the URL where the document will be hosted',
          'e.g. oauth register --cimd --client-id https://example.com/oauth-client.json',
        );
      }
      const redirects = input.redirectUris.map((u) => validateRedirectUri(u));
      const document = metadataDocument(
        input.clientId,
        redirects.length > 0 ? redirects : [redirectUriFor({ redirectUri: undefined })],
        input.grants,
      );
      return ok({ kind: 'cimd', document });
    }
    case 'show': {
      const stored = storedFor(store.read().registrations, input.issuer);
      const http = await ctx.http();
      const current = await manageRegistration(http, management(stored), 'GET', ctx.signal);
      return ok({ kind: 'show', registration: stored, current: current ?? {} });
    }
    case 'remove': {
      const stored = storedFor(store.read().registrations, input.issuer);
      let deleted = false;
      if (!input.local && stored.registration_client_uri !== undefined) {
        const http = await ctx.http();
        try {
          await manageRegistration(http, management(stored), 'DELETE', ctx.signal);
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          throw new CliError(
            err.code,
            err.exitCode,
            `${err.message}; the registration stays stored`,
            {
              hint: `${err.hint ?? 'run again with --verbose to see the exchange'}; \`oauth register --remove --local\` forgets it here only`,
              cause: err,
            },
          );
        }
        deleted = true;
      }
      await store.remove(stored.issuer);
      return ok({
        kind: 'remove',
        registration: stored,
        deletedAtServer: deleted,
        store: store.path,
      });
    }
    case 'register':
      break;
  }
  for (const resource of input.resources) validateResource(resource);
  const redirects = input.redirectUris.map((u) => validateRedirectUri(u));
  const authMethod =
    input.authMethod === undefined ? undefined : validateAuthMethod(input.authMethod);
  // --resource <url> and no issuer: the authorization server its metadata names (RFC 9728).
  const chain = chainStart(input)
    ? await serverOfResource(ctx, input.resources[0] ?? '', warn)
    : undefined;
  const issuer = chain?.issuer ?? input.issuer;
  if (issuer === undefined) {
    throw usageError(
      'issuer_missing',
      input.resources.length > 1
        ? 'no issuer given, and the authorization server is found from one --resource, not several'
        : input.resources.length === 1
          ? `no issuer given, and --resource ${input.resources[0] ?? ''} is no http(s) URL to find one from (RFC 9728)`
          : 'no issuer given',
      input.resources.length > 0
        ? 'pass --issuer <url> (the authorization server), or one --resource <https url> of the API'
        : 'pass --issuer <url> (the authorization server) or --resource <url> (the API), or set OAUTH_ISSUER',
    );
  }
  validateIssuer(issuer);
  const server = await resolveServer(ctx.http, issuer, {}, ['token'], warn, chain?.discovered);
  const metadata = nativeClientMetadata({
    redirectUris: redirects.length > 0 ? redirects : [redirectUriFor({ redirectUri: undefined })],
    grantTypes: input.grants,
    authMethod,
    scope: input.scope,
  });
  const replaced = server.issuer === undefined ? undefined : store.find(server.issuer);
  const registration = await registerClient(ctx, server, {
    metadata,
    initialAccessToken: input.initialAccessToken,
    warn: collect,
  });
  return ok({
    kind: 'registered',
    registration,
    response: registration.response,
    replaced: replaced?.client_id,
    findings,
    store: store.path,
  });
}

/** The chain starts from the resource: one http(s) --resource and no --issuer. */
function chainStart(input: RegisterInput): boolean {
  const first = input.resources[0];
  return (
    input.issuer === undefined &&
    input.resources.length === 1 &&
    first !== undefined &&
    /^https?:\/\//i.test(first)
  );
}

/**
 * Steps 1 and 2 of the resource-first chain: the resource metadata (its `resource` must equal
 * --resource, RFC 9728 §3.3) and the authorization server it names, where the client registers.
 */
async function serverOfResource(
  ctx: Context,
  resource: string,
  warn: Warn,
): Promise<{ issuer: string; discovered: Discovery }> {
  const { resourceChain } = await import('../client/resource-chain.js');
  const found = await resourceChain(await ctx.http(), { url: resource, strict: true }, warn);
  // The authorization server's findings come with its metadata (resolveServer).
  for (const finding of found.findings)
    if (finding.source === 'resource') warn(finding, 'metadata');
  ctx.io.err(
    renderNote(
      `registering at ${found.issuer}, the authorization server that ${found.resource.metadata.resource} names (RFC 9728)`,
      ctx.io.errStyle,
    ),
  );
  return { issuer: found.issuer, discovered: found.authorizationServer };
}

function ok(result: RegisterResult): Outcome<RegisterResult> {
  return { exitCode: ExitCode.ok, result };
}

/** The stored registration of --issuer, or the only one; exit 2 otherwise, listing them. */
function storedFor(all: readonly Registration[], issuer: string | undefined): Registration {
  const found =
    issuer === undefined
      ? all.length === 1
        ? all[0]
        : undefined
      : all.find((r) => forIssuer(issuer, r.issuer));
  if (found) return found;
  const listed = all.map((r) => r.issuer).join(', ');
  throw usageError(
    'registration_not_found',
    issuer === undefined
      ? all.length === 0
        ? 'no client registered by oauth is stored'
        : `${all.length} registrations are stored: say which with --issuer`
      : `no client registered by oauth is stored for ${issuer}`,
    all.length === 0
      ? 'oauth register --issuer <url> registers one'
      : `pass --issuer with one of: ${listed}`,
  );
}
