// Through the built CLI, as people paste and type at a terminal: quoted and line-wrapped tokens,
// a file's path given as the token, stdin one token per line (issue 12, defect 6); the device
// flow's QR code at a pseudo-terminal (script(1)) and never when piped; the aligned `Visit`/`Code`
// lines and the `discover` label column (defect 8).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellCommand } from '../../src/shell.js';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';
import { decodeTerminalQr, qrLines } from '../helpers/qr.js';
import { json, serve, type TestServer } from '../http/serve.js';

const NOTE_QUOTES =
  'note: removed the quotes around the token, as pasted; what is left is a well-formed JWT\n';

let jwks: TestServer;
let alice: string;
let bob: string;
let dir: string;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = await serve((req, res) => {
    if (req.url === '/jwks') return json(res, { keys: [jwk] });
    json(res, { error: 'not_found' }, 404);
  });
  const sign = (sub: string) =>
    new SignJWT({ sub, scope: 'openid profile email api:read api:write', name: 'x'.repeat(90) })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  alice = await sign('alice');
  bob = await sign('bob');
  dir = mkdtempSync(join(tmpdir(), 'oauth-paste-'));
});

afterAll(async () => {
  await jwks.close();
});

/** A token wrapped as a terminal or an e-mail wraps it: lines of `width` characters. */
const wrap = (token: string, width = 64) =>
  (token.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join('\n');
const verify = (args: string[], input?: string) =>
  runCli(['verify', '--jwks', `${jwks.url}/jwks`, ...args], { input });

describe('oauth decode: pasting mistakes', () => {
  it('a token in double quotes (as copied from JSON) decodes, with a note on stderr', async () => {
    const r = await runCli(['decode', `"${alice}"`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^JWS \(signed JWT\) · alg ES256 · typ JWT · kid k1/);
    expect(r.stderr).toBe(NOTE_QUOTES);
  });

  it('--json: the note is also a token_pasted finding in the document', async () => {
    const r = await runCli(['decode', '--json', `'${alice}'`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { payload: { sub: string }; findings: unknown[] };
    expect(doc.payload.sub).toBe('alice');
    expect(doc.findings).toContainEqual({
      level: 'info',
      code: 'token_pasted',
      message: NOTE_QUOTES.replace(/^note: /, '').trimEnd(),
    });
  });

  it('a token wrapped over lines, from a heredoc on stdin and as an argument', async () => {
    const lines = wrap(alice).split('\n').length - 1;
    const fromHeredoc = await runCli(['decode'], { input: `${wrap(alice)}\n` });
    expect(fromHeredoc.code).toBe(0);
    expect(fromHeredoc.stdout).toContain('"sub": "alice"');
    expect(fromHeredoc.stderr).toBe(
      `note: removed ${lines} line breaks inside the token, as pasted; what is left is a well-formed JWT\n`,
    );
    // The same token either way (--json: relative times like "now" / "1s ago" differ by run).
    const decoded = async (args: string[], input?: string) => {
      const r = await runCli(['decode', '--json', ...args], input === undefined ? {} : { input });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      return { header: doc.header, payload: doc.payload, signature: doc.signature };
    };
    expect(await decoded([wrap(alice)])).toEqual(await decoded([], `${wrap(alice)}\n`));
  });

  it('what is not a JWT once unquoted keeps its original error', async () => {
    const r = await runCli(['decode', `"${alice}`]); // a quote on one side only
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the token's header is not valid base64url\n/);
    const words = await runCli(['decode', 'hello world']);
    expect(words.code).toBe(2);
    expect(words.stderr).toMatch(/^error: the token contains whitespace\n/);
  });

  it('two tokens on two lines are two tokens, not one joined token', async () => {
    const r = await runCli(['decode'], { input: `${alice}\n${bob}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: this is 2 tokens, not one\nhint: .*oauth verify/);
  });

  it('a file path as the token: exit 2, naming --file and < file; --file reads it', async () => {
    const file = join(dir, 'token.txt');
    writeFileSync(file, `${alice}\n`);
    const r = await runCli(['decode', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${file} is a file, not a token\n` +
        `hint: to read the token from it, use --file ${file} or < ${file} in place of the path\n`,
    );
    const read = await runCli(['decode', '--file', file]);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('"sub": "alice"');
    expect(read.stderr).toBe('');
    const json = await runCli(['decode', '--json', 'token.txt'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'token_is_file' } });
  });

  it('a JWT that is also the name of a file in the directory is still the token', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const short = `${b64({ alg: 'HS256' })}.${b64({ sub: 'carol' })}.c2ln`;
    const named = mkdtempSync(join(tmpdir(), 'oauth-paste-'));
    writeFileSync(join(named, short), 'not read');
    const r = await runCli(['decode', short], { cwd: named });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"sub": "carol"');
  });
});

describe('oauth verify: pasting mistakes', () => {
  it('one quoted argument verifies, with the note', async () => {
    const r = await verify([`"${alice}"`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ valid sub=alice\n/);
    expect(r.stderr).toBe(NOTE_QUOTES);
  });

  it('one argument wrapped over lines verifies, with the note', async () => {
    const r = await verify([wrap(alice, 50)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: removed \d+ line breaks inside the token, as pasted/);
  });

  it('stdin with two tokens on two lines: two results, one per line', async () => {
    const r = await verify([], `${alice}\n${bob}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1\tvalid sub=alice\n2\tvalid sub=bob\n');
    expect(r.stderr).toBe('');
  });

  it('stdin never joins lines: a wrapped token is several failed ones', async () => {
    const r = await verify([], `${wrap(alice)}\n`);
    expect(r.code).toBe(4);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(wrap(alice).split('\n').length);
    expect(r.stdout).not.toContain('\tvalid');
  });

  it('a file path as the token is exit 2; --file reads one token per line', async () => {
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, `${alice}\n${bob}\n`);
    const r = await verify([file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: ${file} is a file, not a token\n` +
        `hint: to read the tokens (one per line) from it, use --file ${file} or < ${file} in place of the path\n`,
    );
    const read = await verify(['--file', file]);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe('1\tvalid sub=alice\n2\tvalid sub=bob\n');
    const missing = await verify(['--file', join(dir, 'missing.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read --file .*missing\.txt \(ENOENT\)\n/);
  });
});

/**
 * The CLI at a pseudo-terminal: `script -qefc` gives it a TTY for stdin, stdout and stderr (all
 * three in one stream, read here) and returns its exit code.
 */
function atTerminal(args: string[], env: Record<string, string> = {}) {
  const command = shellCommand([process.execPath, BIN, ...args]);
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir(), CI: undefined, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('oauth login --device: the QR code (TTY only) and the aligned lines', () => {
  const USER_CODE = 'WDJB-MJHT';
  let idp: TestServer;

  beforeAll(async () => {
    // A device endpoint whose login is never approved: the run ends at its --wait deadline.
    idp = await serve((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, {
          issuer: base,
          token_endpoint: `${base}/token`,
          device_authorization_endpoint: `${base}/device`,
          grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'],
          response_types_supported: ['code'],
        });
      }
      if (req.url === '/device') {
        return json(res, {
          device_code: 'the-device-code',
          user_code: USER_CODE,
          verification_uri: `${base}/activate`,
          verification_uri_complete: `${base}/activate?user_code=${USER_CODE}`,
          expires_in: 600,
          interval: 1,
        });
      }
      if (req.url === '/token') return json(res, { error: 'authorization_pending' }, 400);
      json(res, { error: 'not_found' }, 404);
    });
  });

  afterAll(async () => {
    await idp.close();
  });

  const args = (...more: string[]) => [
    'login',
    '--device',
    '--issuer',
    idp.url,
    '--client-id',
    'tv',
    '--scope',
    'api',
    '--no-browser',
    '--wait',
    '2',
    ...more,
  ];

  it('at a terminal: the QR code of verification_uri_complete, below aligned Visit/Code lines', async () => {
    const r = await atTerminal(args());
    expect(r.code).toBe(3); // never approved: the --wait deadline
    expect(decodeTerminalQr(r.output)).toBe(`${idp.url}/activate?user_code=${USER_CODE}`);
    const text = r.output.replace(/\u001b\[[0-9;]*[mK]/g, '');
    // the code's text starts in the URLs' column (with colour its inverse box one column earlier)
    const column = (pattern: RegExp) => pattern.exec(text)?.[0].length;
    const visit = column(/^ {2}Visit +(?=http)/m);
    expect(visit).toBeGreaterThan(7);
    expect(column(/^ {2}Code +(?=WDJB)/m)).toBe(visit);
    expect(column(/^ {2}or open +(?=http)/m)).toBe(visit);
    expect(r.output).toMatch(/Code {4}(\u001b\[[0-9;]*m)+ WDJB-MJHT /);
    expect(text.indexOf('Visit')).toBeLessThan(text.indexOf(qrLines(text)[0] ?? '<none>'));
  });

  it('without colour at a terminal the code text starts in the URL column', async () => {
    const r = await atTerminal(args(), { NO_COLOR: '1' });
    expect(r.output).toMatch(
      /\n {2}Visit {4}http[^\n]*\r?\n {2}Code {5}WDJB-MJHT\r?\n {2}or open {2}http/,
    );
    expect(decodeTerminalQr(r.output)).toBe(`${idp.url}/activate?user_code=${USER_CODE}`);
  });

  it('--json at a terminal: no QR code', async () => {
    const r = await atTerminal(args('--json'));
    expect(r.code).toBe(3);
    expect(r.output).toContain(USER_CODE);
    expect(qrLines(r.output)).toEqual([]);
  });

  it('piped: no QR code, the lines as before', async () => {
    const r = await runCli(args());
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n {2}Visit {4}http[^\n]*\n {2}Code {5}WDJB-MJHT\n/);
    expect(qrLines(r.stderr)).toEqual([]);
    expect(r.stderr).not.toMatch(/[█▀▄]/);
  });
});

describe('oauth discover: the label column', () => {
  it('fits the longest label ("pushed authorization request"): every value in one column', async () => {
    const idp = await serve((req, res, base) => {
      if (req.url !== '/.well-known/openid-configuration') return json(res, {}, 404);
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        pushed_authorization_request_endpoint: `${base}/par`,
        backchannel_authentication_endpoint: `${base}/bc-authorize`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
    });
    try {
      const r = await runCli(['discover', idp.url]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`\n  pushed authorization request  ${idp.url}/par\n`);
      expect(r.stdout).toContain(`\n  backchannel authentication    ${idp.url}/bc-authorize\n`);
      const sections = r.stdout.slice(0, r.stdout.indexOf('\nFindings'));
      const rows = sections.split('\n').filter((line) => /^ {2}[A-Za-z][\w ]*\S {2,}\S/.test(line));
      const columns = rows.map((line) => /^ {2}\S.*?\S {2,}(?=\S)/.exec(line)?.[0].length);
      expect(rows.length).toBeGreaterThan(8);
      expect(new Set(columns)).toEqual(new Set([2 + 'pushed authorization request'.length + 2]));
    } finally {
      await idp.close();
    }
  });
});
