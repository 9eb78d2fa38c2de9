// Compact JWT parsing: every format recognised, every malformation an exit-2 error naming its part.
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import {
  MAX_TOKEN_BYTES,
  base64urlBytes,
  cleanToken,
  jsonSegment,
  parseToken,
} from '../../src/token/jwt.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jws = (header: unknown, payload: unknown, sig = 'c2ln') =>
  `${b64(header)}.${b64(payload)}.${sig}`;

function failure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

describe('cleanToken', () => {
  it.each([
    ['  abc \n', 'abc'],
    ['Bearer abc', 'abc'],
    ['bearer   abc', 'abc'],
    ['DPoP abc\r\n', 'abc'],
    ['Authorization: Bearer abc', 'abc'],
    ['\tBearer\tabc\t', 'abc'],
    ['Bearerabc', 'Bearerabc'],
    ['abc Bearer', 'abc Bearer'],
  ])('%j -> %j', (input, expected) => {
    expect(cleanToken(input)).toBe(expected);
  });
});

describe('base64urlBytes', () => {
  it('decodes unpadded base64url', () => {
    expect(Buffer.from(base64urlBytes('_-8', 'x')).toString('hex')).toBe('ffef');
  });
  it.each(['ab=', 'a+b', 'a/b', 'abcde', 'ab cd', 'é'])('refuses %j', (segment) => {
    const err = failure(() => base64urlBytes(segment, 'payload'));
    expect(err).toMatchObject({ code: 'token_malformed', exitCode: 2 });
    expect(err.message).toBe("the token's payload is not valid base64url");
  });
});

describe('jsonSegment', () => {
  it('returns the object', () => {
    expect(jsonSegment(b64({ a: 1 }), 'header')).toEqual({ a: 1 });
  });
  it.each([
    ['[1]', "the token's header is an array, not a JSON object"],
    ['null', "the token's header is null, not a JSON object"],
    ['"x"', "the token's header is a string, not a JSON object"],
    ['42', "the token's header is a number, not a JSON object"],
    ['true', "the token's header is a boolean, not a JSON object"],
    ['{', "the token's header is not JSON"],
    ['\ufeff{}', "the token's header is not JSON"],
  ])('%j is refused', (text, message) => {
    expect(failure(() => jsonSegment(b64(text), 'header')).message).toBe(message);
  });
  it('refuses invalid UTF-8', () => {
    const segment = Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url');
    expect(failure(() => jsonSegment(segment, 'header')).message).toBe(
      "the token's header is not valid UTF-8",
    );
  });
});

