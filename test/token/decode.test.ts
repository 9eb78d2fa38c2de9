// The decode result at a fixed clock: formats, signature facts, status, explained claims, findings.
import { describe, expect, it } from 'vitest';
import { decodeParsed, decodeToken, keyNeeded } from '../../src/token/decode.js';
import { parseToken } from '../../src/token/jwt.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const at = (deltaSeconds: number) => NOW / 1000 + deltaSeconds;
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jws = (header: unknown, payload: unknown, sig = 'c2lnbmF0dXJl') =>
  `${b64(header)}.${b64(payload)}.${sig}`;
const codes = (token: string) => decodeToken(token, NOW).findings.map((f) => f.code);

describe('decodeToken', () => {
  it('a JWS: header, payload, unverified signature, status, explained claims', () => {
    const result = decodeToken(
      jws({ alg: 'RS256', kid: 'k1' }, { iss: 'https://idp', exp: at(3540), custom: 1 }),
      NOW,
    );
    expect(result).toMatchObject({
      format: 'jws',
      header: { alg: 'RS256', kid: 'k1' },
      payload: { iss: 'https://idp', exp: at(3540), custom: 1 },
      signature: { alg: 'RS256', value: 'c2lnbmF0dXJl', bytes: 9, verified: false },
      status: { state: 'valid', message: 'valid for 59m (until 2026-01-15T12:59:00Z)' },
      findings: [],
    });
    expect(result.claims.map((c) => [c.name, c.definition?.label])).toEqual([
      ['iss', 'Issuer'],
      ['exp', 'Expiration Time'],
      ['custom', undefined],
    ]);
    expect(result.claims[1]?.time).toEqual({
      seconds: at(3540),
      iso: '2026-01-15T12:59:00Z',
      relative: 'in 59m',
    });
  });

  it.each([
    ['expired', { exp: at(-3 * 3600 - 120) }, 'expired 3h 2m ago (2026-01-15T08:58:00Z)'],
    ['not_yet_valid', { nbf: at(60), exp: at(120) }, undefined],
    ['issued_in_future', { iat: at(3600) }, undefined],
    ['no_expiry', { sub: 'x' }, undefined],
  ])('status %s', (state, payload, message) => {
    const status = decodeToken(jws({ alg: 'HS256' }, payload), NOW).status;
    expect(status.state).toBe(state);
    if (message) expect(status.message).toBe(message);
  });

  it.each(['ES256K', 'BP256R1', 'HS256'])('any algorithm decodes: %s', (alg) => {
    expect(decodeToken(jws({ alg }, { sub: 'a' }), NOW).signature?.alg).toBe(alg);
  });

  it('an unknown algorithm is an info finding, ES256K is known', () => {
    expect(codes(jws({ alg: 'BP256R1' }, {}))).toEqual(['alg_unknown']);
    expect(codes(jws({ alg: 'ES256K' }, {}))).toEqual([]);
  });

  it('alg none is unsecured and flagged, in any spelling', () => {
    const result = decodeToken(jws({ alg: 'NoNe' }, { sub: 'a' }, ''), NOW);
    expect(result.format).toBe('unsecured');
    expect(result.signature).toMatchObject({ alg: 'NoNe', value: '', bytes: 0, verified: false });
    expect(result.findings[0]).toMatchObject({ level: 'warning', code: 'alg_none' });
    expect(result.findings[0]?.message).toContain('written "NoNe"');
    expect(codes(jws({ alg: 'none' }, {}, 'c2ln'))).toEqual(['alg_none', 'none_with_signature']);
  });

  it.each([
    [{}, {}, 'c2ln', ['alg_missing']],
    [{ alg: 'RS256' }, {}, '', ['signature_empty']],
    [{ alg: 'RS256', jku: 'http://127.0.0.1/x' }, {}, 'c2ln', ['header_key_reference']],
    [
      { alg: 'RS256', jwk: {}, x5c: [] },
      {},
      'c2ln',
      ['header_key_reference', 'header_key_reference'],
    ],
    [{ alg: 'RS256', crit: ['exp'] }, {}, 'c2ln', ['crit']],
    [{ alg: 'RS256' }, { exp: '1700000000' }, 'c2ln', ['claim_not_numeric_date']],
    [{ alg: 'RS256' }, { iat: 1_700_000_000_000 }, 'c2ln', ['claim_in_milliseconds']],
    [{ alg: 'RS256' }, { iat: at(0), exp: at(-10) }, 'c2ln', ['exp_before_iat']],
    [{ alg: 'RS256' }, { iss: 5, sub: null }, 'c2ln', ['claim_not_string', 'claim_not_string']],
    [{ alg: 'RS256' }, { aud: ['a', 1] }, 'c2ln', ['aud_invalid']],
    [{ alg: 'RS256' }, { aud: ['a', 'b'], iss: 'x', sub: 'y' }, 'c2ln', []],
  ])('findings for %j %j %j: %j', (header, payload, sig, expected) => {
    expect(codes(jws(header, payload, sig))).toEqual(expected);
  });

  it('b64:false: no claims, unknown status, flagged', () => {
    const token = `${b64({ alg: 'HS256', b64: false, crit: ['b64'] })}.raw.c2ln`;
    const result = decodeToken(token, NOW);
    expect(result).toMatchObject({ format: 'jws', payload: null, status: { state: 'unknown' } });
    expect(result.findings.map((f) => f.code)).toEqual(['crit', 'b64_false']);
  });

  it('an opaque token: nulls, unknown status, its length', () => {
    expect(decodeToken('Bearer abc123', NOW)).toMatchObject({
      format: 'opaque',
      header: null,
      payload: null,
      signature: null,
      status: { state: 'unknown', now: '2026-01-15T12:00:00Z' },
      length: 6,
    });
  });

  it('hostile claims stay exact in the result', () => {
    const sub = '\u001b]0;pwned\u0007\u001b[2J\u202e';
    expect(decodeToken(jws({ alg: 'HS256' }, { sub }), NOW).payload?.sub).toBe(sub);
  });
});

