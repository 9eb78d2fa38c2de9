// `oauth verify` through the built CLI: every key source, many tokens, --json, exit codes, and
// hostile tokens (RFC 8725 §3: alg none, key confusion, embedded keys, jku, odd kids, bad
// encodings; local node:http servers on port 0).
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunksOf, loadedChunks } from '../helpers/chunks.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-verify-e2e-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A local server answering JSON by path, recording each request. */
async function jsonServer(routes: (base: string) => Record<string, unknown>) {
  const hits: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = routes(base)[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('oauth verify (e2e)', async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const pem = file('pub.pem', await exportSPKI(rsa.publicKey));
  const jwkFile = file('key.jwk', JSON.stringify(jwk));
  const jwksFile = file('jwks.json', JSON.stringify({ keys: [jwk] }));
  const keyPem = file('priv.pem', await exportPKCS8(rsa.privateKey));
  const cert = file(
    'cert.pem',
    execFileSync(
      'openssl',
      ['req', '-new', '-x509', '-key', keyPem, '-subj', '/CN=t', '-days', '1'],
      {
        encoding: 'utf8',
      },
    ),
  );
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
      .sign(rsa.privateKey);
  const good = await sign({
    sub: 'alice',
    iss: 'http://issuer',
    aud: ['api', 'web'],
    iat: now(),
    exp: now() + 3600,
  });
  const expired = await sign({ sub: 'bob', exp: now() - 30 });
  const hsSecret = 'a-long-shared-secret-for-hmac-256!';
  const hs = await new SignJWT({ sub: 'h' })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(hsSecret));

  let idp: Awaited<ReturnType<typeof jsonServer>>;
  beforeAll(async () => {
    idp = await jsonServer((base) => ({
      '/jwks': { keys: [jwk] },
      '/.well-known/openid-configuration': {
        issuer: base,
        jwks_uri: `${base}/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
      },
    }));
  });
  afterAll(() => idp.close());

  it.each([
    ['--key PEM', () => ['--key', pem]],
    ['--key certificate', () => ['--key', cert]],
    ['--key JWK', () => ['--key', jwkFile]],
    ['--key JWKS', () => ['--key', jwksFile]],
    ['--jwks file', () => ['--jwks', jwksFile]],
    ['--jwks URL', () => ['--jwks', `${idp.base}/jwks`]],
  ])('%s: valid, exit 0, checks on stdout', async (_name, args) => {
    const r = await runCli(['verify', ...args(), '--aud', 'web', good]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ valid sub=alice\n/);
    expect(r.stdout).toMatch(/✓ signature {2}verified with RSA key/);
    expect(r.stdout).toMatch(/✓ aud {8}\["api","web"\] contains "web"/);
  });

  it('--issuer: discovery, jwks_uri, and iss must match the issuer', async () => {
    const ok = await sign({ iss: idp.base, exp: now() + 60 });
    const r = await runCli(['verify', '--issuer', idp.base, ok]);
    expect(r.code).toBe(0);
    const wrong = await runCli(['verify', '--issuer', idp.base, good, '--json']);
    expect(wrong.code).toBe(4);
    const doc = JSON.parse(wrong.stdout) as { checks: { name: string; ok: boolean }[] };
    expect(doc.checks.find((c) => c.name === 'iss')?.ok).toBe(false);
  });

  it('the signature by node:crypto alone: neither jose nor Web Crypto is loaded (README "Start-up")', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ecJwks = file('ec-jwks.json', JSON.stringify({ keys: [await exportJWK(ec.publicKey)] }));
    const es = await new SignJWT({ sub: 'e' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ec.privateKey);
    const env = { NODE_OPTIONS: loadedChunks() };
    for (const args of [
      ['--jwks', jwksFile, good],
      ['--jwks', ecJwks, es],
      ['--jwks', ecJwks, `${es.slice(0, -2)}AA`],
      ['--secret-file', file('hs-secret', hsSecret), hs],
    ]) {
      const r = await runCli(['verify', ...args], { env });
      expect(r.code).toBe(args[2]?.endsWith('AA') ? 4 : 0);
      expect(chunksOf(r.stderr)).toContain('token.verify.cjs');
      expect(chunksOf(r.stderr)).not.toContain('vendor.jose.cjs');
    }
  });

  it('OAUTH_VERIFY_SECRET verifies HS256 silently; --secret warns on stderr', async () => {
    const env = await runCli(['verify', hs], { env: { OAUTH_VERIFY_SECRET: hsSecret } });
    expect(env).toMatchObject({ code: 0, stderr: '' });
    const flag = await runCli(['verify', '--secret', hsSecret, hs]);
    expect(flag.code).toBe(0);
    expect(flag.stderr).toMatch(/warning: --secret on the command line/);
    const fromFile = await runCli(['verify', '--secret-file', file('secret', `${hsSecret}\n`), hs]);
    expect(fromFile.code).toBe(0);
  });

  it('a secret never verifies RS256, and the RSA key never verifies HS256', async () => {
    expect((await runCli(['verify', good], { env: { OAUTH_VERIFY_SECRET: hsSecret } })).code).toBe(
      4,
    );
    const spki = await exportSPKI(rsa.publicKey);
    const confused = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(spki));
    const r = await runCli(['verify', '--key', pem, confused]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/✗ alg +HS256 is not allowed/);
  });

  it('many tokens on stdin: one line each, --json NDJSON, exit 4 when any fails', async () => {
    const input = `${good}\n\n${expired}\nnot.a.token\n${good}\n`;
    const text = await runCli(['verify', '--jwks', jwksFile], { input });
    expect(text.code).toBe(4);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^1\tvalid sub=alice$/);
    expect(lines[1]).toMatch(/^2\tinvalid sub=bob\texp: expired \d+s ago/);
    expect(lines[2]).toMatch(/^3\tinvalid\tformat: /);
    const json = await runCli(['verify', '--jwks', jwksFile, '--json'], { input });
    const docs = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs.map((d) => d.valid)).toEqual([true, false, false, true]);
    expect(Object.keys(docs[0] ?? {})).toEqual(['valid', 'header', 'payload', 'checks', 'key']);
    expect(docs[0]?.key).toEqual({ kid: 'k1', kty: 'RSA', alg: 'RS256', source: jwksFile });
    const allGood = await runCli(['verify', '--jwks', jwksFile], { input: `${good}\n${good}\n` });
    expect(allGood.code).toBe(0);
  });

  it('several arguments: one line each', async () => {
    const r = await runCli(['verify', '--key', pem, good, expired]);
    expect(r.code).toBe(4);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it.each([
    ['no key source', ['verify', 'GOOD'], /no key to verify with/],
    [
      'a malformed single token',
      ['verify', '--key', 'PEM', 'e30.!!.x'],
      /malformed|base64url|no such file/,
    ],
    ['an unreadable key file', ['verify', '--key', '/nonexistent/key.pem', 'GOOD'], /no such file/],
    ['--alg none', ['verify', '--key', 'PEM', '--alg', 'none', 'GOOD'], /--alg none/],
    [
      'two key sources',
      ['verify', '--key', 'PEM', '--jwks', 'PEM', 'GOOD'],
      /choose one key source/,
    ],
  ])('%s is exit 2', async (_name, args, message) => {
    const r = await runCli(args.map((a) => (a === 'PEM' ? pem : a === 'GOOD' ? good : a)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('expired: exit 4 without leeway, 0 with enough leeway', async () => {
    const strict = await runCli(['verify', '--key', pem, expired]);
    expect(strict.code).toBe(4);
    expect(strict.stdout).toMatch(/✗ exp +expired \d+s ago/);
    expect((await runCli(['verify', '--key', pem, '--leeway', '120', expired])).code).toBe(0);
    const future = await sign({ nbf: now() + 60 });
    expect((await runCli(['verify', '--key', pem, future])).code).toBe(4);
    expect((await runCli(['verify', '--key', pem, '--leeway', '120', future])).code).toBe(0);
  });

  it('audience arrays: any expected audience in the token', async () => {
    expect(
      (await runCli(['verify', '--key', pem, '--aud', 'nope', '--aud', 'api', good])).code,
    ).toBe(0);
    expect((await runCli(['verify', '--key', pem, '--aud', 'nope', good])).code).toBe(4);
  });

  it('a jku in the header is never fetched', async () => {
    const trap = await jsonServer(() => ({ '/jwks': { keys: [] } }));
    try {
      const attacker = await generateKeyPair('RS256');
      const token = await new SignJWT({})
        .setProtectedHeader({
          alg: 'RS256',
          kid: 'k1',
          jku: `${trap.base}/jwks`,
          x5u: `${trap.base}/x5u`,
        })
        .sign(attacker.privateKey);
      const r = await runCli(['verify', '--jwks', jwksFile, token]);
      expect(r.code).toBe(4);
      expect(trap.hits).toEqual([]);
    } finally {
      await trap.close();
    }
  });

  it.each([
    ['alg none', `${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`],
    ['alg NoNe with a kid', `${b64({ alg: 'NoNe', kid: 'k1' })}.${b64({ sub: 'x' })}.`],
    ['an odd kid', `${b64({ alg: 'RS256', kid: '../../../etc/passwd' })}.${b64({})}.AAAA`],
    ['a kid that is an object', `${b64({ alg: 'RS256', kid: { a: 1 } })}.${b64({})}.AAAA`],
    ['crit not understood', `${b64({ alg: 'RS256', crit: ['zip'], zip: 1 })}.${b64({})}.AAAA`],
    ['b64 false', `${b64({ alg: 'RS256', b64: false, crit: ['b64'] })}.${b64({})}.AAAA`],
    ['a JWE', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.AAAA.AAAA'],
  ])('%s: exit 4', async (_name, token) => {
    const r = await runCli(['verify', '--jwks', jwksFile, token]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^✗ invalid/);
  });

  it('an embedded jwk is not trusted', async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(attacker.publicKey) })
      .sign(attacker.privateKey);
    const r = await runCli(['verify', '--key', pem, token]);
    expect(r.code).toBe(4);
  });

  it.each([
    ['bad base64', 'eyJhbGciOiJSUzI1NiJ9.e30!.AAAA'],
    [
      'a non-JSON payload',
      `${b64({ alg: 'RS256' })}.${Buffer.from('hi').toString('base64url')}.AAAA`,
    ],
    ['an array payload', `${b64({ alg: 'RS256' })}.${b64([1, 2])}.AAAA`],
    ['a huge token', `${b64({ alg: 'RS256' })}.${'A'.repeat(80_000)}.AAAA`],
    ['four segments', 'a.b.c.d'],
  ])('%s: exit 2 as the only argument, a failed line (exit 4) on stdin', async (_name, token) => {
    expect((await runCli(['verify', '--jwks', jwksFile, token])).code).toBe(2);
    const r = await runCli(['verify', '--jwks', jwksFile, '--json'], { input: `${token}\n` });
    expect(r.code).toBe(4);
    expect((JSON.parse(r.stdout) as { valid: boolean }).valid).toBe(false);
  });

  it('time claims must be numbers', async () => {
    const r = await runCli(['verify', '--key', pem, await sign({ exp: String(now() + 60) })]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/exp is the string "\d+", not a number of seconds since 1970/);
  });
});
