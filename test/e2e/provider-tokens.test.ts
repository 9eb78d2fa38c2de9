// Issue 16 items 3-5 through the built CLI against an imitating node:http issuer: a templated
// issuer (multi-tenant metadata), an iss spelled without https://, a nonce-header access token.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

let idp: TestServer;
let sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
const TID = '9188040d-6c67-4c5b-b112-36a304b66dad';

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  idp = await serve((req, res, base) => {
    if (req.url === '/common/v2.0/.well-known/openid-configuration') {
      // As Entra ID's multi-tenant endpoint answers: the issuer is a template.
      json(res, {
        issuer: `${base}/{tenantid}/v2.0`,
        jwks_uri: `${base}/common/discovery/v2.0/keys`,
        authorization_endpoint: `${base}/common/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/common/oauth2/v2.0/token`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    } else if (req.url === '/common/discovery/v2.0/keys') {
      json(res, { keys: [jwk] });
    } else {
      json(res, { error: 'not_found' }, 404);
    }
  });
  sign = (claims, header = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
});
afterAll(() => idp.close());

describe('templated issuer', () => {
  it('checks iss against the template with the token tid; no tid fails', async () => {
    const issuer = `${idp.url}/common/v2.0`;
    const good = await sign({ iss: `${idp.url}/${TID}/v2.0`, tid: TID, sub: 'a' });
    const r = await runCli(['verify', '--issuer', issuer, good, '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/issuer .* is a template/);
    const noTid = await sign({ iss: `${idp.url}/${TID}/v2.0`, sub: 'a' });
    const bad = await runCli(['verify', '--issuer', issuer, noTid]);
    expect(bad.code).toBe(4);
    expect(bad.stdout + bad.stderr).toMatch(/token has no tid claim/);
    const other = await sign({ iss: `${idp.url}/other/v2.0`, tid: TID, sub: 'a' });
    const wrong = await runCli(['verify', '--issuer', issuer, other]);
    expect(wrong.code).toBe(4);
    expect(wrong.stdout + wrong.stderr).toContain(`expected "${idp.url}/${TID}/v2.0"`);
  });
});

describe('templated issuer metadata', () => {
  it('discover accepts the template from the multi-tenant URL, with one note', async () => {
    const r = await runCli(['discover', `${idp.url}/common/v2.0`]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/is a template \(a multi-tenant endpoint\)/g)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/empty path/);
  });
});

describe('issuer without its https scheme', () => {
  it('accepts iss without https:// with a note; any other mismatch fails', async () => {
    const jwks = `${idp.url}/common/discovery/v2.0/keys`;
    const bare = await sign({ iss: 'accounts.example.com', sub: 'a' });
    const r = await runCli([
      'verify',
      '--jwks',
      jwks,
      '--iss',
      'https://accounts.example.com',
      bare,
      '--verbose',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/without its https:\/\/ scheme/);
    const http = await sign({ iss: 'http://accounts.example.com', sub: 'a' });
    const no = await runCli([
      'verify',
      '--jwks',
      jwks,
      '--iss',
      'https://accounts.example.com',
      http,
    ]);
    expect(no.code).toBe(4);
  });
});

describe('access token with a nonce header', () => {
  it('says only the resource can validate it, naming Graph only by aud', async () => {
    const jwks = `${idp.url}/common/discovery/v2.0/keys`;
    const graph = await sign(
      { aud: '00000003-0000-0000-c000-000000000000', sub: 'a' },
      { nonce: 'abc' },
    );
    // Entra signs over a hashed nonce: the token as sent does not verify. Tamper the signature likewise.
    const broken = `${graph.slice(0, graph.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
    const r = await runCli(['verify', '--jwks', jwks, broken]);
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).toMatch(
      /this token is for Microsoft Graph; only Graph can validate it/,
    );
    const api = await sign({ aud: 'api://x', sub: 'a' }, { nonce: 'abc' });
    const other = await runCli([
      'verify',
      '--jwks',
      jwks,
      `${api.slice(0, api.lastIndexOf('.') + 1)}${'A'.repeat(86)}`,
    ]);
    expect(other.code).toBe(4);
    expect(other.stdout + other.stderr).toMatch(/only the API it is for can validate it/);
    expect(other.stdout + other.stderr).not.toMatch(/Graph/);
  });
});

describe('opaque unless asked', () => {
  // Nothing known of its server (ya29. tokens: test/e2e/provider-opaque.test.ts).
  it('verify of an opaque token names --audience/--resource and introspection', async () => {
    const r = await runCli([
      'verify',
      '--jwks',
      `${idp.url}/common/discovery/v2.0/keys`,
      'Zk3a0AfH6SMBopaque',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a JWT/);
    expect(r.stderr).toMatch(/--audience <api> or --resource <url>/);
    expect(r.stderr).toMatch(/oauth introspect/);
  });
});