describe('JWE', () => {
  const header = { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1', cty: 'JWT' };
  const jwe = `${b64(header)}.ZWs.aXY.Y3Q.dGFn`;

  it('without a key: the protected header and which key is needed', () => {
    const result = decodeToken(jwe, NOW);
    expect(result).toMatchObject({
      format: 'jwe',
      header,
      payload: null,
      signature: null,
      status: { state: 'unknown' },
      encryption: { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1', decrypted: false },
    });
    expect(result.status.message).toContain('alg RSA-OAEP-256, kid enc-1');
  });

  it('flags a header with no alg or enc', () => {
    expect(decodeToken(`${b64({})}.ZWs.aXY.Y3Q.dGFn`, NOW).findings.map((f) => f.code)).toEqual([
      'jwe_alg_missing',
      'jwe_enc_missing',
    ]);
  });

  it('keyNeeded without alg or kid', () => {
    expect(keyNeeded({ alg: null, enc: null, kid: null, decrypted: false })).toBe(
      "pass --key with the recipient's key to decrypt",
    );
  });

  it('decrypted to a nested JWS: its payload, signature and status', () => {
    const inner = jws({ alg: 'ES256', typ: 'at+jwt' }, { sub: 'alice', exp: at(60) });
    const result = decodeParsed(parseToken(jwe), NOW, {
      plaintext: inner,
      protectedHeader: header,
    });
    expect(result).toMatchObject({
      format: 'jwe',
      header,
      payload: { sub: 'alice', exp: at(60) },
      signature: { alg: 'ES256', verified: false },
      status: { state: 'valid' },
      encryption: { decrypted: true },
      nested: { format: 'jws', header: { alg: 'ES256', typ: 'at+jwt' }, text: null },
    });
  });

  it('decrypted to a JSON claims set', () => {
    const result = decodeParsed(parseToken(jwe), NOW, {
      plaintext: JSON.stringify({ sub: 'bob', exp: at(-60) }),
      protectedHeader: header,
    });
    expect(result).toMatchObject({
      payload: { sub: 'bob' },
      signature: null,
      status: { state: 'expired' },
      nested: { format: 'json', header: null, text: null },
    });
  });

  it('decrypted to plain text', () => {
    const result = decodeParsed(parseToken(jwe), NOW, {
      plaintext: 'hello\u001b[31m',
      protectedHeader: header,
    });
    expect(result).toMatchObject({
      payload: null,
      status: { state: 'unknown' },
      nested: { format: 'text', header: null, text: 'hello\u001b[31m' },
    });
  });
});
