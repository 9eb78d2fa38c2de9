// Baseline of the `oauth login` row of `npm run bench` (issue 15: "our span <= 1.2 x a baseline
// that does the same required work"): what a login must do once the callback has come, done by a
// bare script that is as ready as `oauth login` is when the callback arrives, so that the row
// measures oauth's own overhead, not work that can be (and by oauth is) done ahead. It prints the
// callback URL of its listener, does the work when that request comes, then prints one line: the
// bench clocks that span from outside, as it clocks oauth's (run.mjs loginWork and loginSpan).
//
// Untimed, because none of it is required after the callback and `oauth login` has done it, or
// its equivalent, by then:
// - this process's start and the loading of jose (oauth loads its ID-token check, jose with it,
//   while the user is in the browser);
// - discovery and the JWKS fetch on fetch's pool: the token request reuses that keep-alive
//   connection (oauth's exchange reuses the one of its discovery and JWKS prefetch), so neither
//   side times a TCP handshake;
// - the authorization with PKCE on the auto-login server (the user's part);
// - the JWKS keys imported and a first, failing jwtVerify with each key's alg and kid and the
//   expected claims: WebCrypto's start, the key import and the first run's compiling, which oauth
//   pays while the user is in the browser (src/oauth/id-token.ts prefetchIssuerKeys / warmUp);
// - a first POST to the token endpoint with a code that does not exist (answered invalid_grant,
//   nothing changes on the server): the first POST and JSON response of a process run cold code
//   of the HTTP client (fetch here: 6-14 ms against 3-4 ms warm). oauth's exchange, on its own
//   client (undici's request) and with its compile cache, took 3.5-4.5 ms request to response;
//   what it still pays cold is its overhead, and counted as such;
// - the store directory: one that exists, with a tokens.json in it, as oauth's store has after the
//   first login (the bench's store persists across its runs). A directory made fresh for each run
//   turned the timed fsyncs into commits of its creation (~1 ms more each).
// - its loopback listener, warmed up by one request of its own, as oauth's is
//   (src/oauth/loopback.ts warmUp).
// Timed cold, these made the baseline larger than the work itself: the ratio came out 0.69-0.88.
// Timed, each once and in order, as oauth does them (src/commands/login.ts accept):
// - the callback request read, answered, and its state checked;
// - the POST to the token endpoint and reading its JSON (RFC 6749 §4.1.3);
// - the ID token's signature and claims checked with jose's jwtVerify against the prefetched keys
//   (OIDC Core §3.1.3.7, required before anything is kept);
// - the durable store write of the same response: a 0600 temp file in the store's directory
//   written, fsynced, renamed over tokens.json, and the directory fsynced, as src/store/files.ts
//   writeFileAtomic does.
// - one line written to stdout, where oauth writes its summary.
// Not here, and so counted as oauth's overhead: the store's lock and read, the callback's other
// checks (iss, the error parameters), the summary's rendering.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { callbackUrl } from './auth-redirect.mjs';

const [issuer = '', scope = 'openid'] = process.argv.slice(2);
const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const jwksDoc = await (await fetch(metadata.jwks_uri)).json();
const jwks = createLocalJWKSet(jwksDoc);
const verifier = randomBytes(32).toString('base64url');
const redirectUri = 'http://127.0.0.1:9/callback'; // never requested: the code is read off the redirect
const authorize = new URL(metadata.authorization_endpoint);
authorize.search = new URLSearchParams({
  response_type: 'code',
  client_id: 'oauth-cli',
  redirect_uri: redirectUri,
  scope,
  state: randomBytes(16).toString('base64url'),
  code_challenge: createHash('sha256').update(verifier).digest('base64url'),
  code_challenge_method: 'S256',
}).toString();
const code = (await callbackUrl(authorize.href)).searchParams.get('code');
if (!code) throw new Error('the authorization redirect carried no code');

/** The code exchange: the same request, warm-up and timed. */
const exchange = (withCode) =>
  fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: withCode,
      redirect_uri: redirectUri,
      client_id: 'oauth-cli',
      code_verifier: verifier,
    }),
  });

