// How `oauth call` renders a response: exact when piped, pretty and escaped at a terminal, -i headers,
// --json, and the challenge with the server's words scrubbed of our secrets.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { explainChallenge } from '../../src/oauth/challenge.js';
import {
  renderCall,
  renderCallJson,
  renderChallenge,
  renderEvents,
  type CallView,
} from '../../src/output/call.js';

const style = new Chalk({ level: 0 });
const view = (body: string, headers: Record<string, string> = {}): CallView => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body,
  url: 'https://api.example/me',
  challenge: undefined,
});
const opts = { tty: false, include: false, showSecrets: false, style };

describe('renderCall', () => {
  it.each([
    ['piped JSON stays exact', view('{"a":1}'), opts, '{"a":1}'],
    [
      'a TTY gets pretty JSON with a newline',
      view('{"a":1}'),
      { ...opts, tty: true },
      '{\n  "a": 1\n}\n',
    ],
    [
      'a TTY gets escaped control characters',
      view('\u001b[2Jhi', { 'content-type': 'text/plain' }),
      { ...opts, tty: true },
      '\\u001b[2Jhi\n',
    ],
    [
      '-i: status line, headers (Set-Cookie redacted), blank line, body',
      view('x', { 'set-cookie': 'sid=secret-cookie-value; Path=/' }),
      { ...opts, include: true },
      'HTTP/1.1 200 OK\ncontent-type: application/json\nset-cookie: sid=secr…[redacted, 19 chars]; Path=/\n\nx',
    ],
  ])('%s', (_name, v, o, expected) => {
    expect(renderCall(v, o)).toBe(expected);
  });

  it('--json: body parsed when JSON, kept as text otherwise', () => {
    expect(JSON.parse(renderCallJson(view('{"a":1}'), false))).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { a: 1 },
      url: 'https://api.example/me',
    });
    expect(JSON.parse(renderCallJson(view('not json'), false)).body).toBe('not json');
  });
});

describe('renderChallenge', () => {
  it('escapes the description and scrubs a token the server echoes', () => {
    const token = 'eyJsecret-token-value-1234';
    const c = explainChallenge({
      status: 401,
      header: `Bearer error="invalid_token", error_description="bad ${token} \u001b[31m"`,
      sent: 'Bearer',
      tokenGiven: true,
    });
    if (!c) throw new Error('no explanation');
    const text = renderChallenge(401, c, style, [token]);
    expect(text).toMatch(/^HTTP 401 Bearer error=invalid_token \("bad eyJsec…\[redacted/);
    expect(text).not.toContain(token);
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/^hint: get a new token/m);
  });
});

describe('renderEvents', () => {
  const events = [
    { event: 'message', id: '3', data: '{"a":[1]}' },
    { event: undefined, id: undefined, data: 'line\u001b[2J' },
  ];
  it('at a terminal: the event and id, pretty JSON, control characters escaped', () => {
    expect(renderEvents(events, true, style)).toBe(
      'event: message  id: 3\n{\n  "a": [\n    1\n  ]\n}\n\nline\\u001b[2J\n',
    );
  });
  it('piped: each event’s data on its own line, as it came', () => {
    expect(renderEvents(events, false, style)).toBe('{"a":[1]}\nline\u001b[2J\n');
  });
});
