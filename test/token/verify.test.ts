// verifyToken: every check reported at once, with a fixed clock; the hostile header cases.
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { keyFromJwk, keyFromSecret } from '../../src/token/keys.js';
import { decodeToken } from '../../src/token/decode.js';
import { verifyToken, type VerifyPolicy } from '../../src/token/verify.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const nowS = NOW / 1000;
const b64 = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('verifyToken', async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1' };
  const rsaKey = keyFromJwk(rsaJwk, 'jwks.json');
  const keys = { keys: [rsaKey] };
  const secret = keyFromSecret('s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t', 'test');
  const policy = (extra: Partial<VerifyPolicy> = {}): VerifyPolicy => ({
    leeway: 0,
    now: NOW,
    ...extra,
  });
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', ...header })
      .sign(rsa.privateKey);

  it('a good token passes every check, with the key that verified it', async () => {
    const token = await sign({
      sub: 'alice',
      iss: 'https://idp',
      aud: ['api', 'web'],
      iat: nowS - 60,
      exp: nowS + 3600,
      nbf: nowS - 60,
    });
    const r = await verifyToken(
      token,
      keys,
      policy({
        issuer: 'https://idp',
        audience: ['web'],
        subject: 'alice',
        require: ['sub'],
        maxAge: 600,
      }),
    );
    expect(r.valid).toBe(true);
    expect(r.key).toEqual({ kid: 'rsa-1', kty: 'RSA', alg: 'RS256', source: 'jwks.json' });
    expect(r.checks.map((c) => c.name)).toEqual([
      'alg',
      'signature',
      'exp',
      'nbf',
      'iat',
      'max_age',
      'iss',
      'aud',
      'sub',
      'required',
    ]);
    expect(r.checks.find((c) => c.name === 'exp')?.message).toMatch(/^expires in 1h /);
  });

  it('reports every failure at once, with quantities', async () => {
    const token = await sign({
      sub: 'bob',
      iss: 'https://evil',
      aud: 'other',
      iat: nowS - 20000,
      exp: nowS - (3 * 3600 + 120),
    });
    const r = await verifyToken(
      token,
      keys,
      policy({
        issuer: 'https://idp',
        audience: ['api'],
        subject: 'alice',
        require: ['scope', 'sub'],
        maxAge: 3600,
      }),
    );
    expect(r.valid).toBe(false);
    const failed = Object.fromEntries(
      r.checks.filter((c) => !c.ok).map((c) => [c.name, c.message]),
    );
    expect(Object.keys(failed).sort()).toEqual(['aud', 'exp', 'iss', 'max_age', 'required', 'sub']);
    expect(failed.exp).toMatch(/^expired 3h 2m ago/);
    expect(failed.required).toBe('missing: scope');
    expect(failed.aud).toBe('"other" does not contain "api"');
  });

  it.each([
    ['expired 30s ago, no leeway', { exp: nowS - 30 }, 0, false],
    ['expired 30s ago, leeway 60', { exp: nowS - 30 }, 60, true],
    ['nbf in 30s, no leeway', { nbf: nowS + 30 }, 0, false],
    ['nbf in 30s, leeway 60', { nbf: nowS + 30 }, 60, true],
    ['iat in the future', { iat: nowS + 300 }, 0, false],
    ['exp as a string', { exp: String(nowS + 3600) }, 0, false],
    ['nbf as a string', { nbf: '0' }, 0, false],
    ['iat as null', { iat: null }, 0, false],
  ])('%s', async (_name, claims, leeway, valid) => {
    const r = await verifyToken(await sign(claims), keys, policy({ leeway }));
    expect(r.valid).toBe(valid);
  });

  it.each([
    ['one string', 'api', true],
    ['an array containing it', ['x', 'api'], true],
    ['an array without it', ['x', 'y'], false],
    ['an array with a number', ['api', 3], false],
    ['absent', undefined, false],
  ])('aud as %s', async (_name, aud, valid) => {
    const r = await verifyToken(
      await sign(aud === undefined ? {} : { aud }),
      keys,
      policy({ audience: ['api'] }),
    );
    expect(r.valid).toBe(valid);
  });

  it('typ compares without "application/" and case', async () => {
    const token = await sign({}, { typ: 'application/AT+JWT' });
    expect((await verifyToken(token, keys, policy({ typ: 'at+jwt' }))).valid).toBe(true);
    expect((await verifyToken(token, keys, policy({ typ: 'JWT' }))).valid).toBe(false);
  });

  it('HS256 signed with the RSA public key is refused (a public key never verifies HMAC)', async () => {
    const pem = rsaKey.key as import('node:crypto').KeyObject;
    const spki = pem.export({ type: 'spki', format: 'pem' });
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(String(spki)));
    const r = await verifyToken(token, keys, policy());
    expect(r.valid).toBe(false);
    expect(r.checks.find((c) => c.name === 'alg')).toMatchObject({ ok: false });
  });

  it('a secret never verifies an RS256 token, and verifies HS256', async () => {
    const rs = await sign({});
    expect((await verifyToken(rs, { keys: [secret] }, policy())).valid).toBe(false);
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret.key as Uint8Array);
    expect((await verifyToken(hs, { keys: [secret] }, policy())).valid).toBe(true);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s is always rejected', async (alg) => {
    const token = `${b64({ alg, kid: 'rsa-1' })}.${b64({ sub: 'x' })}.`;
    const r = await verifyToken(token, keys, policy({ algorithms: ['RS256', alg] }));
    expect(r.valid).toBe(false);
    expect(r.checks.find((c) => c.name === 'alg')?.ok).toBe(false);
  });

  it('an embedded jwk is never trusted', async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', jwk })
      .sign(attacker.privateKey);
    const r = await verifyToken(token, keys, policy());
    expect(r.valid).toBe(false);
    expect(r.checks.find((c) => c.name === 'signature')?.message).toMatch(/jwk ignored/);
  });

  it.each([
    ['an unknown kid', { kid: 'nope' }, /no key with kid "nope"/],
    ['a path-like kid', { kid: '../../etc/passwd' }, /no key with kid/],
    ['a numeric kid', { kid: 7 }, /"kid" is not a string/],
    ['crit not understood', { crit: ['exp'], exp: 1 }, /crit/],
    ['b64 false', { b64: false, crit: ['b64'] }, /b64/],
  ])('%s fails', async (_name, header, message) => {
    const token = `${b64({ alg: 'RS256', ...header })}.${b64({})}.${b64('sig')}`;
    const r = await verifyToken(token, keys, policy());
    expect(r.valid).toBe(false);
    expect(
      r.checks
        .filter((c) => !c.ok)
        .map((c) => c.message)
        .join(' '),
    ).toMatch(message);
  });

  it('an --alg allow-list excludes what it does not name', async () => {
    const r = await verifyToken(await sign({}), keys, policy({ algorithms: ['ES256'] }));
    expect(r.checks.find((c) => c.name === 'alg')).toMatchObject({
      ok: false,
      message: 'RS256 is not allowed (allowed: ES256)',
    });
  });

  it.each([
    ['two parts', 'a.b'],
    ['bad base64', 'ey!.e30.e30'],
    ['padding', `${b64({ alg: 'RS256' })}=.e30.e30`],
    ['a non-JSON header', `${b64('nope')}.e30.e30`],
    ['an array header', `${b64([1])}.e30.e30`],
    ['an array payload', `${b64({ alg: 'RS256' })}.${b64([1])}.e30`],
    ['a non-JSON payload', `${b64({ alg: 'RS256' })}.${b64('text')}.e30`],
    ['a JWE', 'a.b.c.d.e'],
    ['a huge token', `${b64({ alg: 'RS256' })}.${'A'.repeat(70_000)}.e30`],
  ])('%s is a failed format check, not an exception', async (_name, token) => {
    const r = await verifyToken(token, keys, policy());
    expect(r.valid).toBe(false);
    expect(r.checks.some((c) => c.name === 'format' && !c.ok)).toBe(true);
  });
});

