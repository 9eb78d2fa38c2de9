// WWW-Authenticate parsing (RFC 9110 §11.6.1, RFC 6750 §3) against well-formed and hostile headers,
// and the explanations of RFC 6750 / RFC 9449 errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainChallenge, parseWwwAuthenticate } from '../../src/oauth/challenge.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    ['Bearer', [{ scheme: 'Bearer', params: {} }]],
    ['Bearer realm="example"', [{ scheme: 'Bearer', params: { realm: 'example' } }]],
    [
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      [
        {
          scheme: 'Bearer',
          params: {
            realm: 'example',
            error: 'invalid_token',
            error_description: 'The access token expired',
          },
        },
      ],
    ],
    [
      'Bearer error="insufficient_scope", scope="api:write openid"',
      [{ scheme: 'Bearer', params: { error: 'insufficient_scope', scope: 'api:write openid' } }],
    ],
    // several challenges in one field, parameters by token or quoted-string, names case-insensitive
    [
      'Bearer realm="api", DPoP algs="ES256 PS256", Basic REALM=x',
      [
        { scheme: 'Bearer', params: { realm: 'api' } },
        { scheme: 'DPoP', params: { algs: 'ES256 PS256' } },
        { scheme: 'Basic', params: { realm: 'x' } },
      ],
    ],
    // commas and '=' inside a quoted string, escaped quotes and backslashes
    [
      'Bearer error_description="a, b=\\"c\\" \\\\ d", error=invalid_request',
      [
        {
          scheme: 'Bearer',
          params: { error_description: 'a, b="c" \\ d', error: 'invalid_request' },
        },
      ],
    ],
    // BWS around "=", empty list members
    [
      ' , Bearer  realm = "r" ,, error = invalid_token ,',
      [{ scheme: 'Bearer', params: { realm: 'r', error: 'invalid_token' } }],
    ],
    // token68 (`Bearer error=` is one too: a parameter needs a value)
    ['Negotiate abc+/def==', [{ scheme: 'Negotiate', params: {}, token68: 'abc+/def==' }]],
    ['Bearer error=', [{ scheme: 'Bearer', params: {}, token68: 'error=' }]],
    [
      'Basic dXNlcg==, Bearer realm="x"',
      [
        { scheme: 'Basic', params: {}, token68: 'dXNlcg==' },
        { scheme: 'Bearer', params: { realm: 'x' } },
      ],
    ],
    // a challenge without parameters followed by another
    [
      'Bearer, DPoP error="use_dpop_nonce"',
      [
        { scheme: 'Bearer', params: {} },
        { scheme: 'DPoP', params: { error: 'use_dpop_nonce' } },
      ],
    ],
    // RFC 6750 §3: a repeated parameter: the first one counts
    [
      'Bearer error="invalid_token", error="insufficient_scope"',
      [{ scheme: 'Bearer', params: { error: 'invalid_token' } }],
    ],
  ])('%s', (header, expected) => {
    const parsed = parseWwwAuthenticate(header);
    expect(parsed.problem).toBeUndefined();
    expect(parsed.challenges).toEqual(expected);
  });

  it.each([
    ['Bearer error="unterminated', /not closed/, [{ scheme: 'Bearer', params: {} }]],
    ['Bearer realm="a", error=', /no value/, [{ scheme: 'Bearer', params: { realm: 'a' } }]],
    ['Bearer realm="a", error=,', /no value/, [{ scheme: 'Bearer', params: { realm: 'a' } }]],
    ['Bearer realm="a" junk', /unexpected/, [{ scheme: 'Bearer', params: { realm: 'a' } }]],
    ['"quoted" realm=x', /unexpected/, []],
    ['Bearer error="x\\', /not closed/, [{ scheme: 'Bearer', params: {} }]],
  ])('hostile or broken: %s', (header, problem, challenges) => {
    const parsed = parseWwwAuthenticate(header);
    expect(parsed.problem).toMatch(problem);
    expect(parsed.challenges).toEqual(challenges);
  });

  it('keeps control characters in values as data (the renderer escapes them)', () => {
    const parsed = parseWwwAuthenticate('Bearer error_description="\u001b[31mred\u001b[0m"');
    expect(parsed.challenges[0]?.params.error_description).toBe('\u001b[31mred\u001b[0m');
  });

  it('a __proto__ parameter is an own value, not a prototype change', () => {
    const parsed = parseWwwAuthenticate('Bearer __proto__="x", error=invalid_token');
    const params = parsed.challenges[0]?.params ?? {};
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.hasOwn(params, '__proto__')).toBe(true);
    expect(params.error).toBe('invalid_token');
  });

  it('stays linear and bounded on a huge header', () => {
    const header = `Bearer ${'a="b", '.repeat(100_000)}`;
    const started = performance.now();
    const parsed = parseWwwAuthenticate(header);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.keys(parsed.challenges[0]?.params ?? {}).length).toBeLessThanOrEqual(64);
    expect(parseWwwAuthenticate('A, '.repeat(1000)).problem).toMatch(/more than 32/);
  });
});

