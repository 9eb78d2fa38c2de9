// `oauth logout`: delete cached tokens: the current login, the selected issuer/client/profile, or
// with --all the whole token file (also the way out of a corrupt store). With --revoke the server
// revokes each entry's tokens first; an entry whose revocation fails stays cached. A removed login
// whose issuer has an end_session_endpoint has its session there ended in the browser.
import { openBrowser } from '../client/browser.js';
import { clientAuth, readClientSecret } from '../client/credentials.js';
import { resolveServer, type Server } from '../client/server.js';
import {
  clientSettings,
  entryMatches,
  usesCurrentLogin,
  type ClientInput,
  type Settings,
} from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import { endSessionUrl } from '../oauth/end-session.js';
import { revoke } from '../oauth/introspect-revoke.js';
import { findingReporter, renderWarning } from '../output/findings.js';
import type { EndSession, LogoutResult } from '../output/logout.js';
import type { Outcome } from '../output/present.js';
import type { TokenStore } from '../store/tokens.js';
import { entryIds, entryKey, type TokenEntry, type TokenFileEditor } from '../store/tokens.js';

export interface LogoutInput {
  /** Which entries (issuer, client, profile), and with --revoke the client's credentials. */
  client: ClientInput;
  all: boolean;
  revoke: boolean;
  /** For the end-session page: a command line, false with --no-browser, else $BROWSER / the system one. */
  browser?: string | false | undefined;
  /** --post-logout-redirect-uri: sent only when given (it must be registered for the client). */
  postLogoutRedirectUri?: string | undefined;
}

export { logoutView as view } from '../output/logout.js';

/** Which entries logout acts on: all, the current login's issuer + client, or the selected ones. */
function targets(
  tx: TokenFileEditor,
  settings: Settings,
  all: boolean,
): (e: TokenEntry) => boolean {
  if (all) return () => true;
  let target = settings;
  if (usesCurrentLogin(settings)) {
    const login = tx.current()?.entry;
    if (!login) return () => false;
    target = { ...settings, issuer: login.issuer, clientId: login.client_id };
  }
  return (entry) => entryMatches(entry, target);
}

export async function run(input: LogoutInput, ctx: Context): Promise<Outcome<LogoutResult>> {
  checkRedirectUri(input.postLogoutRedirectUri);
  const result = await removeEntries(input, ctx);
  const endSession = await endSessions(ctx, result.removed, input);
  return {
    exitCode: result.failed?.[0]?.error.exitCode ?? ExitCode.ok,
    result: endSession.length > 0 ? { ...result, endSession } : result,
  };
}

function checkRedirectUri(uri: string | undefined): void {
  if (uri === undefined || URL.canParse(uri)) return;
  throw usageError(
    'post_logout_redirect_uri_invalid',
    `--post-logout-redirect-uri ${JSON.stringify(uri)} is not an absolute URL`,
    'pass the URI registered for the client, e.g. --post-logout-redirect-uri https://app.example/logged-out',
  );
}

/**
 * OIDC RP-Initiated Logout §2: each removed login whose issuer offered an end_session_endpoint
 * (remembered at login) is sent there in the browser; with --no-browser, or no browser to open,
 * the URL is printed, without the ID token in it unless --show-secrets.
 */
async function endSessions(
  ctx: Context,
  removed: readonly TokenEntry[],
  input: LogoutInput,
): Promise<EndSession[]> {
  const done: EndSession[] = [];
  const seen = new Set<string>();
  for (const entry of removed) {
    const endpoint = entry.end_session_endpoint;
    if (endpoint === undefined || seen.has(`${endpoint} ${entry.client_id}`)) continue;
    seen.add(`${endpoint} ${entry.client_id}`);
    let url: string;
    try {
      url = endSessionUrl({
        endpoint,
        clientId: entry.client_id,
        idTokenHint: entry.id_token,
        postLogoutRedirectUri: input.postLogoutRedirectUri,
      });
    } catch {
      continue; // not a URL: nothing to open (the store holds what the metadata said)
    }
    const opened =
      input.browser === false
        ? 'none'
        : await openBrowser(ctx, url, input.browser, (message) =>
            ctx.io.err(
              renderWarning(
                `${message}; the session at ${entry.issuer} is still open`,
                ctx.io.errStyle,
              ),
            ),
          );
    const shown = new URL(url);
    const hidden =
      opened === 'none' && !ctx.globals.showSecrets && shown.searchParams.has('id_token_hint');
    if (hidden) shown.searchParams.delete('id_token_hint');
    done.push({
      issuer: entry.issuer,
      client_id: entry.client_id,
      url: opened === 'none' ? shown.href : endpoint,
      opened: opened !== 'none',
      idTokenHintLeftOut: hidden,
    });
  }
  return done;
}

