// `oauth login`: the authorization code flow with PKCE through a loopback redirect and the browser
// (RFC 8252), the device flow (RFC 8628) with --device, or CIBA's poll mode with --ciba; the ID
// token is checked and the tokens are stored only when everything succeeded.
import { offlineMissing, offlinePlan } from '../client/offline.js';
import {
  readAuthorizationDetails,
  withDetails,
  type RequestedDetails,
} from '../client/authorization-details.js';
import { openableUrl, openBrowser } from '../client/browser.js';
import { dpopSession, entryBase, entryFrom } from '../client/cached-token.js';
import { authorize, exchangeCode, jarAndJarm } from '../client/code-flow.js';
import { clientAuth } from '../client/credentials.js';
import { loginSettings, type LoginSettings } from '../client/login-settings.js';
import { clientForServer } from '../client/registration.js';
import { loginPlan, resourceChain } from '../client/resource-chain.js';
import { resolveServer, type EndpointName, type Server } from '../client/server.js';
import { clientSettings, type ClientInput, type Settings } from '../client/settings.js';
import { profileStore, tokenStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import { grantFindings } from '../oauth/authorization-details.js';
import type { ClientAuth } from '../oauth/client-auth.js';
import { stringList, type Discovery } from '../oauth/discovery.js';
import type { DpopSession } from '../oauth/dpop.js';
import type { IdTokenExpectations } from '../oauth/id-token.js';
import { dpopFinding, type TokenResult } from '../oauth/token-request.js';
import { findingReporter, renderNote, renderWarning } from '../output/findings.js';
import {
  renderCibaRequest,
  renderDeviceCode,
  renderOpenUrl,
  type LoginResult,
} from '../output/login.js';
import type { Outcome } from '../output/present.js';
import { withWaiting as waitWith } from '../output/spinner.js';
import { expiresAt, type TokenFileEditor } from '../store/tokens.js';
import type { KeySet } from '../token/verify.js';

export interface LoginInput {
  client: ClientInput;
  port: number | undefined;
  /** A command line, false with --no-browser, undefined for $BROWSER or the system one. */
  browser: string | false | undefined;
  /** Seconds to wait for the user. */
  wait: number;
  prompt: string | undefined;
  loginHint: string | undefined;
  maxAge: number | undefined;
  acrValues: string | undefined;
  /** false with --no-cache. */
  cache: boolean;
  device: boolean;
  /** OpenID CIBA Core (poll mode): --login-hint or one of cibaParams' hints names the user. */
  ciba?: boolean | undefined;
  cibaParams?: CibaInput | undefined;
  par: boolean;
  /** RFC 9449: DPoP-bound tokens; the key is stored with them. */
  dpop: boolean;
  /** RFC 9101: the request as a signed request object (--request-object). */
  requestObject?: boolean | undefined;
  /** --response-mode form_post, or JARM: jwt, query.jwt or form_post.jwt. */
  responseMode?: string | undefined;
  /** RFC 7591 §3: for a registration (no client id given) at a server that requires one. */
  initialAccessToken?: string | undefined;
  /** RFC 9396: --authorization-details, JSON or @file. */
  authorizationDetails?: string | undefined;
  /** --offline: ask for a refresh token the way the server wants it (client/offline.ts). */
  offline?: boolean | undefined;
}

export interface CibaInput {
  loginHintToken?: string | undefined;
  idTokenHint?: string | undefined;
  bindingMessage?: string | undefined;
}

export { loginView as view } from '../output/login.js';

/** RFC 8628 §3.4 (oauth/device.ts GRANT_DEVICE_CODE, named here so it loads only with --device). */
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** CIBA Core §10.1 (oauth/ciba.ts GRANT_CIBA). */
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** What either flow works with. */
interface FlowSetup {
  http: HttpClient;
  server: Server;
  client: ClientAuth;
  settings: Settings;
  options: LoginInput;
  waitMs: number;
  /** The openid scope was asked for: a nonce, and an ID token to check. */
  openid: boolean;
  dpop: DpopSession | undefined;
  /** The server accepted the client (LoginSettings.accepted): a profile being named is saved. */
  accepted: (scopes: boolean) => void;
  warn: Warn;
}

interface Flow {
  /** After the code flow's callback, still on its way: the store is made ready meanwhile. */
  tokens: Promise<TokenResult>;
  /** The nonce sent, when openid was asked for in the code flow. */
  nonce: string | undefined;
  grant: string;
  nowMs: number;
  /** Ends the flow: the code flow's browser gets its success or failure page. */
  end: (outcome: 'success' | 'failure') => Promise<void>;
}

/** A line on stderr while waiting, rewritten in place: only at a TTY. */
function withWaiting<T>(ctx: Context, what: string, deadlineMs: number, work: Promise<T>) {
  return waitWith(ctx.io, what, deadlineMs, ctx.now, work);
}

/** At a terminal: the client id asked for, when the server offers no registration. */
function askClientId(ctx: Context): (() => Promise<string>) | undefined {
  if (!ctx.io.canPrompt) return undefined;
  return async () => {
    const { askText } = await import('../output/prompt.js');
    return askText('Client id:', (v) => (v === '' ? 'enter the client id' : true));
  };
}

export async function run(options: LoginInput, ctx: Context): Promise<Outcome<LoginResult>> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, options.client, warn);
  // RFC 9396: checked before anything is asked or sent, then a request parameter like --param.
  const rar = readAuthorizationDetails(options.authorizationDetails, settings.params);
  const given = { ...settings, params: withDetails(settings.params, rar) };
  // `--resource <url>` and no issuer: discovery starts from the resource (RFC 9728, steps 1-2).
  const chain = chainStart(given) ? await startFromResource(ctx, given, options, warn) : undefined;
  if (chain?.dpop) options = { ...options, dpop: true };
  checkCibaOptions(options);
  const needed: EndpointName[] = options.device
    ? ['device', 'token']
    : options.ciba
      ? ['ciba', 'token']
      : options.par
        ? ['authorization', 'par', 'token']
        : ['authorization', 'token'];
  const asked = await loginSettings(
    ctx,
    chain?.settings ?? given,
    needed,
    warn,
    () => import('../output/prompt.js'),
  );
  try {
    return await login(options, ctx, warn, needed, asked, chain?.discovered, rar);
  } finally {
    // The profile the user named, once the server accepted the client: also when the login failed.
    const saved = await asked.settle();
    if (saved !== undefined) {
      ctx.io.err(renderNote(`saved as profile ${saved} (use --profile ${saved})`, ctx.io.errStyle));
    }
  }
}