describe('explainChallenge', () => {
  const explain = (status: number, header: string | undefined, sent?: 'Bearer' | 'DPoP') =>
    explainChallenge({ status, header, sent, tokenGiven: false });

  it.each([
    [
      401,
      'Bearer error="invalid_token"',
      'Bearer',
      'invalid_token',
      /rejected/,
      /oauth token --force/,
    ],
    [
      403,
      'Bearer error="insufficient_scope", scope="api:write"',
      'Bearer',
      'insufficient_scope',
      /scope this request needs: api:write/,
      /--scope api:write`/,
    ],
    [400, 'Bearer error="invalid_request"', 'Bearer', 'invalid_request', /malformed/, /--verbose/],
    [
      401,
      'DPoP error="invalid_dpop_proof"',
      'DPoP',
      'invalid_dpop_proof',
      /proof was rejected/,
      /clock/,
    ],
    [401, 'DPoP error="use_dpop_nonce"', 'DPoP', 'use_dpop_nonce', /nonce/, /run again/],
    [401, 'Bearer error="made_up"', 'Bearer', 'made_up', /do not define/, /documentation/],
  ] as const)('%i %s', (status, header, sent, error, meaning, hint) => {
    const c = explain(status, header, sent);
    expect(c?.error).toBe(error);
    expect(c?.meaning).toMatch(meaning);
    expect(c?.hint).toMatch(hint);
  });

  it('no token sent: says so, lists the schemes offered and the DPoP algs', () => {
    const c = explain(401, 'Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA"');
    expect(c?.error).toBeUndefined();
    expect(c?.meaning).toMatch(/none were sent.*Bearer, DPoP/);
    expect(c?.hint).toMatch(/--token/);
    expect(c?.algs).toBe('ES256 EdDSA');
  });

  it('prefers the challenge of the scheme that was sent', () => {
    const c = explain(401, 'Bearer error="invalid_token", DPoP error="invalid_dpop_proof"', 'DPoP');
    expect(c?.error).toBe('invalid_dpop_proof');
  });

  it('403 without a challenge, and no explanation for a 404 without one', () => {
    expect(explain(403, undefined, 'Bearer')?.meaning).toMatch(/forbids/);
    expect(explain(404, undefined, 'Bearer')).toBeUndefined();
  });
  it('regression: a scope with shell syntax is quoted in the hint, so pasting it runs nothing', () => {
    const scope = "api:read `touch x` $(touch y) 'q'";
    const header = `Bearer error="insufficient_scope", scope="${scope.replace(/"/g, '\\"')}"`;
    const hint = explain(403, header, 'Bearer')?.hint ?? '';
    const pasted = hint.match(/`(oauth login [^\n]*)`$/)?.[1] ?? '';
    expect(pasted).toMatch(/^oauth login --scope '/);
    // What a shell makes of the pasted command: the scope is one word, and nothing ran.
    const dir = mkdtempSync(join(tmpdir(), 'oauth-quote-'));
    const words = execFileSync('sh', ['-c', `set -- ${pasted}; printf '%s\\n' "$@"`], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(words).toBe(`oauth\nlogin\n--scope\n${scope}\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a WWW-Authenticate header without an auth scheme (issue 10)', () => {
  it.each([
    [
      'error="invalid_request", error_description="Invalid request"',
      { error: 'invalid_request', error_description: 'Invalid request' },
    ],
    // LemonLDAP::NG style: unquoted values with spaces, no space after the comma
    [
      'error=invalid_token,error_description=Access token not found',
      { error: 'invalid_token', error_description: 'Access token not found' },
    ],
    [' error = "a, b" , realm=x', { error: 'a, b', realm: 'x' }],
  ])('%s: parsed leniently as a challenge with scheme ""', (header, params) => {
    const parsed = parseWwwAuthenticate(header);
    expect(parsed.challenges).toEqual([{ scheme: '', params }]);
    expect(parsed.problem).toMatch(/names no auth scheme/);
  });

  it('a real challenge after the scheme-less parameters is kept', () => {
    const parsed = parseWwwAuthenticate('error="invalid_token", Bearer realm="api"');
    expect(parsed.challenges).toEqual([
      { scheme: '', params: { error: 'invalid_token' } },
      { scheme: 'Bearer', params: { realm: 'api' } },
    ]);
  });

  it('an unclosed quote still ends cleanly', () => {
    const parsed = parseWwwAuthenticate('error="invalid_request, error_description="x');
    expect(parsed.problem).toBeDefined();
  });

  it.each(['Bearer', 'DPoP', 'Basic'])(
    'credentials sent (%s): "credentials were sent; the server says ...", not "none were sent"',
    (sent) => {
      const c = explainChallenge({
        status: 401,
        header: 'error="invalid_request", error_description="Invalid request"',
        sent,
        tokenGiven: false,
      });
      expect(c?.scheme).toBe('');
      expect(c?.error).toBe('invalid_request');
      expect(c?.description).toBe('Invalid request');
      expect(c?.meaning).toMatch(/^credentials were sent \(.*\); the server says invalid_request/);
      expect(c?.meaning).toMatch(/names no auth scheme/);
      expect(c?.meaning).not.toMatch(/none were sent|no challenge/);
      expect(c?.schemes).toEqual([]);
    },
  );

  it('no credentials sent: says so, with the server words', () => {
    const c = explainChallenge({
      status: 401,
      header: 'error="invalid_request"',
      sent: undefined,
      tokenGiven: false,
    });
    expect(c?.meaning).toMatch(/^no credentials were sent; the server says invalid_request/);
    expect(c?.hint).toMatch(/--token/);
  });
});

describe('invalid_request from a resource (issue 10)', () => {
  it('with a description: no generic gloss over it', () => {
    const c = explainChallenge({
      status: 400,
      header: 'Bearer error="invalid_request", error_description="The id parameter is required"',
      sent: 'Bearer',
      tokenGiven: false,
    });
    expect(c?.description).toBe('The id parameter is required');
    expect(c?.meaning).toMatch(/for the reason it gives/);
    expect(c?.meaning).not.toMatch(/missing or repeated parameter/);
  });

  it('without one: the generic gloss', () => {
    const c = explainChallenge({
      status: 400,
      header: 'Bearer error="invalid_request"',
      sent: 'Bearer',
      tokenGiven: false,
    });
    expect(c?.meaning).toMatch(/missing or repeated parameter/);
  });
});

describe("a bare 401 after the user's own Authorization header (issue 10)", () => {
  it('says what was sent, not "none were sent"', () => {
    const c = explainChallenge({ status: 401, header: undefined, sent: 'Basic', tokenGiven: true });
    expect(c?.meaning).toMatch(
      /did not accept the credentials sent \(an Authorization header of scheme Basic\)/,
    );
  });
});