describe('parseToken', () => {
  it('parses a JWS', () => {
    const token = jws({ alg: 'RS256' }, { sub: 'a' }, 'c2lnbmF0dXJl');
    expect(parseToken(`Bearer ${token}\n`)).toEqual({
      format: 'jws',
      header: { alg: 'RS256' },
      payload: { sub: 'a' },
      payloadText: '{"sub":"a"}',
      signature: 'c2lnbmF0dXJl',
      compact: token,
    });
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %j is unsecured', (alg) => {
    expect(parseToken(jws({ alg }, { sub: 'a' }, '')).format).toBe('unsecured');
  });

  it.each(['ES256K', 'XYZ999', 'HS256'])('alg %j is a JWS whatever the algorithm', (alg) => {
    expect(parseToken(jws({ alg }, {})).format).toBe('jws');
  });

  it('parses a JWE (empty encrypted key for dir)', () => {
    const token = `${b64({ alg: 'dir', enc: 'A128GCM' })}..aXY.Y2lwaGVy.dGFn`;
    expect(parseToken(token)).toEqual({
      format: 'jwe',
      header: { alg: 'dir', enc: 'A128GCM' },
      encryptedKey: '',
      iv: 'aXY',
      ciphertext: 'Y2lwaGVy',
      tag: 'dGFn',
      compact: token,
    });
  });

  it.each([
    'abcdef0123456789',
    'ya29.a0AfH6SMBx',
    'gho_16C7e42F292c6912E7710c838347Ae178B4a',
    'a.b.c.d',
  ])('%j is opaque', (token) => {
    expect(parseToken(token)).toEqual({ format: 'opaque', compact: token });
  });

  it.each([
    ['', 'token_missing', 'no token given'],
    ['  \n', 'token_missing', 'no token given'],
    ['Bearer ', 'token_missing', 'no token given'],
    [
      `${b64({ alg: 'none' })}.${b64({})}`,
      'token_malformed',
      'the token has 2 parts separated by dots; a JWT has 3 (JWS) or 5 (JWE)',
    ],
    [
      `${b64({ alg: 'none' })}.a.b.c`,
      'token_malformed',
      'the token has 4 parts separated by dots; a JWT has 3 (JWS) or 5 (JWE)',
    ],
    [
      `${b64({ alg: 'none' })}.a.b.c.d.e`,
      'token_malformed',
      'the token has 6 parts separated by dots; a JWT has 3 (JWS) or 5 (JWE)',
    ],
    ['.e30.', 'token_malformed', "the token's header is empty"],
    ['e!!.e30.', 'token_malformed', "the token's header is not valid base64url"],
    [
      `${b64({ alg: 'HS256' })}.e30=.c2ln`,
      'token_malformed',
      "the token's payload is not valid base64url",
    ],
    [
      `${b64({ alg: 'HS256' })}.e30.c2ln=`,
      'token_malformed',
      "the token's signature is not valid base64url",
    ],
    [`${b64({ alg: 'HS256' })}..c2ln`, 'token_malformed', "the token's payload is empty"],
    [
      `${b64({ alg: 'HS256' })}.${b64('[]')}.c2ln`,
      'token_malformed',
      "the token's payload is an array, not a JSON object",
    ],
    [
      `${b64({ alg: 'HS256' })}.${b64('not json')}.c2ln`,
      'token_malformed',
      "the token's payload is not JSON",
    ],
    [
      `${b64('[]')}.e30.c2ln`,
      'token_malformed',
      "the token's header is an array, not a JSON object",
    ],
    [
      `${b64({ alg: 'HS256' })}.${Buffer.from([0xc3, 0x28]).toString('base64url')}.c2ln`,
      'token_malformed',
      "the token's payload is not valid UTF-8",
    ],
    [
      `${b64({ alg: 'A', enc: 'B' })}.ab.b*.cd.dd`,
      'token_malformed',
      "the token's initialization vector is not valid base64url",
    ],
    [
      `${b64({ alg: 'A', enc: 'B' })}.ab.bc.cd.dd!`,
      'token_malformed',
      "the token's authentication tag is not valid base64url",
    ],
    ['eyJ a.b.c', 'token_malformed', 'the token contains whitespace'],
  ])('%j: %s, %s', (input, code, message) => {
    const err = failure(() => parseToken(input));
    expect(err).toMatchObject({ code, exitCode: 2, message });
    expect(err.hint).toBeTruthy();
  });

  it('refuses tokens over the size cap before parsing', () => {
    const big = `${b64({ alg: 'none' })}.${'A'.repeat(MAX_TOKEN_BYTES)}.`;
    expect(failure(() => parseToken(big))).toMatchObject({ code: 'token_too_large', exitCode: 2 });
    const justUnder = 'x'.repeat(MAX_TOKEN_BYTES);
    expect(parseToken(justUnder).format).toBe('opaque');
  });

  it('counts the cap in bytes, not characters', () => {
    expect(failure(() => parseToken('é'.repeat(MAX_TOKEN_BYTES / 2 + 1))).code).toBe(
      'token_too_large',
    );
  });

  // Regression: b64:false payloads are raw text (RFC 7797), they used to fail as bad base64url.
  it('b64:false keeps the raw payload and gives no claims', () => {
    const token = `${b64({ alg: 'HS256', b64: false, crit: ['b64'] })}.$raw~text.c2ln`;
    expect(parseToken(token)).toMatchObject({
      format: 'jws',
      payload: undefined,
      payloadText: '$raw~text',
    });
  });

  it('keeps hostile strings exact', () => {
    const sub = 'a\u001b[31mb\u202e\u0000';
    const parsed = parseToken(jws({ alg: 'HS256' }, { sub }));
    expect(parsed).toMatchObject({ payload: { sub } });
  });

  it('a __proto__ claim stays an own property', () => {
    const parsed = parseToken(`${b64({ alg: 'HS256' })}.${b64('{"__proto__":{"x":1}}')}.c2ln`);
    expect(parsed.format === 'jws' && Object.hasOwn(parsed.payload ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