async function login(
  options: LoginInput,
  ctx: Context,
  warn: Warn,
  needed: readonly EndpointName[],
  asked: LoginSettings,
  discovered: Discovery | undefined,
  rar: RequestedDetails | undefined,
): Promise<Outcome<LoginResult>> {
  // Neither polling flow has a redirect URI, nor `prompt`.
  const device = options.device || options.ciba === true;
  const waitMs = options.wait * 1000;
  const server = await resolveServer(
    ctx.http,
    asked.settings.issuer,
    asked.settings.endpoints,
    needed,
    warn,
    discovered,
  );
  // The client given, else registered at the server (RFC 7591), else asked for at a terminal;
  // then the scope (asked for from scopes_supported when a run asked for anything).
  const chosen = await clientForServer(
    ctx,
    server,
    asked.settings,
    warn,
    (text) => ctx.io.err(renderNote(text, ctx.io.errStyle)),
    {
      initialAccessToken: options.initialAccessToken,
      port: options.port,
      device: options.device,
      ask: askClientId(ctx),
    },
  );
  const completed = await asked.withServer(server.metadata);
  const openid = completed.scopes.includes('openid');
  // The issuer as the metadata names it (--issuer may have been its discovery URL).
  const settings = { ...completed, ...chosen, issuer: server.issuer };
  asked.chose(settings);
  const client = await clientAuth(ctx, settings, server, warn);
  if (openid && settings.issuer === undefined) {
    throw usageError(
      'issuer_missing',
      'the openid scope needs the issuer to check the ID token',
      'pass --issuer <url> or set OAUTH_ISSUER',
    );
  }
  if (options.ciba && !openid) {
    throw usageError(
      'ciba_needs_openid',
      'CIBA is an OpenID Connect flow: --scope must include openid',
      `add openid to --scope, e.g. --scope "${['openid', ...settings.scopes].join(' ')}"`,
    );
  }
  if (options.ciba && client.method === 'none') {
    warn({
      level: 'warning',
      code: 'ciba_public_client',
      message:
        'CIBA is for confidential clients, and this client has no secret or key: the server will probably refuse it; give its secret (OAUTH_CLIENT_SECRET or --client-secret-file) or --private-key',
      ref: 'CIBA Core §4',
    });
  }
  if (settings.scopes.length === 0) {
    ctx.io.err(
      renderNote(
        'no --scope given (nor a profile scope): no scope parameter is sent; the server decides',
        ctx.io.errStyle,
      ),
    );
  }

  // Nothing of the ID token check but the token itself needs the callback: start it now.
  const http = await ctx.http();
  const expected = {
    issuer: settings.issuer ?? '',
    clientId: client.clientId,
    maxAge: options.maxAge,
  };
  const idTokenCheck = openid ? prepareIdTokenCheck(ctx, http, server, expected) : undefined;
  const dpop = options.dpop ? await dpopSession(ctx, null) : undefined;
  // --offline: a refresh token asked for the way this server wants it (client/offline.ts).
  const offline =
    options.offline === true && options.ciba !== true
      ? offlinePlan(
          server.metadata,
          settings.provider?.name,
          settings.scopes,
          options.prompt,
          settings.params,
        )
      : undefined;
  const setup: FlowSetup = {
    http,
    server,
    client,
    settings:
      offline === undefined
        ? settings
        : { ...settings, scopes: offline.scopes, params: offline.params },
    options: offline === undefined ? options : { ...options, prompt: offline.prompt },
    waitMs,
    openid,
    dpop,
    accepted: asked.accepted,
    warn,
  };
  const grant = options.ciba ? CIBA_GRANT : device ? DEVICE_GRANT : 'authorization_code';
  server.expect({ grant, dpop: options.dpop, authorizationDetailsTypes: rar?.types }, warn);
  const flow = await server.explained(
    options.ciba
      ? cibaFlow(ctx, setup, options.cibaParams ?? {})
      : device
        ? deviceFlow(ctx, setup)
        : codeFlow(ctx, setup),
  );
  let ended = false;
  try {
    // The response is checked, then kept. With the store, inside its lock: taken, and the store
    // read, while the code exchange is still on its way (as a refresh does, lock then request).
    const accept = async (tx?: TokenFileEditor) => {
      const tokens = await server.explained(flow.tokens);
      for (const finding of tokens.findings) warn(finding);
      const notBound = dpop ? dpopFinding(tokens) : undefined;
      if (notBound) warn(notBound);
      // OIDC Core §3.1.3.3: with openid, the ID token is required, and checked before anything
      // is kept.
      const claims = openid
        ? await checkIdToken(
            ctx,
            http,
            server,
            tokens.idToken,
            { ...expected, nonce: flow.nonce },
            idTokenCheck,
            client.secret,
          )
        : undefined;
      const base = entryBase(settings, server.require('token'), client.clientId, flow.grant);
      // OIDC RP-Initiated Logout §2.1: where `oauth logout` can end this login's session.
      const endSession = server.metadata?.end_session_endpoint;
      if (typeof endSession === 'string' && endSession !== '') {
        base.end_session_endpoint = endSession;
      }
      tx?.put(entryFrom(tokens, base, flow.nowMs, dpop), { makeCurrent: true });
      // An iss accepted by a documented departure (a filled template, no https://) is said.
      const issuerNote =
        claims === undefined ? undefined : await idTokenIssuerNote(claims, expected.issuer);
      return {
        tokens,
        subject: typeof claims?.sub === 'string' ? claims.sub : undefined,
        issuerNote,
      };
    };
    let storedIn: string | undefined;
    let accepted: Awaited<ReturnType<typeof accept>>;
    if (!options.cache) accepted = await accept();
    else {
      const store = tokenStore(ctx, warn);
      // undici writes a request on a reused connection in the check phase after it was made (its
      // idle-socket validation): a timer runs later, when the exchange is on the wire.
      await new Promise((next) => setTimeout(next, 0));
      accepted = await store.update(accept);
      storedIn = store.path;
    }
    if (!device) await rememberRedirectUri(ctx, settings, warn);
    const { tokens, subject, issuerNote } = accepted;
    const expires = expiresAt(tokens.expiresIn, flow.nowMs);
    const offlineFinding =
      (offline && offlineMissing(offline, tokens.refreshToken)) ??
      offlineAccessFinding(
        setup.settings.scopes,
        tokens,
        device ? undefined : setup.options,
        settings.resources.length > 0,
      );
    ended = true;
    return {
      exitCode: ExitCode.ok,
      result: {
        response: tokens.response,
        summary: {
          subject,
          scope:
            tokens.scope ?? (settings.scopes.length > 0 ? settings.scopes.join(' ') : undefined),
          expiresAt: expires,
          tokenType: tokens.tokenType,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          idToken: tokens.idToken,
          issuer: settings.issuer,
          clientId: client.clientId,
          storedIn,
          authorizationDetails: tokens.response.authorization_details,
          findings: [
            ...(issuerNote ? [issuerNote] : []),
            ...(offlineFinding ? [offlineFinding] : []),
            ...grantFindings(rar?.details, tokens.response),
          ],
        },
        nowMs: ctx.now(),
      },
      // The browser's page says "Signed in" once the summary is out.
      after: () => flow.end('success'),
    };
  } finally {
    if (!ended) await flow.end('failure');
  }
}

