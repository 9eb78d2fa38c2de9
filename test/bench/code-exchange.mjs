// Baseline of the `oauth login` row of `npm run bench`: the bare token request of the code flow.
// Untimed: discovery (which also warms up fetch and its connection, as `oauth login` has done by
// the time the callback arrives) and the authorization with PKCE on the auto-login server. Timed:
// the one POST to the token endpoint and reading its JSON. Prints the milliseconds on stdout.
import { createHash, randomBytes } from 'node:crypto';
import { callbackUrl } from './auth-redirect.mjs';

const [issuer = '', scope = 'openid'] = process.argv.slice(2);
const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
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
const ms = performance.now() - start;
if (!response.ok || typeof body.access_token !== 'string') {
  throw new Error(`token endpoint: HTTP ${response.status} ${JSON.stringify(body)}`);
}
process.stdout.write(`${ms}\n`);
