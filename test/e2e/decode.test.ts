// `oauth decode` as users and scripts run it: the built CLI, argument or stdin, people or --json.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jws = (header: unknown, payload: unknown, sig = 'c2lnbmF0dXJl') =>
  `${b64(header)}.${b64(payload)}.${sig}`;
const now = () => Math.floor(Date.now() / 1000);

interface DecodeJson {
  format: string;
  header: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  signature: Record<string, unknown> | null;
  status: Record<string, unknown>;
  findings: { code: string }[];
  encryption?: Record<string, unknown>;
  nested?: Record<string, unknown>;
}

describe('oauth decode', () => {
  const token = jws(
    { alg: 'RS256', typ: 'JWT', kid: 'k1' },
    {
      iss: 'https://idp.example',
      sub: 'alice',
      exp: now() + 3600 + 30,
      iat: now(),
      scope: 'openid',
    },
  );

  it('shows header, payload, explained claims, status and a loud unverified line', async () => {
    const r = await runCli(['decode', token]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^JWS \(signed JWT\) · alg RS256 · typ JWT · kid k1 · signature not verified\n/,
    );
    expect(r.stdout).toContain('\nHeader\n{\n  "alg": "RS256",');
    expect(r.stdout).toContain('\nPayload\n{\n  "iss": "https://idp.example",');
    expect(r.stdout).toMatch(
      /\n {2}iss {4}https:\/\/idp\.example\n {9}Issuer: who issued the token\n/,
    );
    expect(r.stdout).toMatch(/exp {4}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 1h\)\n/);
    expect(r.stdout).toMatch(/Status {5}valid for 1h \(until .*Z\)\n/);
    expect(r.stdout).toMatch(/Signature {2}RS256, 9 bytes: NOT VERIFIED/);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it.each([
    ['piped with Bearer and a newline', [], `Bearer ${token}\n`],
    ['"-" reads stdin', ['-'], `  DPoP ${token}\r\n`],
  ])('reads the token %s', async (_name, args, input) => {
    const r = await runCli(['decode', ...args, '--json'], { input });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as DecodeJson).payload?.sub).toBe('alice');
  });

  it('output to /dev/null (`>/dev/null 2>&1`) is no terminal: node:tty and node:net stay unloaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-devnull-'));
    const preload = join(dir, 'modules.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_FILE, " +
        "process.moduleLoadList.join('\\n')));\n",
    );
    const devNull = openSync('/dev/null', 'w');
    const token = jws({ alg: 'HS256' }, { sub: 'x', exp: now() + 60 });
    const r = spawnSync(process.execPath, ['--require', preload, BIN, 'decode', token], {
      env: childEnv({ MODULES_FILE: join(dir, 'modules.txt'), OAUTH_CONFIG_DIR: tempConfigDir() }),
      stdio: ['ignore', devNull, devNull],
    });
    closeSync(devNull);
    expect(r.status).toBe(0);
    const modules = readFileSync(join(dir, 'modules.txt'), 'utf8').split('\n');
    expect(modules).toContain('NativeModule fs');
    expect(modules).not.toContain('NativeModule tty');
    expect(modules).not.toContain('NativeModule net');
  });

  it('--json is the documented shape', async () => {
    const r = await runCli(['decode', '--json', token]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as DecodeJson;
    expect(Object.keys(doc)).toEqual([
      'format',
      'header',
      'payload',
      'signature',
      'status',
      'findings',
    ]);
    expect(doc.signature).toEqual({
      alg: 'RS256',
      value: 'c2lnbmF0dXJl',
      bytes: 9,
      verified: false,
    });
    expect(doc.status).toMatchObject({ state: 'valid', expires_in: expect.any(Number) });
    expect(Object.keys(doc.status)).toEqual([
      'state',
      'message',
      'now',
      'expires_at',
      'expires_in',
      'issued_at',
    ]);
  });

  it('an expired token says how long ago', async () => {
    const t = jws({ alg: 'ES256K' }, { exp: now() - (3 * 3600 + 2 * 60 + 30) });
    const r = await runCli(['decode', t]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Status {5}expired 3h 2m ago \(/);
    const json = JSON.parse((await runCli(['decode', '--json', t])).stdout) as DecodeJson;
    expect(json.status.state).toBe('expired');
  });

  it('alg none is shown and flagged', async () => {
    const t = jws({ alg: 'none' }, { sub: 'mallory', nbf: now() + 600 }, '');
    const r = await runCli(['decode', t]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Unsecured JWT \(alg none\)/);
    expect(r.stdout).toContain('NONE: this token is unsecured (alg none); anyone can make it.');
    expect(r.stdout).toMatch(/Status {5}not valid yet: valid from .* \(in (9m|10m)/);
    const json = JSON.parse((await runCli(['decode', t, '--json'])).stdout) as DecodeJson;
    expect(json.format).toBe('unsecured');
    expect(json.findings.map((f) => f.code)).toEqual(['alg_none']);
  });

  it('an opaque token is said plainly, with a hint to introspect', async () => {
    const r = await runCli(['decode', 'gho_16C7e42F292c6912E7710c838347Ae178B4a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Opaque token (40 characters): not a JWT, so there is nothing inside to decode.\n',
    );
    expect(r.stderr).toMatch(/hint: .*oauth introspect/);
    const json = await runCli(['decode', '--json', 'ya29.a0AfH6SMB']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      format: 'opaque',
      header: null,
      payload: null,
      signature: null,
      status: { state: 'unknown' },
    });
  });

  it('a JWE without a key: protected header and the key needed', async () => {
    const jwe = `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1' })}.ZWs.aXY.Y3Q.dGFn`;
    const r = await runCli(['decode', jwe]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Protected header\n{');
    expect(r.stdout).toContain(
      "the payload is encrypted: pass --key with the recipient's key (alg RSA-OAEP-256, kid enc-1) to decrypt (content: A256GCM)",
    );
    const json = JSON.parse((await runCli(['decode', '--json', jwe])).stdout) as DecodeJson;
    expect(json).toMatchObject({ format: 'jwe', payload: null, signature: null });
    expect(json.encryption).toEqual({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'enc-1',
      decrypted: false,
    });
  });

  it('--key decrypts a JWE and decodes the nested JWT', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = tempConfigDir();
    const keyFile = join(dir, 'enc.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const inner = jws({ alg: 'ES256', typ: 'at+jwt' }, { sub: 'carol', exp: now() + 600 });
    const jwe = await new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(publicKey);
    const r = await runCli(['decode', '--key', keyFile, jwe]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^JWE \(encrypted JWT\) · alg RSA-OAEP-256 · enc A256GCM · decrypted: jws/,
    );
    expect(r.stdout).toContain('Nested JWS header\n{\n  "alg": "ES256",');
    expect(r.stdout).toContain('"sub": "carol"');
    expect(r.stdout).toMatch(/Signature {2}ES256, 9 bytes: NOT VERIFIED/);
    const json = JSON.parse(
      (await runCli(['decode', '--json', '--key', keyFile, jwe])).stdout,
    ) as DecodeJson;
    expect(json).toMatchObject({
      format: 'jwe',
      header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' },
      payload: { sub: 'carol' },
      signature: { alg: 'ES256', verified: false },
      status: { state: 'valid' },
      encryption: { decrypted: true },
      nested: { format: 'jws', header: { alg: 'ES256', typ: 'at+jwt' } },
    });
  });

  it('--key on a token that is not a JWE warns on stderr and still decodes', async () => {
    const r = await runCli(['decode', '--key', '/nonexistent.pem', token]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: --key only decrypts a JWE; this token is not one\n');
  });

  it('--local shows times in the local time zone', async () => {
    const t = jws({ alg: 'HS256' }, { exp: now() + 3600 });
    const r = await runCli(['decode', '--local', t], { env: { TZ: 'Asia/Kolkata' } });
    expect(r.stdout).toMatch(/exp {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30 \(in/);
    expect(r.stdout).toMatch(/Status {5}valid for .*\+05:30\)/);
    const json = JSON.parse(
      (await runCli(['decode', '--local', '--json', t])).stdout,
    ) as DecodeJson;
    expect(json.status.expires_at).toMatch(/Z$/);
  });

  it('colours stdout when forced, never with NO_COLOR', async () => {
    const forced = await runCli(['decode', token], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[');
    const plain = await runCli(['decode', token], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  // Regression guard: a claim must never drive the terminal (README "Output, colour and scripts").
  it('escapes control characters of hostile claims on the terminal, exact in --json', async () => {
    const sub = 'x\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil';
    const t = jws({ alg: 'HS256', kid: '\u001b[31mred' }, { sub, ['\u001b[1mkey']: 1 });
    const r = await runCli(['decode', t], { env: { FORCE_COLOR: '1' } });
    expect(r.code).toBe(0);
    for (const raw of [
      '\u001b]',
      '\u001b[2J',
      '\u0007',
      '\u009b',
      '\u202e',
      '\u001b[31mred',
      '\u001b[1mkey',
    ]) {
      expect(r.stdout).not.toContain(raw);
    }
    expect(r.stdout).toContain('x\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil');
    const json = await runCli(['decode', '--json', t]);
    const doc = JSON.parse(json.stdout) as DecodeJson;
    expect(doc.payload?.sub).toBe(sub);
    expect(doc.header?.kid).toBe('\u001b[31mred');
    expect(doc.payload?.['\u001b[1mkey']).toBe(1);
  });

  it.each([
    [
      'two parts',
      `${b64({ alg: 'none' })}.${b64({})}`,
      'the token has 2 parts separated by dots; a JWT has 3 (JWS) or 5 (JWE)',
    ],
    [
      'bad base64url payload',
      `${b64({ alg: 'HS256' })}.e30*.c2ln`,
      "the token's payload is not valid base64url",
    ],
    ['a header that is not JSON', `${b64('nope')}.e30.c2ln`, "the token's header is not JSON"],
    [
      'a payload array',
      `${b64({ alg: 'HS256' })}.${b64('[1,2]')}.c2ln`,
      "the token's payload is an array, not a JSON object",
    ],
    [
      'invalid UTF-8',
      `${b64({ alg: 'HS256' })}.${Buffer.from([0x7b, 0xc0, 0x7d]).toString('base64url')}.c2ln`,
      "the token's payload is not valid UTF-8",
    ],
    ['whitespace inside', 'eyJh bGci.e30.c2ln', 'the token contains whitespace'],
    ['an empty argument', '', 'no token given'],
  ])('malformed (%s): exit 2, one line naming the part', async (_name, input, message) => {
    const r = await runCli(['decode', input]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error: ${escapeRe(message)}\\nhint: [^\\n]+\\n$`));
    const json = await runCli(['decode', '--json', input]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { message } });
  });

  it('nothing on stdin is a usage error', async () => {
    const r = await runCli(['decode'], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no token given\n/);
  });

  it.each([
    ['argument', (t: string) => runCli(['decode', t])],
    ['stdin just over the cap', (t: string) => runCli(['decode'], { input: t })],
    ['stdin far over the cap', (t: string) => runCli(['decode'], { input: t.repeat(20) })],
  ])('an oversized token (%s) is token_too_large, exit 2', async (_name, run) => {
    const big = `${b64({ alg: 'HS256' })}.${'A'.repeat(64 * 1024)}.c2ln`;
    const r = await run(big);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the token .*more than the 65536 (bytes )?accepted\n/);
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
