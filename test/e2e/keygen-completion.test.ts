// Issue 12 through the built CLI: "did you mean" as the hint, `oauth keygen` and the key it makes
// used for private_key_jwt at a token endpoint that checks the assertion with the printed JWKS.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'oauth-keygen-'));

describe('"did you mean" (regression: a literal \\n and the generic hint)', () => {
  it.each([
    [['decod', 'x'], "unknown command 'decod'", 'did you mean `oauth decode`?'],
    [['decode', '--jsn', 'x'], "unknown option '--jsn'", 'did you mean `--json`?'],
    [['version'], "unknown command 'version'", 'did you mean `oauth --version` or `oauth verify`?'],
    [['profile', 'ad', 'work'], "unknown command 'ad'", 'did you mean `oauth profile add`?'],
  ])('oauth %j: the message, then the suggestion as the hint', async (args, message, hint) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${message}\nhint: ${hint}\n`);
  });

  it('--json: the message without the suggestion, the hint with it', async () => {
    const r = await runCli(['--json', 'decod', 'x']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'usage',
        message: "unknown command 'decod'",
        hint: 'did you mean `oauth decode`?',
      },
    });
  });
});

describe('oauth keygen', () => {
  /**
   * A token endpoint that knows one client, `svc`, by the JWKS registered for it: it verifies the
   * client assertion (RFC 7523 §3) with that JWKS, and the header's kid must name the key.
   */
  let server: RecordingServer;
  let registered: JSONWebKeySet = { keys: [] };
  const verdicts: string[] = [];
  beforeAll(async () => {
    server = await record(async (req, res, base) => {
      const form = new URLSearchParams(req.body);
      const assertion = form.get('client_assertion') ?? '';
      try {
        const { kid } = decodeProtectedHeader(assertion);
        if (kid !== registered.keys[0]?.kid)
          throw new Error(`kid ${String(kid)} is not registered`);
        const { payload } = await jwtVerify(assertion, createLocalJWKSet(registered), {
          issuer: 'svc',
          subject: 'svc',
          audience: `${base}/token`,
        });
        if (form.get('client_id') !== 'svc' || typeof payload.jti !== 'string') {
          throw new Error('client_id or jti');
        }
        verdicts.push('ok');
        json(res, { access_token: 'at-for-svc', token_type: 'Bearer', expires_in: 300 });
      } catch (err) {
        verdicts.push(String(err));
        json(res, { error: 'invalid_client', error_description: String(err) }, 401);
      }
    });
  });
  afterAll(() => server.close());

  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'])(
    '%s: the printed JWKS, registered at the server, accepts `oauth token --private-key <file>`',
    async (alg) => {
      const dir = tempDir();
      const key = join(dir, 'client-key.pem');
      const made = await runCli(['keygen', '--alg', alg, '--out', key]);
      expect(made.code).toBe(0);
      expect(made.stderr).toContain(`written to ${key}`);
      const jwks = JSON.parse(made.stdout) as JSONWebKeySet;
      expect(jwks.keys).toHaveLength(1);
      const [jwk] = jwks.keys;
      expect(jwk).toMatchObject({ alg, use: 'sig', kid: expect.stringMatching(/^[\w-]{43}$/) });
      expect(jwk).not.toHaveProperty('d');
      expect(readFileSync(key, 'utf8')).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
      );
      expect(statSync(key).mode & 0o777).toBe(0o600);

      registered = jwks;
      verdicts.length = 0;
      const token = await runCli(
        [
          'token',
          '--grant',
          'client_credentials',
          '--auth-method',
          'private_key_jwt',
          '--private-key',
          key,
          '--client-id',
          'svc',
          '--token-endpoint',
          `${server.url}/token`,
          '--no-cache',
        ],
        { env: { OAUTH_CONFIG_DIR: dir } },
      );
      expect(verdicts).toEqual(['ok']);
      expect(token).toMatchObject({ code: 0, stdout: 'at-for-svc\n' });
    },
  );

  it('default ES256; --json prints the same JWKS document', async () => {
    const dir = tempDir();
    const r = await runCli(['--json', 'keygen', '--out', join(dir, 'k.pem')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JSONWebKeySet;
    expect(doc.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('an existing file is never overwritten: exit 2, the file as it was, no temp file left', async () => {
    const dir = tempDir();
    const key = join(dir, 'key.pem');
    writeFileSync(key, 'my old key\n');
    const r = await runCli(['keygen', '--out', key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${key} already exists; keygen never overwrites a file\n` +
        'hint: choose another --out, or move the old key away first\n',
    );
    expect(readFileSync(key, 'utf8')).toBe('my old key\n');
    expect(readdirNames(dir)).toEqual(['key.pem']);
  });

  it('a bad --alg is exit 2 naming the choices; no --out is exit 2 too', async () => {
    const dir = tempDir();
    const bad = await runCli(['keygen', '--alg', 'HS256', '--out', join(dir, 'k.pem')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /'HS256' is invalid\. Allowed choices are ES256, RS256, PS256, EdDSA/,
    );
    const none = await runCli(['keygen']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/required option '--out <file>' not specified/);
    expect(readdirNames(dir)).toEqual([]);
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}