describe('malleable ECDSA signatures', () => {
  it('regression: an ES256 signature with a high S is valid, with a note; its low-S twin has none', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const [h, p, sig = ''] = token.split('.');
    const bytes = Buffer.from(sig, 'base64url');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const twin = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
    const flipped = `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), twin]).toString('base64url')}`;
    const [high, low] = s > n / 2n ? [token, flipped] : [flipped, token];
    const keys = { keys: [keyFromJwk({ ...jwk, alg: 'ES256' }, 'test')] };
    const policy = { leeway: 0, now: Date.now() };
    const a = await verifyToken(high, keys, policy);
    const b = await verifyToken(low, keys, policy);
    expect([a.valid, b.valid]).toEqual([true, true]);
    expect(a.notes).toEqual([expect.stringMatching(/high S: valid .* but malleable/)]);
    expect(b.notes).toEqual([]);
  });
});

describe('verify fails every claim that decode flags as malformed (issue 10 item 8)', async () => {
  const secret = keyFromSecret('s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t', 'test');
  const keys = { keys: [secret] };
  const base = { sub: 'alice', iat: nowS - 60, exp: nowS + 3600 };
  const hs = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t'));
  const policy: VerifyPolicy = { leeway: 0, now: NOW };

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['sub: null', { sub: null }, 'sub', /^sub is null, not a string \(RFC 7519 §4\.1\.2\)$/],
    ['sub: 5', { sub: 5 }, 'sub', /^sub is 5, not a string/],
    ['iss: an array', { iss: ['a'] }, 'iss', /^iss is an array, not a string/],
    ['jti: an object', { jti: {} }, 'jti', /^jti is an object, not a string/],
    ['aud: 5', { aud: 5 }, 'aud', /^aud is 5, not a string or an array of strings/],
    ['aud: [1]', { aud: ['api', 1] }, 'aud', /^aud is an array, not a string or an array/],
    ['exp: "soon"', { exp: 'soon' }, 'exp', /^exp is the string "soon", not a number of seconds/],
    ['exp: null', { exp: null }, 'exp', /^exp is null, not a number of seconds/],
    ['exp: 1e20', { exp: 1e20 }, 'exp', /^exp is 100000000000000000000, not a number/],
    ['exp in milliseconds', { exp: (nowS + 3600) * 1000 }, 'exp', /looks like milliseconds/],
    ['nbf: "0"', { nbf: '0' }, 'nbf', /^nbf is the string "0", not a number/],
    ['iat: true', { iat: true }, 'iat', /^iat is a boolean, not a number/],
    ['iat in milliseconds', { iat: (nowS - 60) * 1000 }, 'iat', /looks like milliseconds/],
    ['auth_time: "x"', { auth_time: 'x' }, 'auth_time', /^auth_time is the string "x"/],
    ['updated_at: null', { updated_at: null }, 'updated_at', /^updated_at is null/],
    ['exp before iat', { iat: nowS - 60, exp: nowS - 120 }, 'exp', /^exp is before iat/],
  ])(
    '%s: a failed check, and decode flags the same claim',
    async (_name, claims, name, message) => {
      const token = await hs({ ...base, ...claims });
      const r = await verifyToken(token, keys, policy);
      expect(r.valid).toBe(false);
      expect(r.key).not.toBeNull(); // the signature is fine: the claim alone fails
      const failedChecks = r.checks.filter((c) => !c.ok);
      expect(failedChecks.map((c) => c.name)).toEqual([name]);
      expect(failedChecks[0]?.message).toMatch(message);
      // Only one check per claim: the malformed one replaces the claim's own check.
      expect(r.checks.filter((c) => c.name === name)).toHaveLength(1);
      const decoded = decodeToken(token, NOW);
      expect(decoded.findings.map((f) => f.message)).toContain(
        failedChecks[0]?.message.replace(/ \(RFC [^)]*\)$/, ''),
      );
    },
  );

  it('iat far in the future is a failed check; decode says issued in the future', async () => {
    const token = await hs({ ...base, iat: nowS + 86400 * 365, exp: nowS + 86400 * 400 });
    const r = await verifyToken(token, keys, policy);
    expect(r.checks.filter((c) => !c.ok)).toEqual([
      { name: 'iat', ok: false, message: expect.stringMatching(/^issued in the future: in 1y/) },
    ]);
    expect(decodeToken(token, NOW).status.state).toBe('issued_in_future');
  });

  it('with --iss, --aud and --sub the malformed claim is one failed check, not two', async () => {
    const token = await hs({ ...base, sub: null, aud: 5, iss: 7 });
    const r = await verifyToken(token, keys, {
      ...policy,
      issuer: 'https://idp',
      audience: ['api'],
      subject: 'alice',
    });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['iss', 'sub', 'aud']);
  });

  it('a well-formed token with the same claims verifies (nothing else fails)', async () => {
    const r = await verifyToken(await hs({ ...base, aud: ['api'], jti: 'j1' }), keys, policy);
    expect(r.valid, JSON.stringify(r.checks)).toBe(true);
  });
});