// The HTTP client's warm-up: a code that does not exist.
const refused = await exchange(randomBytes(32).toString('base64url'));
const refusal = await refused.json();
if (refused.status !== 400 || refusal.error !== 'invalid_grant') {
  throw new Error(`warm-up exchange: HTTP ${refused.status} ${JSON.stringify(refusal)}`);
}

// oauth's warm-up of the ID token check: the expected claims and a zero signature of each key's size.
const now = Math.floor(Date.now() / 1000);
const claims = { iss: metadata.issuer, sub: 'warm-up', aud: 'oauth-cli', exp: now + 60, iat: now };
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signatureBytes = (key) =>
  key.kty === 'RSA'
    ? Buffer.from(key.n, 'base64url').length
    : ({ 'P-384': 96, 'P-521': 132, Ed448: 114 }[key.crv] ?? 64);
for (const key of jwksDoc.keys.filter((k) => k.use !== 'enc')) {
  const alg = key.alg ?? metadata.id_token_signing_alg_values_supported?.[0] ?? 'RS256';
  const zero = Buffer.alloc(signatureBytes(key)).toString('base64url');
  await jwtVerify(`${b64({ alg, kid: key.kid })}.${b64(claims)}.${zero}`, jwks, {
    issuer: metadata.issuer,
    audience: 'oauth-cli',
  }).then(
    () => Promise.reject(new Error('the warm-up token verified')),
    (err) => {
      if (err.code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw err;
    },
  );
}

/** writeFileAtomic of src/store/files.ts: temp file written and fsynced, renamed, dir fsynced. */
function writeDurably(dir, bytes) {
  const temp = join(dir, `.tokens.json.${process.pid}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  writeSync(fd, bytes);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, join(dir, 'tokens.json'));
  const dirFd = openSync(dir, 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
}

// The store: the bench's config directory persists across runs (a manual run gets a temp one).
const configDir = process.env.OAUTH_CONFIG_DIR;
const dir = join(configDir ?? mkdtempSync(join(tmpdir(), 'oauth-bench-')), 'login-baseline');
mkdirSync(dir, { recursive: true, mode: 0o700 });
if (!existsSync(join(dir, 'tokens.json'))) writeDurably(dir, Buffer.from('{}\n'));

// The span is clocked from outside, as `oauth login`'s is (run.mjs loginSpan): the bench sends the
// callback request to this listener, timing from just before it writes the request, and stops at
// the first bytes of the summary on this process's stdout pipe. Both spans then cross the same
// process boundaries (a socket wake-up, a pipe read by the bench). Timed in here, the baseline
// left them and the callback's reading out, and those grow with the machine's load, oauth's
// span alone carrying them: the ratio moved between 1.05 and 1.24 from run to run.
const state = randomBytes(16).toString('base64url');
const listener = createServer((req, res) => {
  const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('ok\n');
  if (query.has('warm-up')) return;
  listener.close();
  if (query.get('state') !== state) throw new Error('the callback carried another state');
  void login(query.get('code') ?? '');
});
await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
const { port } = listener.address();
// oauth's listener answers one request of its own before the browser's (src/oauth/loopback.ts
// warmUp): the first answer of a process compiles the request parser and the response writer.
await new Promise((resolve, reject) =>
  get({ host: '127.0.0.1', port, path: '/callback?warm-up=1', agent: false }, (res) =>
    res.resume().on('end', resolve),
  ).on('error', reject),
);
process.stdout.write(
  `callback http://127.0.0.1:${port}/callback?${new URLSearchParams({ code, state })}\n`,
);

/** The timed work, then one line on stdout, as oauth prints its summary in one write. */
async function login(withCode) {
  const response = await exchange(withCode);
  const body = await response.json();
  if (!response.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new Error(`token endpoint: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  await jwtVerify(body.id_token, jwks, { issuer: metadata.issuer, audience: 'oauth-cli' });
  writeDurably(
    dir,
    Buffer.from(`${JSON.stringify({ version: 1, entries: [{ issuer, ...body }] }, null, 2)}\n`),
  );
  process.stdout.write('logged in\n');
  if (configDir === undefined) rmSync(dirname(dir), { recursive: true, force: true });
}
