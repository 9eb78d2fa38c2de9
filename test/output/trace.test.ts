// The --verbose trace: curl-like, and no canary secret survives unless --show-secrets.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/http/trace.js';
import { renderTrace } from '../../src/output/trace.js';

const style = new Chalk({ level: 0 });
const CANARY = 'CANARY7f3a9c21e8d4b6';

const event: TraceEvent = {
  purpose: 'token endpoint',
  request: {
    method: 'POST',
    url: `https://client:${CANARY}-url@idp.example/token?x=1`,
    headers: {
      authorization: `Basic ${CANARY}-basic`,
      dpop: `${CANARY}-dpop`,
      cookie: `sid=${CANARY}-cookie`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=authorization_code&code=${CANARY}-code&code_verifier=${CANARY}-verifier&client_secret=${CANARY}-secret`,
  },
  response: {
    status: 400,
    headers: { 'content-type': 'text/html', 'set-cookie': `t=${CANARY}-setcookie; Path=/` },
    body: `<html>invalid code ${CANARY}-code for secret ${CANARY}-secret\u001b[31m</html>`,
    bytes: 80,
  },
  error: `the token endpoint echoed ${CANARY}-verifier`,
  durationMs: 12,
};

const jsonEvent: TraceEvent = {
  purpose: 'token endpoint',
  request: { method: 'POST', url: 'https://idp.example/token', headers: {}, body: 'grant_type=x' },
  response: {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      access_token: `${CANARY}-at`,
      refresh_token: `${CANARY}-rt`,
      token_type: 'Bearer',
    }),
    bytes: 90,
  },
  durationMs: 5,
};

describe('renderTrace', () => {
  it.each([
    ['form request, HTML error body', event],
    ['JSON token response', jsonEvent],
  ])('redacts every canary by default (%s)', (_name, e) => {
    const text = renderTrace(e, { style, showSecrets: false });
    expect(text).not.toContain(CANARY);
    expect(text).toContain('redacted');
  });

  it('is curl-like: request and response lines, status, headers, body', () => {
    const text = renderTrace(event, { style, showSecrets: false });
    expect(text).toContain('* POST https://client:');
    expect(text).toContain('> POST /token?x=1 HTTP/1.1\n> host: idp.example\n');
    expect(text).toContain('> authorization: Basic CANARY…[redacted, ');
    expect(text).toContain('> grant_type=authorization_code&code=');
    expect(text).toContain('< HTTP 400 (12 ms, 80 bytes)');
    expect(text).toContain('< set-cookie: t=CANARY…[redacted, 30 chars]; Path=/');
    expect(text).toContain('\\u001b[31m'); // server text is escaped
    expect(text).toMatch(/\* failed after 12 ms: /);
  });

  it('--show-secrets shows them', () => {
    const text = renderTrace(event, { style, showSecrets: true });
    for (const suffix of [
      'url',
      'basic',
      'dpop',
      'cookie',
      'code',
      'verifier',
      'secret',
      'setcookie',
    ]) {
      expect(text).toContain(`${CANARY}-${suffix}`);
    }
    expect(renderTrace(jsonEvent, { style, showSecrets: true })).toContain(`${CANARY}-at`);
  });
});