/** `--resource` is an http(s) URL, and no issuer nor authorization endpoint is given. */
function chainStart(settings: Settings): boolean {
  const first = settings.resources[0];
  return (
    settings.issuer === undefined &&
    settings.endpoints.authorization === undefined &&
    settings.endpoints.device === undefined &&
    settings.resources.length === 1 &&
    first !== undefined &&
    /^https?:\/\//i.test(first)
  );
}

/**
 * Steps 1, 2 and 4 of the resource-first chain: the resource metadata (its `resource` must equal
 * --resource, RFC 9728 §3.3), its authorization server, and what to ask it for.
 */
async function startFromResource(
  ctx: Context,
  given: Settings,
  options: LoginInput,
  warn: Warn,
): Promise<{ settings: Settings; discovered: Discovery; dpop: boolean }> {
  const resource = given.resources[0] as string;
  const found = await resourceChain(await ctx.http(), { url: resource, strict: true }, warn);
  for (const finding of found.findings) warn(finding, 'metadata');
  const plan = loginPlan(found, { scopes: given.scopes, dpop: options.dpop });
  if (plan.scopesFrom === 'resource') {
    warn({
      level: 'info',
      code: 'chain_scopes',
      message: `scopes from the resource's scopes_supported: ${plan.scopes.join(' ')}`,
      ref: 'RFC 9728 §2',
    });
  }
  if (plan.dpop && !options.dpop) {
    warn({
      level: 'info',
      code: 'chain_dpop',
      message:
        'the resource requires DPoP-bound tokens (dpop_bound_access_tokens_required): --dpop is on',
      ref: 'RFC 9728 §2',
    });
  }
  return {
    settings: { ...given, issuer: found.issuer, scopes: plan.scopes },
    discovered: found.authorizationServer,
    dpop: plan.dpop,
  };
}