async function removeEntries(
  input: LogoutInput,
  ctx: Context,
): Promise<LogoutResult & { removed: TokenEntry[]; failed?: Failure[] }> {
  const warn = findingReporter(ctx);
  const tokens = tokenStore(ctx, warn);
  const settings = () => clientSettings(ctx, input.client, warn);
  if (input.revoke) return revokeAndRemove(ctx, settings(), input.all, tokens, warn);
  if (input.all) {
    // Best effort for the summary only: a corrupt file is deleted all the same.
    let before: TokenEntry[] = [];
    try {
      before = tokens.list().map((l) => l.entry);
    } catch {
      before = [];
    }
    const existed = await tokens.removeAll();
    return { removed: existed ? before : [], store: tokens.path };
  }
  const selected = settings();
  // The current login goes and none takes its place: `oauth switch` picks the next one.
  const { removed, left } = await tokens.update((tx) => ({
    removed: tx.delete(targets(tx, selected, false)),
    left: tx.list().map((l) => l.key),
  }));
  const result: LogoutResult & { removed: TokenEntry[]; failed?: Failure[] } = {
    removed,
    store: tokens.path,
  };
  if (usesCurrentLogin(selected) && left.length > 0) {
    result.othersLeft = left.length;
    // The one that stays: the id `oauth switch` takes, for a hint that runs as it is.
    if (left.length === 1) result.otherId = entryIds(left).get(left[0] ?? '');
  }
  return result;
}

type Failure = NonNullable<LogoutResult['failed']>[number] & { error: CliError };

/**
 * --revoke: revoke each target entry's tokens (outside the store lock: it is network time), then
 * remove under the lock those whose revocation succeeded and that nobody replaced meanwhile.
 */
async function revokeAndRemove(
  ctx: Context,
  settings: Settings,
  all: boolean,
  tokens: TokenStore,
  warn: Warn,
): Promise<LogoutResult & { removed: TokenEntry[]; failed: Failure[] }> {
  const tx = tokens.read();
  const entries = tx
    .list()
    .map((l) => l.entry)
    .filter(targets(tx, settings, all));
  // The secret is read once (`--client-secret-file -` is stdin). It, and a private key, belong to
  // the client that the flags (or the current login) select: the other entries --all sweeps in
  // are revoked as public clients, never with another client's credentials, nor at its server.
  const secret = entries.length === 0 ? undefined : await readClientSecret(ctx, settings, warn);
  const sources = { ...settings.sources };
  delete sources.clientSecret;
  delete sources.clientSecretFile;
  const withSecret: Settings = {
    ...settings,
    clientSecret: secret,
    clientSecretFile: undefined,
    sources,
  };
  const ownsCredentials = targets(tx, settings, false);
  const publicSources = { ...sources };
  delete publicSources.privateKey;
  delete publicSources.authMethod;
  const asPublicClient: Settings = {
    ...withSecret,
    clientSecret: undefined,
    privateKey: undefined,
    authMethod: undefined,
    sources: publicSources,
  };
  const servers = new Map<string, Promise<Server>>();
  const serverFor = (issuer: string) => {
    let server = servers.get(issuer);
    if (!server) {
      server = resolveServer(ctx.http, issuer, settings.endpoints, ['revocation'], warn);
      servers.set(issuer, server);
    }
    return server;
  };
  const revoked: { entry: TokenEntry; tokens: string[] }[] = [];
  const failed: Failure[] = [];
  for (const entry of entries) {
    try {
      const server = await serverFor(entry.issuer);
      const credentials = ownsCredentials(entry) ? withSecret : asPublicClient;
      const revokedTokens = await revokeEntry(ctx, entry, server, credentials, warn);
      revoked.push({ entry, tokens: revokedTokens });
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode === ExitCode.interrupted) throw err;
      failed.push({ entry, error: err });
    }
  }
  const done = new Map(revoked.map((r) => [entryKey(r.entry), r.entry.access_token]));
  // Under the lock even when nothing was revoked: that also removes the temp files of killed
  // writes (copies of the token set), which logout must never leave behind.
  const removed = await tokens.update((tx) =>
    tx.delete((e, key) => done.has(key) && done.get(key) === e.access_token),
  );
  return { removed, revoked, failed, store: tokens.path };
}

/**
 * RFC 7009 §2.1: the refresh token first (the server should then end its access tokens too), then
 * the access token; returns the token types revoked.
 */
async function revokeEntry(
  ctx: Context,
  entry: TokenEntry,
  server: Server,
  settings: Settings,
  warn: Warn,
): Promise<string[]> {
  const endpoint = server.require('revocation');
  const client = await clientAuth(ctx, settings, server, warn, entry.client_id, 'revocation');
  const http = await ctx.http();
  const done: string[] = [];
  const pairs: [string, string | undefined][] = [
    ['refresh_token', entry.refresh_token],
    ['access_token', entry.access_token],
  ];
  for (const [hint, token] of pairs) {
    if (token === undefined) continue;
    try {
      const result = await server.explained(
        revoke(http, {
          endpoint,
          token,
          tokenTypeHint: hint,
          client,
          assertionAudience: server.endpoint('token') ?? entry.issuer,
          nowMs: ctx.now(),
          signal: ctx.signal,
        }),
      );
      for (const finding of result.findings) warn(finding);
      done.push(hint);
    } catch (err) {
      // §2.2.1: a server that revokes only refresh tokens has ended the access token with it.
      const endedWithRefresh =
        err instanceof CliError &&
        err.code === 'oauth_unsupported_token_type' &&
        done.includes('refresh_token');
      if (!endedWithRefresh) throw err;
      warn({
        level: 'info',
        code: 'access_token_not_revocable',
        message:
          'the server does not revoke access tokens (unsupported_token_type); revoking the refresh token should have ended them',
        ref: 'RFC 7009 §2.2.1',
      });
    }
  }
  return done;
}
