// Redaction keeps a recognisable prefix and the length, and never the secret itself.
import { describe, expect, it } from 'vitest';
import {
  collectSecrets,
  redactForm,
  redactHeader,
  redactJson,
  redactUrl,
  redactValue,
  scrub,
} from '../../src/http/redact.js';

const SECRET = 'CANARY-0123456789abcdef';

describe('redactValue', () => {
  it.each([
    ['eyJhbGciOiJSUzI1NiJ9.payload.sig', 'eyJhbG…[redacted, 32 chars]'],
    ['abcdefgh', 'ab…[redacted, 8 chars]'],
    ['abc', '…[redacted, 3 chars]'],
    ['', '…[redacted, 0 chars]'],
  ])('%s -> %s', (value, expected) => {
    expect(redactValue(value)).toBe(expected);
  });

  it('never shows more than a quarter of the value', () => {
    for (let n = 1; n < 40; n++) {
      const value = 'x'.repeat(n);
      expect(redactValue(value).split('…')[0]?.length ?? 0).toBeLessThanOrEqual(n / 4);
    }
  });
});

describe('redactHeader', () => {
  it.each([
    ['Authorization', `Bearer ${SECRET}`, 'Bearer CANAR…[redacted, 23 chars]'],
    [
      'authorization',
      'Basic Y2xpZW50OnNlY3JldA==',
      'Basic …[redacted, 20 chars: "client" and a secret]',
    ],
    // A short client id must not let the kept prefix show the start of the secret ("ci:s…").
    [
      'authorization',
      'Basic Y2k6c2VjcmV0c2VjcmV0',
      'Basic …[redacted, 20 chars: "ci" and a secret]',
    ],
    ['Proxy-Authorization', `Basic ${SECRET}`, 'Basic CANAR…[redacted, 23 chars]'],
    ['DPoP', SECRET, 'CANAR…[redacted, 23 chars]'],
    ['Cookie', `a=${SECRET}; b=short`, 'a=CANAR…[redacted, 23 chars]; b=s…[redacted, 5 chars]'],
    [
      'Set-Cookie',
      `sid=${SECRET}; Path=/; HttpOnly\nx=yz`,
      'sid=CANAR…[redacted, 23 chars]; Path=/; HttpOnly\nx=…[redacted, 2 chars]',
    ],
    ['content-type', 'application/json', 'application/json'],
  ])('%s', (name, value, expected) => {
    expect(redactHeader(name, value)).toBe(expected);
  });
});

describe('redactForm', () => {
  it('redacts every secret field and keeps the others', () => {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: SECRET,
      code_verifier: SECRET,
      client_id: 'my-app',
      client_secret: SECRET,
      refresh_token: SECRET,
      client_assertion: SECRET,
      password: SECRET,
      device_code: SECRET,
      auth_req_id: SECRET,
      login_hint_token: SECRET,
      id_token_hint: SECRET,
      token: SECRET,
    }).toString();
    const redacted = redactForm(form);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toMatch(/^grant_type=authorization_code&code=/);
    expect(redacted).toContain('&client_id=my-app&');
    expect(redacted).toContain('&client_secret=CANAR…[redacted, 23 chars]&');
  });
});

describe('redactJson', () => {
  it('redacts secret fields at any depth', () => {
    const doc = {
      access_token: SECRET,
      token_type: 'Bearer',
      nested: [{ id_token: SECRET, refresh_token: SECRET }],
      expires_in: 3600,
    };
    const redacted = redactJson(doc);
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(redacted).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });
});

describe('redactUrl', () => {
  it.each([
    [
      `https://user:${SECRET}@idp.example/x`,
      'https://user:CANAR…[redacted, 23 chars]@idp.example/x',
    ],
    [
      `https://app.example/cb?code=${SECRET}&state=s1`,
      'https://app.example/cb?code=CANAR…[redacted, 23 chars]&state=s1',
    ],
    [
      'https://idp.example/.well-known/openid-configuration',
      'https://idp.example/.well-known/openid-configuration',
    ],
    ['not a url', 'not a url'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toContain(SECRET);
  });

  it('redacts secrets in a fragment (implicit flow)', () => {
    expect(redactUrl(`https://app.example/cb#access_token=${SECRET}`)).not.toContain(SECRET);
  });
});

describe('collectSecrets and scrub', () => {
  it('finds secrets in headers, URL and bodies, and scrubs them from free text', () => {
    const secrets = collectSecrets({
      headers: { authorization: `Bearer ${SECRET}-a`, cookie: `s=${SECRET}-b` },
      url: `https://u:${SECRET}-c@idp.example/?code=${SECRET}-d`,
      body: `client_secret=${SECRET}-e`,
    });
    expect(secrets).toEqual(
      expect.arrayContaining(['a', 'b', 'c', 'd', 'e'].map((s) => `${SECRET}-${s}`)),
    );
    const html = `<p>bad client ${SECRET}-e</p> and ${SECRET}-a`;
    expect(scrub(html, secrets)).not.toContain(SECRET);
    expect(collectSecrets({ body: JSON.stringify({ access_token: `${SECRET}-f` }) })).toEqual([
      `${SECRET}-f`,
    ]);
  });
});