/**
 * OIDC Core §11: offline_access asked for but not granted, or no refresh token at all. Some servers
 * grant it only when the user consents in this login (prompt=consent); a refresh token without it
 * may end with the browser session. `code`: the code flow's options (undefined: the device flow).
 */
function offlineAccessFinding(
  requested: readonly string[],
  tokens: Pick<TokenResult, 'scope' | 'refreshToken' | 'idToken'>,
  code: Pick<LoginInput, 'prompt'> | undefined,
  /** RFC 8707: a resource was named, so a granted scope may be the access token's alone. */
  forResource = false,
): Finding | undefined {
  if (!requested.includes('offline_access')) return undefined;
  const granted = tokens.scope?.split(' ');
  // A scope without openid beside an ID token is the access token's (for a resource, RFC 8707),
  // not the grant's: it says nothing of offline_access.
  const accessTokenScope =
    (requested.includes('openid') &&
      tokens.idToken !== undefined &&
      !granted?.includes('openid')) ||
    (forResource && tokens.refreshToken !== undefined);
  const notGranted =
    granted !== undefined && !accessTokenScope && !granted.includes('offline_access');
  if (!notGranted && tokens.refreshToken !== undefined) return undefined;
  const what =
    tokens.refreshToken === undefined
      ? 'offline_access was asked for, but no refresh token came back: the login ends when the access token expires'
      : 'offline_access was asked for, but the granted scope lacks it: the refresh token may stop working when the browser session at the server ends';
  const consentSent = code?.prompt?.split(' ').includes('consent') === true;
  const next =
    code === undefined || consentSent
      ? 'the server may not allow offline_access for this client'
      : 'some servers grant it only with consent: log in again with --prompt consent';
  return {
    level: 'warning',
    code: 'offline_access_not_granted',
    message: `${what}; ${next}`,
    ref: 'OIDC Core §11',
  };
}

