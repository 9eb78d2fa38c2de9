// `oauth demo`: the whole OAuth 2.0 story against the embedded server, one step at a time, with the
// same code as `oauth login`, `oauth call`, `oauth decode`, `oauth verify` and `oauth revoke`.
// `--from-resource` tells it from the API's side, with the code of the resource-first chain: the
// 401 that names resource metadata (RFC 9728), the authorization server's metadata, a dynamic
// client registration (RFC 7591), the login with resource= (RFC 8707), and the call that succeeds.
import { openBrowser } from '../client/browser.js';
import { authorize, exchangeCode, type Authorized } from '../client/code-flow.js';
import { redirectUriFor } from '../client/registration.js';
import {
  loginPlan,
  resourceChain,
  type LoginPlan,
  type ResourceChain,
} from '../client/resource-chain.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, toCliError } from '../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js';
import { explainChallenge, type ChallengeExplanation } from '../oauth/challenge.js';
import type { ClientAuth } from '../oauth/client-auth.js';
import { discover } from '../oauth/discovery.js';
import { revoke } from '../oauth/introspect-revoke.js';
import {
  nativeClientMetadata,
  processRegistrationResponse,
  registrationRequest,
} from '../oauth/registration.js';
import { requestResource } from '../oauth/resource-request.js';
import { decodeToken } from '../token/decode.js';
import { jwksFromUrl } from '../token/jwks.js';
import { verifyToken } from '../token/verify.js';
import {
  demoProgressView,
  demoView,
  type DemoEntry,
  type DemoProgress,
  type DemoResult,
  type DemoStep,
} from '../output/demo.js';
import { renderWarning } from '../output/findings.js';
import { renderOpenUrl } from '../output/login.js';
import { itemRenderer, show, type Outcome } from '../output/present.js';
import { withWaiting } from '../output/spinner.js';

export interface DemoInput {
  /** --auto: consent given automatically. */
  auto: boolean;
  port: number;
  /** --from-resource: the story from the API's side (RFC 9728, RFC 7591, RFC 8707). */
  fromResource: boolean;
}

export { demoView as view } from '../output/demo.js';

const CLIENT: ClientAuth = { clientId: 'oauth-cli', method: 'none' };
const USER = 'alice';
const SCOPES = ['api:read'];
const MAX_HOPS = 10;
/** The way out of a browser that does not come, for each story. */
const autoHint = (fromResource: boolean) =>
  `or press Ctrl-C and run \`oauth demo ${fromResource ? '--from-resource ' : ''}--auto\``;
/** How long a person has to sign in and consent in the browser. */
const WAIT_MS = 300_000;

/** Request headers worth showing; responses likewise. Cookies never (the browser's business). */
const SHOWN_REQUEST = ['authorization', 'dpop'];
const SHOWN_RESPONSE = ['www-authenticate', 'location'];

function pick(headers: Record<string, string>, names: string[]): [string, string][] {
  return names.flatMap((name) => {
    const value = headers[name];
    return value === undefined ? [] : [[name, value] as [string, string]];
  });
}

/** The HTTP client, with every exchange written down for the story. */
function recording(http: HttpClient, log: DemoEntry[]): HttpClient {
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const response = await http.request(req);
      const body = req.body instanceof URLSearchParams ? req.body.toString() : undefined;
      log.push({
        method: req.method ?? 'GET',
        url: String(req.url),
        status: response.status,
        sent: pick(req.headers ?? {}, SHOWN_REQUEST),
        form: body,
        received: pick(response.headers, SHOWN_RESPONSE),
      });
      return response;
    },
    async getJson(url, purpose, options) {
      const entry = { method: 'GET', url: String(url), status: 200, sent: [], received: [] };
      try {
        const value = await http.getJson(url, purpose, options);
        log.push(entry);
        return value;
      } catch (err) {
        // A well-known URL that is not there is part of the story (the discovery tries the next).
        const status = err instanceof CliError ? /answered HTTP (\d{3})/.exec(err.message) : null;
        if (status) log.push({ ...entry, status: Number(status[1]) });
        throw err;
      }
    },
    close: () => http.close(),
  };
}

