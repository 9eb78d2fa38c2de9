// The curl command of a request (--curl, --dry-run): secrets as variables named for the environment
// variable a user sets, every other value quoted for a POSIX shell, curl's own defaults left out.
import { describe, expect, it } from 'vitest';
import type { BuiltRequest } from '../../src/http/dry-run.js';
import { curlCommand, renderCurl } from '../../src/output/curl.js';

const plain = { showSecrets: false, insecure: false, cacert: undefined };
const FORM = 'application/x-www-form-urlencoded';

function post(body: string, headers: Record<string, string> = {}): BuiltRequest {
  return {
    method: 'POST',
    url: 'https://idp.example/token',
    headers: {
      'user-agent': 'oauth/1.0.0',
      'accept-encoding': 'gzip, deflate, br',
      accept: 'application/json',
      'content-type': FORM,
      ...headers,
    },
    body,
  };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('curlCommand', () => {
  it('client_secret_basic: --user with the encoded id and $OAUTH_CLIENT_SECRET', () => {
    const { line, variables } = curlCommand(
      post('grant_type=client_credentials', { authorization: basic('my%20app', 's3cret') }),
      plain,
    );
    expect(line).toBe(
      `curl -H 'accept: application/json' --user "my%20app:\${OAUTH_CLIENT_SECRET}" --data-raw grant_type=client_credentials https://idp.example/token`,
    );
    expect(variables).toEqual(['OAUTH_CLIENT_SECRET']);
  });

  it('mutual TLS (RFC 8705): --cert and --key, or --cert-type P12, with the files given', () => {
    const pem = curlCommand(
      {
        ...post('client_id=app'),
        clientCert: { cert: 'my cert.pem', key: 'key.pem', type: 'PEM' },
      },
      plain,
    );
    expect(pem.line).toBe(
      `curl --cert 'my cert.pem' --key key.pem -H 'accept: application/json' --data-raw client_id=app https://idp.example/token`,
    );
    const p12 = curlCommand(
      { ...post('client_id=app'), clientCert: { cert: 'c.p12', type: 'P12' } },
      plain,
    );
    expect(p12.line).toContain('curl --cert-type P12 --cert c.p12 -H');
  });

  it('a secret that form-encoding changes is encoded by the shell, as oauth encodes it', () => {
    const { line } = curlCommand(post('', { authorization: basic('ci', 'a%2Bb+c') }), plain);
    expect(line).toContain(
      `--user "ci:$(node -p 'const { env } = process; new URLSearchParams([["", env.OAUTH_CLIENT_SECRET]]).toString().slice(1)')"`,
    );
  });

  it('secret form fields: --data-urlencode "field=$OAUTH_FIELD", the others as sent', () => {
    const { line, variables } = curlCommand(
      post(
        'grant_type=refresh_token&refresh_token=rt-1&client_id=ci&client_assertion=eyJ.x.y&scope=a+b',
      ),
      plain,
    );
    expect(line).toBe(
      'curl -H \'accept: application/json\' --data-raw grant_type=refresh_token --data-urlencode "refresh_token=${OAUTH_REFRESH_TOKEN}" --data-raw client_id=ci --data-urlencode "client_assertion=${OAUTH_CLIENT_ASSERTION}" --data-raw scope=a+b https://idp.example/token',
    );
    expect(variables).toEqual(['OAUTH_REFRESH_TOKEN', 'OAUTH_CLIENT_ASSERTION']);
  });

  it('Bearer and DPoP: $OAUTH_TOKEN and $OAUTH_DPOP_PROOF; GET without -X, others with it', () => {
    const get = curlCommand(
      {
        method: 'GET',
        url: 'https://api.example/me',
        headers: { authorization: 'DPoP at-1', dpop: 'eyJproof' },
      },
      plain,
    );
    expect(get.line).toBe(
      'curl -H "authorization: DPoP ${OAUTH_TOKEN}" -H "dpop: ${OAUTH_DPOP_PROOF}" https://api.example/me',
    );
    const del = curlCommand(
      { method: 'DELETE', url: 'https://api.example/x', headers: { authorization: 'Bearer t' } },
      plain,
    );
    expect(del.line).toBe(
      'curl -X DELETE -H "authorization: Bearer ${OAUTH_TOKEN}" https://api.example/x',
    );
  });

  it('two different values of one name get two variables; one value reused keeps its name', () => {
    const { variables } = curlCommand(
      post('token=tok-a&subject_token=tok-a', { authorization: 'Bearer tok-b' }),
      plain,
    );
    expect(variables).toEqual(['OAUTH_TOKEN', 'OAUTH_TOKEN_2']);
  });

  it('hostile values stay inert: quotes, $(...) and backticks are single-quoted', () => {
    const { line } = curlCommand(
      {
        method: 'PUT',
        url: "https://api.example/a'b?q=$(id)",
        headers: { 'x-note': "it's `id` $(id)", 'content-type': 'application/json' },
        body: '{"a":"$(id)\'"}',
      },
      plain,
    );
    expect(line).toBe(
      `curl -X PUT -H 'x-note: it'\\''s \`id\` $(id)' -H 'content-type: application/json' --data-raw '{"a":"$(id)'\\''"}' 'https://api.example/a'\\''b?q=$(id)'`,
    );
  });

  it('a variable next to text that double quotes would expand: single-quoted text beside "$VAR"', () => {
    const { line } = curlCommand(
      { method: 'GET', url: 'https://api.example/$x?access_token=abc', headers: {} },
      plain,
    );
    expect(line).toBe(`curl 'https://api.example/$x?access_token='"\${OAUTH_ACCESS_TOKEN}"`);
  });

  it('--show-secrets writes the values; --insecure and --cacert carry over', () => {
    const { line, variables } = curlCommand(
      post('client_secret=s%20x', { authorization: 'Bearer t1' }),
      { showSecrets: true, insecure: true, cacert: 'my ca.pem' },
    );
    expect(line).toBe(
      "curl --insecure --cacert 'my ca.pem' -H 'accept: application/json' -H 'authorization: Bearer t1' --data-raw client_secret=s%20x https://idp.example/token",
    );
    expect(variables).toEqual([]);
  });
});

describe('renderCurl', () => {
  it('a comment naming the purpose and the variables to export, then the command', () => {
    expect(renderCurl('token endpoint', post('client_secret=x'), plain)).toBe(
      '# token endpoint (export OAUTH_CLIENT_SECRET first)\n' +
        'curl -H \'accept: application/json\' --data-urlencode "client_secret=${OAUTH_CLIENT_SECRET}" https://idp.example/token\n',
    );
  });
});