/**
 * A redirect URI given for this run (--redirect-uri) that has just worked is kept in the profile in
 * use, so that the next `--profile` login uses it: servers register one exact URI.
 */
async function rememberRedirectUri(ctx: Context, settings: Settings, warn: Warn): Promise<void> {
  const name = settings.profile;
  const uri = settings.redirectUri;
  const source = settings.sources.redirectUri;
  if (name === undefined || uri === undefined || (source !== 'flag' && source !== 'env')) return;
  const profiles = profileStore(ctx, warn);
  if (profiles.read().profiles[name]?.redirectUri === uri) return;
  const saved = await profiles.update((file) => {
    const profile = Object.hasOwn(file.profiles, name) ? file.profiles[name] : undefined;
    if (profile === undefined || profile.redirectUri === uri) return false;
    profile.redirectUri = uri;
    return true;
  });
  if (saved) {
    ctx.io.err(
      renderNote(`profile ${name} now has --redirect-uri ${uri}, which worked`, ctx.io.errStyle),
    );
  }
}

/**
 * Shows the URL and opens the browser. `failed` rejects when the browser command exits non-zero
 * before any request reached the redirect URI (and never settles otherwise): the login then ends
 * at once, not at the end of --wait.
 */
async function showAndOpen(
  ctx: Context,
  url: string,
  options: LoginInput,
  redirectUri: string,
  heard: () => number,
): Promise<{ failed: Promise<never> }> {
  const s = ctx.io.errStyle;
  const command = options.browser;
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  failed.catch(() => {});
  const willOpen =
    command !== false &&
    (typeof command === 'string' ||
      (ctx.env.BROWSER ?? '') !== '' ||
      (ctx.io.stderrIsTTY && ctx.io.stdinIsTTY && !ctx.env.CI));
  ctx.io.err(renderOpenUrl(url, willOpen, s));
  if (!willOpen) return { failed };
  const warnOpenYourself = (message: string) =>
    ctx.io.err(renderWarning(`${message}; open the URL above yourself`, s));
  const outcome = await openBrowser(ctx, url, command, warnOpenYourself, (status, file) => {
    const exited = `the browser command ${JSON.stringify(file)} exited with status ${status}`;
    // The browser reached the listener: the redirect URI is accepted, the status is about else.
    if (heard() > 0) return warnOpenYourself(exited);
    import('../oauth/loopback.js').then(
      (m) => fail(m.redirectNeverCame(`${exited} before any redirect reached ${redirectUri}`)),
      fail,
    );
  });
  if (outcome === 'none') {
    ctx.io.err(renderWarning('the browser was not opened; open the URL above yourself', s));
  }
  return { failed };
}