/** Cookies of one host, enough to walk the embedded server's sign-in redirects. */
function cookieJar() {
  const jar = new Map<string, string>();
  return {
    remember(setCookie: string | undefined) {
      for (const line of (setCookie ?? '').split('\n')) {
        const [pair = '', ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        if (eq < 1) continue;
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const gone = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
        if (gone || value === '') jar.delete(name);
        else jar.set(name, value);
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/**
 * What the browser does when consent is automatic (the server runs with --auto-login): follow the
 * authorization server's redirects, with its cookies, until it sends the user to the redirect URI.
 */
async function followAsBrowser(http: HttpClient, start: string, redirectUri: string) {
  const jar = cookieJar();
  let url = start;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const cookie = jar.header();
    const response = await http.request({
      method: 'GET',
      url,
      purpose: 'authorization endpoint',
      headers: cookie === '' ? {} : { cookie },
      redirect: 'manual',
    });
    if (url.startsWith(`${redirectUri}?`)) return;
    jar.remember(response.headers['set-cookie']);
    const location = response.headers.location;
    if (response.status < 300 || response.status > 399 || location === undefined) {
      throw new CliError(
        'demo_authorization_stuck',
        ExitCode.authorization,
        `the authorization server answered HTTP ${response.status} at ${new URL(url).pathname} instead of redirecting back to the client`,
        { hint: 'run again with --verbose to see the exchange' },
      );
    }
    url = new URL(location, url).href;
  }
  throw new CliError(
    'demo_authorization_stuck',
    ExitCode.authorization,
    `the authorization server redirected more than ${MAX_HOPS} times`,
    { hint: 'run again with --verbose to see the exchange' },
  );
}

/** The sign-in and consent redirects between the first request and the way back, as one line. */
function collapseHops(log: DemoEntry[]): void {
  if (log.length <= 2) return;
  const hops = log.length - 2;
  log.splice(1, hops, {
    hops,
    what: `through the server's sign-in and consent pages (automatic for ${USER}), then back to the client:`,
  });
}

interface Story {
  http: HttpClient;
  log: DemoEntry[];
  issuer: string;
  api: string;
  metadata: Record<string, unknown>;
  auto: boolean;
  fromResource: boolean;
  waitMs: number;
  code?: Authorized;
  accessToken?: string;
  /** --from-resource: what the story found on the way. */
  challenge?: ChallengeExplanation;
  chain?: ResourceChain;
  /** The authorization server's exchanges of the chain, told in the step after the resource's. */
  serverExchanges?: DemoEntry[];
  client?: ClientAuth;
  plan?: LoginPlan;
}

/**
 * The user at the authorization server, up to the code back at the loopback redirect: a scripted
 * browser with --auto, else the user's own (or the headless paste), as `oauth login` does it.
 */
async function signIn(
  story: Story,
  ctx: Context,
  login: {
    client: ClientAuth;
    request: Parameters<typeof authorize>[0]['request'];
    issRequired: boolean;
  },
): Promise<Authorized> {
  let browsing: Promise<void> | undefined;
  const authorized = await authorize({
    http: story.http,
    client: login.client,
    authorizationEndpoint: endpoint(story.metadata, 'authorization_endpoint'),
    par: undefined,
    redirectUri: undefined,
    port: 0,
    request: login.request,
    openid: false,
    issuer: story.issuer,
    issRequired: login.issRequired,
    dpop: undefined,
    waitMs: story.waitMs,
    now: ctx.now,
    signal: ctx.signal,
    browse: async (url, waiting, redirectUri, _heard, loopback) => {
      if (story.auto) {
        browsing = followAsBrowser(story.http, url, redirectUri);
        return Promise.race([waiting, browsing.then(() => waiting)]);
      }
      const s = ctx.io.errStyle;
      const hint = autoHint(story.fromResource);
      const deadline = ctx.now() + story.waitMs;
      const { headlessReason, waitHeadless } = await import('../client/headless.js');
      const reason = headlessReason(ctx.env, undefined);
      if (reason !== undefined) {
        const { headlessView } = await import('../output/headless.js');
        const view = { url, reason, deadlineMs: deadline, hint };
        return waitHeadless(ctx, view, waiting, loopback, headlessView(s));
      }
      ctx.io.err(renderOpenUrl(url, true, s));
      await openBrowser(ctx, url, undefined, (message) =>
        ctx.io.err(renderWarning(`${message}; open the URL above yourself, ${hint}`, s)),
      );
      // The same wait line as `oauth login`'s.
      return withWaiting(
        ctx.io,
        'waiting for the browser to finish the login',
        deadline,
        ctx.now,
        waiting,
      );
    },
  });
  try {
    // The browser gets its page once the code is in: it waits for the answer meanwhile.
    await authorized.end('success');
    await browsing;
  } finally {
    await authorized.end();
  }
  if (story.auto) collapseHops(story.log);
  return authorized;
}

function endpoint(metadata: Record<string, unknown>, name: string): string {
  const value = metadata[name];
  if (typeof value !== 'string') {
    throw new CliError('demo_metadata', ExitCode.network, `the server metadata has no ${name}`, {
      hint: 'this is a bug in the embedded server',
    });
  }
  return value;
}

type StepBody = Omit<DemoStep, 'n' | 'title' | 'why' | 'exchanges'>;
interface StepSpec {
  title: string;
  why: string;
  run(story: Story, ctx: Context): Promise<StepBody>;
}

/** GET <api>/me with no token (both stories start with it), and the challenge explained. */
async function callWithoutToken(story: Story) {
  const { response } = await requestResource(story.http, {
    method: 'GET',
    url: new URL(`${story.api}/me`),
    headers: {},
  });
  const explained = explainChallenge({
    status: response.status,
    header: response.headers['www-authenticate'],
    sent: undefined,
    tokenGiven: false,
  });
  return { response, explained };
}

/** GET <api>/me with the story's token (both stories end with it); `said` follows "200: the data of <sub>". */
async function callWithToken(story: Story, said: string) {
  const { response } = await requestResource(story.http, {
    method: 'GET',
    url: new URL(`${story.api}/me`),
    headers: {},
    token: { value: needToken(story), scheme: 'Bearer' },
  });
  let data: unknown;
  try {
    data = JSON.parse(response.text());
  } catch {
    data = undefined;
  }
  const sub =
    typeof data === 'object' && data !== null && 'sub' in data ? String(data.sub) : undefined;
  return {
    ok: response.status === 200 && sub !== undefined,
    detail:
      response.status === 200
        ? `200: the data of ${sub ?? 'nobody'}${said}`
        : `expected 200 with the token, got HTTP ${response.status}`,
    notes:
      data === undefined
        ? []
        : [{ label: 'data', value: JSON.stringify(data, null, 1).replace(/\n\s*/g, ' ') }],
  };
}

function needToken(story: Story): string {
  if (story.accessToken === undefined) throw new Error('no access token yet');
  return story.accessToken;
}

/** The token with its scope raised in the payload, the signature kept. */
function tamper(token: string, nowMs: number): string {
  const [header = '', , signature = ''] = token.split('.');
  const claims = { ...decodeToken(token, nowMs).payload, scope: 'api:read api:write' };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

const STEPS: StepSpec[] = [
  {
    title: 'The data sits behind a resource server',
    why: 'A resource server answers only requests that carry a valid access token (RFC 6750).',
    async run(story) {
      const { response, explained } = await callWithoutToken(story);
      return {
        ok: response.status === 401,
        detail:
          response.status === 401
            ? `refused with 401: ${explained?.meaning ?? 'no challenge'}`
            : `expected 401 without a token, got HTTP ${response.status}`,
        notes: [],
      };
    },
  },
  {
    title: 'The client asks the authorization server; the user consents',
    why: 'The user signs in and consents at the authorization server, never at the client; the client proves with PKCE that it started the request (RFC 6749 §4.1, RFC 7636).',
    async run(story, ctx) {
      const authorized = await signIn(story, ctx, {
        client: CLIENT,
        request: { scopes: SCOPES },
        issRequired: false,
      });
      const { redirectUri } = authorized;
      story.code = authorized;
      return {
        ok: true,
        detail: story.auto
          ? `consent given automatically for user ${USER}; the redirect brought the code back to ${redirectUri}`
          : `consent given in the browser; the redirect brought the code back to ${redirectUri}`,
        notes: [
          ...(story.auto
            ? []
            : [
                {
                  label: 'request',
                  value:
                    'your browser sent GET /auth with response_type=code, client_id, redirect_uri, scope, state and code_challenge (the URL above)',
                },
              ]),
          {
            label: 'PKCE',
            value:
              'code_challenge = BASE64URL(SHA-256(code_verifier)); the verifier stays with the client until step 3',
          },
        ],
      };
    },
  },
  {
    title: 'The authorization server issues the token',
    why: 'The code alone is useless: the server gives a token only with the code_verifier whose SHA-256 matches the challenge of step 2 (RFC 7636 §4.6).',
    async run(story, ctx) {
      const exchange = story.code;
      if (exchange === undefined) throw new Error('no code yet');
      const tokens = await exchangeCode(story.http, exchange, {
        tokenEndpoint: endpoint(story.metadata, 'token_endpoint'),
        client: CLIENT,
        nowMs: ctx.now(),
        signal: ctx.signal,
      });
      story.accessToken = tokens.accessToken;
      return {
        ok: true,
        detail: `a ${tokens.tokenType} access token${tokens.expiresIn === undefined ? '' : ` for ${tokens.expiresIn} s`}${tokens.scope ? ` with scope ${tokens.scope}` : ''}`,
        notes: [{ label: 'access_token', value: tokens.accessToken, secret: true }],
      };
    },
  },
  {
    title: 'What the token says',
    why: 'This access token is a JWT (RFC 9068): anyone can read it, so it holds no secrets (decoding is not verifying).',
    async run(story, ctx) {
      const decoded = decodeToken(needToken(story), ctx.now());
      const p = decoded.payload ?? {};
      const text = (name: string) =>
        typeof p[name] === 'string' || typeof p[name] === 'number'
          ? String(p[name])
          : Array.isArray(p[name])
            ? p[name].join(' ')
            : '(none)';
      return {
        ok: decoded.format === 'jws' && typeof p.sub === 'string',
        detail: `user ${text('sub')}, scope ${text('scope')}, ${decoded.status.message}`,
        notes: [
          { label: 'who (sub)', value: text('sub') },
          { label: 'client (client_id)', value: text('client_id') },
          { label: 'what (scope)', value: text('scope') },
          { label: 'for (aud)', value: text('aud') },
          { label: 'by (iss)', value: text('iss') },
          { label: 'until (exp)', value: decoded.status.expires_at ?? '(no expiry)' },
          {
            label: 'signed with',
            value: `${String(decoded.header?.alg)} key ${String(decoded.header?.kid)}`,
          },
        ],
      };
    },
  },
  {
    title: 'The resource server checks the token and returns the data',
    why: 'The client sends the token in the Authorization header, never in the URL (RFC 6750 §2.1).',
    async run(story) {
      return callWithToken(story, ' (this API simply returns what the token says)');
    },
  },
  {
    title: "The token verified against the server's keys",
    why: "The resource server trusts the token because its signature checks out with the issuer's published keys (JWKS), and its issuer, audience and expiry are right (RFC 9068 §4).",
    async run(story, ctx) {
      const keys = await jwksFromUrl(story.http, endpoint(story.metadata, 'jwks_uri'), ctx.now);
      const result = await verifyToken(needToken(story), keys, {
        issuer: story.issuer,
        audience: [story.api],
        leeway: 0,
        now: ctx.now(),
      });
      const failed = result.checks.filter((c) => !c.ok);
      return {
        ok: result.valid,
        detail: result.valid
          ? `valid: ${result.checks.map((c) => c.name).join(', ')} checked`
          : `invalid: ${failed.map((c) => c.message).join('; ')}`,
        notes: [],
      };
    },
  },
  {
    title: 'A tampered token and a revoked token are refused',
    why: 'Changing one claim breaks the signature; a revoked token is dead at once, before it expires (RFC 7009).',
    async run(story, ctx) {
      const token = needToken(story);
      const call = (value: string) =>
        requestResource(story.http, {
          method: 'GET',
          url: new URL(`${story.api}/me`),
          headers: {},
          token: { value, scheme: 'Bearer' },
        }).then(({ response }) => response);
      const tampered = await call(tamper(token, ctx.now()));
      const revocation = endpoint(story.metadata, 'revocation_endpoint');
      await revoke(story.http, {
        endpoint: revocation,
        token,
        tokenTypeHint: 'access_token',
        client: CLIENT,
        assertionAudience: endpoint(story.metadata, 'token_endpoint'),
        nowMs: ctx.now(),
        signal: ctx.signal,
      });
      const revoked = await call(token);
      const ok = tampered.status === 401 && revoked.status === 401;
      return {
        ok,
        detail: ok
          ? 'tampered (scope raised to api:write): 401; revoked: 401'
          : `expected 401 twice, got ${tampered.status} (tampered) and ${revoked.status} (revoked)`,
        notes: [],
      };
    },
  },
];

/** The chain so far, or a bug in the story's order. */
function needChain(story: Story): ResourceChain {
  if (story.chain === undefined) throw new Error('no resource chain yet');
  return story.chain;
}

/** A metadata member as one line: a string as it is, a list joined, else "(none)". */
function member(metadata: Record<string, unknown>, name: string): string {
  const value = metadata[name];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) return value.map(String).join(' ');
  return '(none)';
}

/** The chain's findings of one source, each as a note (the info ones say what was accepted). */
function findingNotes(chain: ResourceChain, source: 'resource' | 'authorization_server') {
  return chain.findings
    .filter((f) => f.source === source)
    .map((f) => ({ label: f.level === 'info' ? 'note' : f.level, value: f.message }));
}

/** The story from the API's side (`--from-resource`): the client starts with only its URL. */
const RESOURCE_STEPS: StepSpec[] = [
  {
    title: 'The API refuses a request without a token and says where to look',
    why: 'A protected resource answers 401 with a WWW-Authenticate challenge; its resource_metadata parameter is the URL of the metadata that names who issues its tokens (RFC 9728 §5.1).',
    async run(story) {
      const { response, explained } = await callWithoutToken(story);
      if (explained !== undefined) story.challenge = explained;
      const found = explained?.resourceMetadata;
      const ok = response.status === 401 && found !== undefined;
      return {
        ok,
        detail: ok
          ? `refused with 401: ${explained?.meaning ?? 'no challenge'}; the challenge points to ${found}`
          : response.status === 401
            ? 'refused with 401, but the challenge names no resource_metadata'
            : `expected 401 without a token, got HTTP ${response.status}`,
        notes: [],
      };
    },
  },
  {
    title: 'The protected resource metadata names the authorization server',
    why: 'The client reads what the resource says of itself (RFC 9728 §2): its resource identifier, which must be the URL it was found for (§3.3), its authorization servers and its scopes.',
    async run(story) {
      const challenge = story.challenge;
      let atServer: number | undefined;
      const chain = await resourceChain(
        story.http,
        { url: `${story.api}/me`, challengeUrl: challenge?.resourceMetadata },
        (finding) => {
          // After the resource metadata come the authorization server's exchanges: the next step's.
          if (finding.code === 'chain_resource_metadata') atServer = story.log.length;
        },
      );
      story.serverExchanges = story.log.splice(atServer ?? story.log.length);
      story.chain = chain;
      story.issuer = chain.issuer;
      story.metadata = chain.authorizationServer.metadata;
      const m = chain.resource.metadata;
      return {
        ok: true,
        detail: `the resource ${m.resource} takes tokens from ${chain.issuer}`,
        notes: [
          { label: 'resource', value: m.resource },
          { label: 'authorization_servers', value: member(m, 'authorization_servers') },
          { label: 'scopes_supported', value: member(m, 'scopes_supported') },
          { label: 'bearer_methods_supported', value: member(m, 'bearer_methods_supported') },
          ...findingNotes(chain, 'resource'),
        ],
      };
    },
  },
  {
    title: "The authorization server's metadata says where to log in",
    why: 'The client fetches the metadata of the server the resource names (RFC 8414 §3, tried before OpenID Connect Discovery in the MCP order), and keeps it only if it names that same issuer.',
    async run(story) {
      const chain = needChain(story);
      story.log.push(...(story.serverExchanges ?? []));
      const m = chain.authorizationServer.metadata;
      return {
        ok: true,
        detail: `${chain.issuer}: metadata from ${chain.authorizationServer.url}`,
        notes: [
          { label: 'issuer', value: member(m, 'issuer') },
          { label: 'authorization_endpoint', value: member(m, 'authorization_endpoint') },
          { label: 'token_endpoint', value: member(m, 'token_endpoint') },
          { label: 'registration_endpoint', value: member(m, 'registration_endpoint') },
          {
            label: 'code_challenge_methods_supported',
            value: member(m, 'code_challenge_methods_supported'),
          },
          ...findingNotes(chain, 'authorization_server'),
        ],
      };
    },
  },
  {
    title: 'The client registers itself',
    why: 'The client has no client id at this server: it sends its own metadata to the registration_endpoint and gets one (RFC 7591 §3), a native public client with a loopback redirect URI and no secret (RFC 8252 §8.4).',
    async run(story, ctx) {
      const metadata = nativeClientMetadata({
        redirectUris: [redirectUriFor({ redirectUri: undefined })],
      });
      const response = await registrationRequest(story.http, {
        endpoint: endpoint(story.metadata, 'registration_endpoint'),
        metadata,
        signal: ctx.signal,
      });
      const registered = processRegistrationResponse(response, metadata, false);
      story.client = { clientId: registered.clientId, method: 'none' };
      const r = registered.response;
      return {
        ok: true,
        detail: `registered the client ${registered.clientId}${registered.clientSecret === undefined ? ' (public: no secret, PKCE protects its code)' : ''}; the demo keeps nothing, \`oauth login\` stores it for the next login`,
        notes: [
          { label: 'sent', value: JSON.stringify(metadata).replace(/,"/g, ', "') },
          { label: 'client_id', value: registered.clientId },
          {
            label: 'token_endpoint_auth_method',
            value: member(r, 'token_endpoint_auth_method'),
          },
          ...(registered.clientSecret === undefined
            ? []
            : [{ label: 'client_secret', value: registered.clientSecret, secret: true }]),
          ...(registered.management === undefined
            ? []
            : [
                {
                  label: 'registration_access_token',
                  value: registered.management.token,
                  secret: true,
                },
                { label: 'registration_client_uri', value: registered.management.uri },
              ]),
          ...registered.findings.map((f) => ({ label: 'note', value: f.message })),
        ],
      };
    },
  },
  {
    title: 'The user signs in and consents, for this resource',
    why: 'The authorization request names the API with resource= (RFC 8707 §2), so the token is made for it alone; PKCE proves the client started it (RFC 7636).',
    async run(story, ctx) {
      const chain = needChain(story);
      const client = story.client;
      if (client === undefined) throw new Error('no client yet');
      const plan = loginPlan(chain, {
        scopes: [],
        challengeScope: story.challenge?.scope,
        dpop: false,
      });
      story.plan = plan;
      const authorized = await signIn(story, ctx, {
        client,
        request: { scopes: plan.scopes, resources: [plan.resource] },
        issRequired: story.metadata.authorization_response_iss_parameter_supported === true,
      });
      story.code = authorized;
      const from = {
        given: 'as given',
        challenge: "from the 401's scope",
        resource: "from the resource's scopes_supported",
        none: 'none named',
      }[plan.scopesFrom];
      return {
        ok: true,
        detail: story.auto
          ? `consent given automatically for user ${USER}; the redirect brought the code back to ${authorized.redirectUri}`
          : `consent given in the browser; the redirect brought the code back to ${authorized.redirectUri}`,
        notes: [
          { label: 'resource', value: plan.resource },
          {
            label: 'scope',
            value: `${plan.scopes.join(' ')} (${from}${plan.scopes.includes('offline_access') ? ', and offline_access, which the server lists: the login can be refreshed' : ''})`,
          },
          {
            label: 'PKCE',
            value:
              'code_challenge = BASE64URL(SHA-256(code_verifier)); the verifier stays with the client until the next step',
          },
        ],
      };
    },
  },
  {
    title: 'The code and the verifier buy a token for the API',
    why: 'The token request sends the code, the code_verifier and the resource again (RFC 8707 §2.2): the token is issued with the API as its audience.',
    async run(story, ctx) {
      const exchange = story.code;
      const client = story.client;
      const plan = story.plan;
      if (exchange === undefined || client === undefined || plan === undefined) {
        throw new Error('no code yet');
      }
      const tokens = await exchangeCode(story.http, exchange, {
        tokenEndpoint: endpoint(story.metadata, 'token_endpoint'),
        client,
        nowMs: ctx.now(),
        signal: ctx.signal,
        resources: [plan.resource],
      });
      story.accessToken = tokens.accessToken;
      const claims = decodeToken(tokens.accessToken, ctx.now()).payload ?? {};
      const aud = claims.aud;
      const audiences = Array.isArray(aud)
        ? aud.map(String)
        : aud === undefined
          ? []
          : [String(aud)];
      const ok = audiences.includes(plan.resource);
      return {
        ok,
        detail: ok
          ? `a ${tokens.tokenType} access token for ${plan.resource}${tokens.expiresIn === undefined ? '' : `, for ${tokens.expiresIn} s`}${tokens.scope ? `, with scope ${tokens.scope}` : ''}`
          : `the token's audience is ${audiences.join(' ') || '(none)'}, not the resource ${plan.resource}`,
        notes: [
          { label: 'access_token', value: tokens.accessToken, secret: true },
          ...(tokens.refreshToken === undefined
            ? []
            : [{ label: 'refresh_token', value: tokens.refreshToken, secret: true }]),
          { label: 'for (aud)', value: audiences.join(' ') || '(none)' },
        ],
      };
    },
  },
  {
    title: 'The call now succeeds',
    why: 'The request of step 1 again, now with the token in the Authorization header (RFC 6750 §2.1): the API checks it was issued for it and answers.',
    async run(story) {
      return callWithToken(story, ", the API's answer to the same request that got 401 in step 1");
    },
  },
];

export async function run(options: DemoInput, ctx: Context): Promise<Outcome<DemoResult>> {
  const signal = ctx.signal; // Ctrl-C closes the server too
  const auto =
    options.auto ||
    !ctx.io.stdinIsTTY ||
    !ctx.io.stderrIsTTY ||
    (ctx.env.CI !== undefined && ctx.env.CI !== '');
  const { startServer } = await import('../server/start.js');
  const server = await startServer({ port: options.port, autoLogin: auto ? USER : undefined });
  const specs = options.fromResource ? RESOURCE_STEPS : STEPS;
  const steps: DemoStep[] = [];
  const render = itemRenderer(ctx, demoProgressView);
  const progress = (item: DemoProgress, index: number) => {
    const text = render(item, index);
    if (text !== '') ctx.io.out(text);
  };
  let failure: CliError | undefined;
  try {
    const log: DemoEntry[] = [];
    const http = recording(await ctx.http(), log);
    // From the resource, the client knows nothing of the authorization server until step 3.
    const metadata = options.fromResource ? {} : (await discover(http, server.issuer)).metadata;
    const story: Story = {
      http,
      log,
      issuer: server.issuer,
      api: server.api,
      metadata,
      auto,
      fromResource: options.fromResource,
      waitMs: WAIT_MS,
    };
    progress(
      {
        intro: {
          issuer: server.issuer,
          autoUser: auto ? USER : undefined,
          api: options.fromResource ? server.api : undefined,
        },
      },
      0,
    );
    for (const [i, spec] of specs.entries()) {
      if (signal.aborted) break;
      log.length = 0;
      progress({ heading: { n: i + 1, ...spec } }, i + 1);
      let body: StepBody;
      try {
        body = await spec.run(story, ctx);
      } catch (err) {
        failure = toCliError(err);
        body = { ok: false, detail: failure.message, notes: [] };
      }
      const step: DemoStep = {
        n: i + 1,
        title: spec.title,
        why: spec.why,
        exchanges: [...log],
        ...body,
      };
      steps.push(step);
      progress({ step }, i + 1);
      if (!step.ok) break;
    }
  } finally {
    await server.close();
  }
  const ok = steps.length === specs.length && steps.every((step) => step.ok);
  const result: DemoResult = {
    steps,
    total: specs.length,
    fromResource: options.fromResource,
    ok,
    hint: ok ? undefined : failure?.hint,
  };
  if (signal.aborted) {
    show(ctx, result, demoView);
    throw new CliError('interrupted', ExitCode.interrupted, 'interrupted');
  }
  return { exitCode: ok ? ExitCode.ok : (failure?.exitCode ?? ExitCode.internal), result };
}
