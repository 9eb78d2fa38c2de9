// Baseline of the `oauth login` row of `npm run bench`: the work a login must do once the callback
// has come, done by a bare script (issue 15), so that the row measures oauth's own overhead.
// Untimed: discovery (which also warms up fetch and its connection, as `oauth login` has done by
// the time the callback arrives), the JWKS fetched and jose loaded, and the authorization with
// PKCE on the auto-login server. Timed: the POST to the token endpoint and reading its JSON; the
// ID token's signature and claims checked with jose's jwtVerify (OIDC Core §3.1.3.7, required);
// the durable store write of the same response (a 0600 temp file written, fsynced, renamed, and
// the directory fsynced, as src/store/files.ts does). Prints the milliseconds on stdout.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { callbackUrl } from './auth-redirect.mjs';

const [issuer = '', scope = 'openid'] = process.argv.slice(2);
const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const jwks = createLocalJWKSet(await (await fetch(metadata.jwks_uri)).json());
const dir = mkdtempSync(join(tmpdir(), 'oauth-bench-store-'));
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

const start = performance.now();
const response = await fetch(metadata.token_endpoint, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: 'oauth-cli',
    code_verifier: verifier,
  }),
});
const body = await response.json();
if (!response.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
  throw new Error(`token endpoint: HTTP ${response.status} ${JSON.stringify(body)}`);
}
await jwtVerify(body.id_token, jwks, { issuer: metadata.issuer, audience: 'oauth-cli' });
const bytes = Buffer.from(
  `${JSON.stringify({ version: 1, entries: [{ issuer, ...body }] }, null, 2)}\n`,
);
const temp = join(dir, '.tokens.json.tmp');
const fd = openSync(temp, 'wx', 0o600);
writeSync(fd, bytes);
fsyncSync(fd);
closeSync(fd);
renameSync(temp, join(dir, 'tokens.json'));
const dirFd = openSync(dir, 'r');
fsyncSync(dirFd);
closeSync(dirFd);
const ms = performance.now() - start;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${ms}\n`);