// RFC 6749 §4.1 with RFC 7636 (PKCE S256) and RFC 8252 (loopback redirect); RFC 9126 with --par.
async function codeFlow(ctx: Context, setup: FlowSetup): Promise<Flow> {
  const { http, server, client, settings, options, waitMs, openid, dpop, accepted } = setup;
  const authorizationEndpoint = server.require('authorization');
  const tokenEndpoint = server.require('token');
  const usePar = options.par || server.metadata?.require_pushed_authorization_requests === true;
  const secured = await jarAndJarm({
    http,
    server,
    issuer: settings.issuer,
    tokenEndpoint,
    requestObject: options.requestObject,
    responseMode: options.responseMode,
    now: ctx.now,
    warn: setup.warn,
    note: (text) => ctx.io.err(renderNote(text, ctx.io.errStyle)),
  });
  const authorized = await authorize({
    ...secured,
    http,
    client,
    authorizationEndpoint,
    par: usePar
      ? { endpoint: server.require('par'), assertionAudience: settings.issuer ?? tokenEndpoint }
      : undefined,
    redirectUri: settings.redirectUri,
    port: options.port,
    request: {
      scopes: settings.scopes,
      resources: settings.resources,
      audience: settings.audience,
      prompt: options.prompt,
      loginHint: options.loginHint,
      maxAge: options.maxAge,
      acrValues: options.acrValues,
      extra: settings.params,
    },
    openid,
    issuer: settings.issuer,
    issRequired: server.metadata?.authorization_response_iss_parameter_supported === true,
    dpop,
    waitMs,
    now: ctx.now,
    signal: ctx.signal,
    accepted,
    warn: setup.warn,
    browse: async (url, waiting, redirectUri, heard, loopback) => {
      const deadline = ctx.now() + waitMs;
      const { headlessReason, waitHeadless } = await import('../client/headless.js');
      const reason = headlessReason(ctx.env, options.browser);
      if (reason !== undefined) {
        const { headlessView } = await import('../output/headless.js');
        const view = { url, reason, deadlineMs: deadline, command: options.browser };
        return waitHeadless(ctx, view, waiting, loopback, headlessView(ctx.io.errStyle));
      }
      const browser = await showAndOpen(ctx, url, options, redirectUri, heard);
      return withWaiting(
        ctx,
        'waiting for the browser to finish the login',
        deadline,
        Promise.race([waiting, browser.failed]),
      );
    },
  });
  const nowMs = ctx.now();
  const tokens = exchangeCode(http, authorized, {
    tokenEndpoint,
    client,
    nowMs,
    signal: ctx.signal,
    dpop,
    resources: settings.resources,
  });
  tokens.catch(() => {}); // raised where the login awaits it, maybe after taking the store lock
  return {
    tokens,
    nonce: authorized.nonce,
    grant: 'authorization_code',
    nowMs,
    end: (outcome) => authorized.end(outcome),
  };
}

// RFC 8628 §3.1-3.5.
async function deviceFlow(ctx: Context, setup: FlowSetup): Promise<Flow> {
  const { http, server, client, settings, options, waitMs, dpop } = setup;
  const { GRANT_DEVICE_CODE, pollDeviceToken, requestDeviceAuthorization, sleep } =
    await import('../oauth/device.js');
  const endpoint = server.require('device');
  const tokenEndpoint = server.require('token');
  const authorization = await requestDeviceAuthorization(http, {
    endpoint,
    client,
    scopes: settings.scopes,
    resources: settings.resources,
    audience: settings.audience,
    extra: settings.params,
    assertionAudience: settings.issuer ?? tokenEndpoint,
    nowMs: ctx.now(),
    signal: ctx.signal,
  });
  setup.accepted(true); // RFC 8628 §3.2: the server took the client and its scopes
  ctx.io.err(renderDeviceCode(authorization, ctx.io.errStyle));
  const page = authorization.verificationUriComplete ?? authorization.verificationUri;
  // The page as a QR code for a phone: at a terminal only, never piped or with --json.
  if (ctx.io.stderrIsTTY && !ctx.globals.json && ctx.env.TERM !== 'dumb' && openableUrl(page)) {
    const { renderQrCode } = await import('../output/qr.js');
    ctx.io.err(renderQrCode(page, ctx.io.errStyle));
  }
  if (options.browser !== false) {
    await openBrowser(ctx, page, options.browser, (message) =>
      ctx.io.err(renderWarning(`${message}; open the URL above yourself`, ctx.io.errStyle)),
    );
  }
  const deadline = Math.min(ctx.now() + waitMs, ctx.now() + authorization.expiresIn * 1000);
  const tokens = await withWaiting(
    ctx,
    'waiting for the device login to be approved',
    deadline,
    pollDeviceToken(http, {
      tokenEndpoint,
      client,
      device: authorization,
      assertionAudience: tokenEndpoint,
      now: ctx.now,
      sleep,
      deadlineMs: ctx.now() + waitMs,
      signal: ctx.signal,
      dpop,
    }),
  );
  return {
    tokens: Promise.resolve(tokens),
    nonce: undefined,
    grant: GRANT_DEVICE_CODE,
    nowMs: ctx.now(),
    end: async () => {},
  };
}

/** CIBA Core §7.1: exactly one of login_hint, login_hint_token and id_token_hint. */
function checkCibaOptions(options: LoginInput): void {
  const params = options.cibaParams ?? {};
  if (!options.ciba) {
    const flag =
      params.loginHintToken !== undefined
        ? '--login-hint-token'
        : params.idTokenHint !== undefined
          ? '--id-token-hint'
          : params.bindingMessage !== undefined
            ? '--binding-message'
            : undefined;
    if (flag === undefined) return;
    throw usageError(
      'ciba_option',
      `${flag} is for --ciba logins only`,
      `add --ciba, or leave ${flag} out`,
    );
  }
  const given = [
    options.loginHint !== undefined ? '--login-hint' : undefined,
    params.loginHintToken !== undefined ? '--login-hint-token' : undefined,
    params.idTokenHint !== undefined ? '--id-token-hint' : undefined,
  ].filter((flag) => flag !== undefined);
  if (given.length === 1) return;
  throw usageError(
    'ciba_hint',
    given.length === 0
      ? '--ciba needs to name the user who approves: --login-hint, --login-hint-token or --id-token-hint'
      : `--ciba takes one hint, not ${given.join(' and ')}`,
    given.length === 0
      ? 'e.g. --login-hint alice (the user name or email the server knows)'
      : `keep one of ${given.join(', ')}`,
  );
}

// OpenID CIBA Core §7 (request), §10.1 (poll mode), §11 (the token endpoint's answers).
async function cibaFlow(ctx: Context, setup: FlowSetup, ciba: CibaInput): Promise<Flow> {
  const { http, server, client, settings, options, waitMs, dpop } = setup;
  const { GRANT_CIBA, pollCibaToken, requestBackchannelAuthentication } =
    await import('../oauth/ciba.js');
  const { sleep } = await import('../oauth/device.js');
  const tokenEndpoint = server.require('token');
  const authorization = await requestBackchannelAuthentication(http, {
    endpoint: server.require('ciba'),
    client,
    scopes: settings.scopes,
    loginHint: options.loginHint,
    loginHintToken: ciba.loginHintToken,
    idTokenHint: ciba.idTokenHint,
    bindingMessage: ciba.bindingMessage,
    acrValues: options.acrValues,
    resources: settings.resources,
    audience: settings.audience,
    extra: settings.params,
    assertionAudience: settings.issuer ?? tokenEndpoint,
    nowMs: ctx.now(),
    signal: ctx.signal,
  });
  setup.accepted(true); // CIBA Core §7.3: the server took the client, the user and the scopes
  ctx.io.err(
    renderCibaRequest(
      {
        loginHint: options.loginHint,
        hintKind: ciba.idTokenHint !== undefined ? 'ID token hint' : 'login hint token',
        bindingMessage: ciba.bindingMessage,
        expiresIn: authorization.expiresIn,
      },
      ctx.io.errStyle,
    ),
  );
  const deadline = Math.min(ctx.now() + waitMs, ctx.now() + authorization.expiresIn * 1000);
  const tokens = await withWaiting(
    ctx,
    'waiting for the login to be approved on the authentication device',
    deadline,
    pollCibaToken(http, {
      tokenEndpoint,
      client,
      authorization,
      assertionAudience: tokenEndpoint,
      now: ctx.now,
      sleep,
      deadlineMs: ctx.now() + waitMs,
      signal: ctx.signal,
      dpop,
    }),
  );
  return {
    tokens: Promise.resolve(tokens),
    nonce: undefined,
    grant: GRANT_CIBA,
    nowMs: ctx.now(),
    end: async () => {},
  };
}

/** OIDC Discovery §3: id_token_signing_alg_values_supported, RS256 when absent; never none. */
function idTokenAlgorithms(server: Server): string[] {
  const algorithms = (server.metadata &&
    stringList(server.metadata, 'id_token_signing_alg_values_supported')) ?? ['RS256'];
  return algorithms.filter((alg) => alg.toLowerCase() !== 'none');
}

interface IdTokenCheck {
  module: Promise<typeof import('../oauth/id-token.js')>;
  /** The issuer's keys, fetched ahead; undefined without a JWKS URI (the check then fails). */
  keys: Promise<(() => Promise<KeySet>) | undefined>;
}

/** Loads the ID token check and fetches the keys while the user is in the browser. */
function prepareIdTokenCheck(
  ctx: Context,
  http: HttpClient,
  server: Server,
  expected: Pick<IdTokenExpectations, 'issuer' | 'clientId' | 'maxAge'>,
): IdTokenCheck {
  const module = import('../oauth/id-token.js');
  const jwksUri = server.endpoint('jwks');
  const keys = module.then((m) =>
    jwksUri === undefined
      ? undefined
      : m.prefetchIssuerKeys(http, jwksUri, ctx.now, {
          ...expected,
          nonce: 'warm-up',
          algorithms: idTokenAlgorithms(server),
        }),
  );
  // Raised, if still failing, where the check needs them; not while waiting for the browser.
  keys.catch(() => {});
  return { module, keys };
}

/** src/oauth/id-token.ts issuerDeparture: the note of an iss that passed by a departure. */
async function idTokenIssuerNote(
  claims: Record<string, unknown>,
  issuer: string,
): Promise<Finding | undefined> {
  const { issuerDeparture } = await import('../oauth/id-token.js');
  return issuerDeparture(claims, issuer);
}

async function checkIdToken(
  ctx: Context,
  http: HttpClient,
  server: Server,
  idToken: string | undefined,
  expected: Pick<IdTokenExpectations, 'issuer' | 'clientId' | 'nonce' | 'maxAge'>,
  prepared: IdTokenCheck | undefined,
  /** A confidential client's secret: the key of an HS256/384/512 ID token (OIDC Core §10.1). */
  clientSecret: string | undefined,
): Promise<Record<string, unknown>> {
  if (idToken === undefined) {
    throw new CliError(
      'id_token_missing',
      ExitCode.authorization,
      'the token response has no id_token although the openid scope was requested',
      { hint: 'nothing was stored; the server does not act as an OpenID Provider for this client' },
    );
  }
  const { idTokenKeys, issuerKeys, validateIdToken } = await (prepared?.module ??
    import('../oauth/id-token.js'));
  const { keys, algorithms, signatureHint } = await idTokenKeys(idToken, {
    clientSecret,
    algorithms: idTokenAlgorithms(server),
    issuerKeys: async () => {
      const jwksUri = server.require('jwks');
      const prefetched = await prepared?.keys;
      return prefetched ? prefetched() : issuerKeys(http, jwksUri, ctx.now);
    },
  });
  return validateIdToken(idToken, keys, {
    ...expected,
    algorithms,
    signatureHint,
    nowMs: ctx.now(),
  });
}
