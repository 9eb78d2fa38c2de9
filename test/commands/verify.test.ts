// verify in process: the argument or stdin lines, one result each (NDJSON with --json), exit 4
// when any is invalid, the fixed clock, and the key source rules; a JWKS from a small server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, view, type VerifyInput } from '../../src/commands/verify.js';
import { fakeContext, NOW, shown, type FakeOptions } from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const SECRET = 'an-hmac-secret-of-at-least-32-bytes!';
const now = NOW / 1000;

function hs256(payload: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

const input = (fields: Partial<VerifyInput> = {}): VerifyInput => ({
  tokens: [],
  jwks: undefined,
  issuer: undefined,
  key: undefined,
  secret: SECRET,
  secretFile: undefined,
  secretFromFlag: false,
  aud: undefined,
  iss: undefined,
  sub: undefined,
  alg: undefined,
  typ: undefined,
  leeway: 0,
  require: undefined,
  maxAge: undefined,
  ...fields,
});

let valid: string;
let expired: string;
let forged: string;

beforeAll(async () => {
  // valid for a minute by the fixed clock (long expired by the real one, or not yet issued)
  valid = await hs256({ sub: 'alice', iat: now - 60, exp: now + 60 });
  expired = await hs256({ sub: 'bob', iat: now - 7200, exp: now - 3600 });
  forged = await hs256({ sub: 'mallory', exp: now + 60 }, 'another-secret-of-at-least-32-bytes!');
});

async function verified(fields: Partial<VerifyInput>, options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  return shown(ctx, await run(input(fields), ctx), view);
}

describe('verify one token (the argument)', () => {
  it('valid by the fixed clock: exit 0, every check with a mark', async () => {
    const printed = await verified({ tokens: [valid] });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^✓ valid sub=alice\n/);
    expect(printed.stdout).toMatch(/^ {2}✓ signature +/m);
    expect(printed.stdout).toMatch(/^ {2}✓ exp +/m);
    expect(printed.stderr).toBe('');
  });

  it('expired: exit 4, the failed check named; enough --leeway makes it valid', async () => {
    const printed = await verified({ tokens: [expired] });
    expect(printed.code).toBe(4);
    expect(printed.stdout).toMatch(/^✗ invalid: 1 check failed sub=bob\n/);
    expect(printed.stdout).toMatch(/^ {2}✗ exp +expired/m);
    expect((await verified({ tokens: [expired], leeway: 3601 })).code).toBe(0);
  });

  it('signed with another secret: exit 4 on the signature', async () => {
    const printed = await verified({ tokens: [forged] });
    expect(printed.code).toBe(4);
    expect(printed.stdout).toMatch(/^ {2}✗ signature/m);
  });

  it('--json: one document {valid, header, payload, checks, key}', async () => {
    const printed = await verified({ tokens: [valid] }, { globals: { json: true } });
    const doc = JSON.parse(printed.stdout);
    expect(Object.keys(doc)).toEqual(['valid', 'header', 'payload', 'checks', 'key']);
    expect(doc).toMatchObject({ valid: true, header: { alg: 'HS256' }, payload: { sub: 'alice' } });
  });

  it('expectations: --aud, --iss, --sub, --require, --max-age each fail on their own', async () => {
    const printed = await verified({
      tokens: [valid],
      aud: ['api'],
      iss: 'https://idp.example',
      sub: 'bob',
      require: ['scope'],
      maxAge: 30,
    });
    expect(printed.code).toBe(4);
    for (const name of ['aud', 'iss', 'sub', 'required', 'max_age']) {
      expect(printed.stdout).toMatch(new RegExp(`^ {2}✗ ${name} `, 'm'));
    }
  });

  it('an opaque argument is exit 2 pointing at introspect', async () => {
    const ctx = fakeContext();
    await expect(run(input({ tokens: ['opaque'] }), ctx)).rejects.toMatchObject({
      code: 'token_opaque',
      exitCode: 2,
      hint: expect.stringContaining(
        'use `oauth introspect` for opaque tokens; for a JWT access token, log in with --audience',
      ),
    });
  });
});

describe('verify many tokens (arguments or stdin lines)', () => {
  it('stdin lines: one line each with its number, exit 4 when any is invalid', async () => {
    const printed = await verified({}, { stdin: `${valid}\n\n  ${expired}  \n${forged}\n` });
    expect(printed.code).toBe(4);
    const lines = printed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3); // the blank line is skipped, the padded one trimmed
    expect(lines[0]).toBe('1\tvalid sub=alice');
    expect(lines[1]).toMatch(/^2\tinvalid sub=bob\texp: expired/);
    expect(lines[2]).toMatch(/^3\tinvalid sub=mallory\tsignature: /);
  });

  it('all valid on stdin: exit 0; "-" reads stdin too', async () => {
    const printed = await verified({ tokens: ['-'] }, { stdin: `${valid}\n${valid}\n` });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe('1\tvalid sub=alice\n2\tvalid sub=alice\n');
  });

  it('--json: NDJSON, one document a line, in order', async () => {
    const printed = await verified(
      {},
      { stdin: `${expired}\n${valid}\n`, globals: { json: true } },
    );
    const docs = printed.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(docs.map((d) => [d.valid, d.payload.sub])).toEqual([
      [false, 'bob'],
      [true, 'alice'],
    ]);
  });

  it('two arguments are a batch too (one line each)', async () => {
    const printed = await verified({ tokens: [valid, 'opaque'] });
    expect(printed.code).toBe(4);
    expect(printed.stdout).toMatch(/^1\tvalid sub=alice\n2\tinvalid\t/);
  });

  it('nothing on stdin is exit 2; at a terminal stdin is not even read', async () => {
    const empty = fakeContext({ stdin: '\n\n' });
    await expect(run(input(), empty)).rejects.toMatchObject({
      code: 'token_missing',
      message: 'no token on stdin',
    });
    const tty = fakeContext({ stdinIsTTY: true });
    await expect(run(input(), tty)).rejects.toMatchObject({
      code: 'token_missing',
      message: 'no token given',
    });
    expect(tty.stdinReads()).toBe(0);
  });
});

describe('verify: pasting mistakes and files', () => {
  const wrapped = () => `${valid.slice(0, 30)}\n${valid.slice(30, 70)}\n${valid.slice(70)}`;

  it('one quoted argument: verified, a note on stderr (also with --json)', async () => {
    for (const json of [false, true]) {
      const printed = await verified({ tokens: [`"${valid}"`] }, { globals: { json } });
      expect(printed.code).toBe(0);
      expect(printed.stderr).toBe(
        'note: removed the quotes around the token, as pasted; what is left is a well-formed JWT\n',
      );
    }
  });

  it('one argument wrapped over lines: joined, with a note', async () => {
    const printed = await verified({ tokens: [wrapped()] });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(/^note: removed 2 line breaks inside the token/);
  });

  it('stdin keeps one token per line: a wrapped token is not joined', async () => {
    const printed = await verified({}, { stdin: `${wrapped()}\n` });
    expect(printed.code).toBe(4);
    expect(printed.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(printed.stderr).toBe('');
  });

  it('two tokens on two lines of stdin: two results', async () => {
    const printed = await verified({}, { stdin: `${valid}\n${expired}\n` });
    expect(printed.stdout).toMatch(/^1\tvalid sub=alice\n2\tinvalid sub=bob\t/);
  });

  it('a path as the argument is exit 2; --file reads it one token per line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-verify-'));
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, `${valid}\r\n${expired}\r\n`);
    for (const tokens of [[file], [valid, file]]) {
      await expect(run(input({ tokens }), fakeContext())).rejects.toMatchObject({
        code: 'token_is_file',
        exitCode: 2,
        hint: expect.stringContaining(`--file ${file} or < ${file}`),
      });
    }
    const ctx = fakeContext({ stdinIsTTY: true });
    const printed = shown(ctx, await run(input({ file }), ctx), view);
    expect(printed.stdout).toMatch(/^1\tvalid sub=alice\n2\tinvalid sub=bob\t/);
    expect(ctx.stdinReads()).toBe(0);
    await expect(run(input({ file, tokens: [valid] }), fakeContext())).rejects.toMatchObject({
      code: 'token_conflict',
    });
    await expect(run(input({ file: join(dir, 'missing') }), fakeContext())).rejects.toMatchObject({
      code: 'token_file_unreadable',
      exitCode: 2,
    });
    writeFileSync(join(dir, 'empty'), '\n');
    await expect(run(input({ file: join(dir, 'empty') }), fakeContext())).rejects.toMatchObject({
      code: 'token_missing',
      message: `no token in ${join(dir, 'empty')}`,
    });
  });
});

describe('verify: where the key comes from', () => {
  it('--secret on the command line warns; OAUTH_VERIFY_SECRET does not', async () => {
    const flag = await verified({ tokens: [valid], secretFromFlag: true });
    expect(flag.code).toBe(0);
    expect(flag.stderr).toMatch(/^warning: --secret on the command line shows in the process list/);
    expect((await verified({ tokens: [valid] })).stderr).toBe('');
  });

  it.each([
    [{ key: 'k.pem', jwks: 'j.json' }, 'choose one key source, not --key and --jwks'],
    [{ jwks: 'j.json', secretFromFlag: true }, 'choose one key source, not --jwks and --secret'],
    [{ secretFile: 's.txt', secretFromFlag: true }, 'not --secret-file and --secret'],
  ] as [Partial<VerifyInput>, string][])('%j is a conflict (exit 2)', async (fields, message) => {
    const ctx = fakeContext();
    await expect(run(input({ tokens: [valid], ...fields }), ctx)).rejects.toMatchObject({
      code: 'key_source_conflict',
      exitCode: 2,
      message: expect.stringContaining(message),
    });
  });

  it('no key at all is exit 2 listing the sources', async () => {
    const ctx = fakeContext();
    await expect(run(input({ tokens: [valid], secret: undefined }), ctx)).rejects.toMatchObject({
      code: 'key_missing',
      exitCode: 2,
      hint: expect.stringMatching(/--jwks.*--issuer.*--key.*--secret-file.*OAUTH_VERIFY_SECRET/),
    });
  });

  it('--secret-file - reads the secret from stdin (its newline dropped)', async () => {
    const printed = await verified(
      { tokens: [valid], secret: undefined, secretFile: '-' },
      { stdin: `${SECRET}\n` },
    );
    expect(printed.code).toBe(0);
  });

  it.each([
    [['none'], 'alg_none'],
    [['HS257'], 'alg_unknown'],
  ])('--alg %j is exit 2 (%s)', async (alg, code) => {
    await expect(run(input({ tokens: [valid], alg }), fakeContext())).rejects.toMatchObject({
      code,
      exitCode: 2,
    });
  });

  it('--alg without HS256 refuses the HMAC token', async () => {
    const printed = await verified({ tokens: [valid], alg: ['RS256'] });
    expect(printed.code).toBe(4);
    expect(printed.stdout).toMatch(/^ {2}✗ alg /m);
  });
});

describe('verify with keys from a server', () => {
  let server: RecordingServer;
  let es256: string;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = await record((req, res, base) => {
      if (req.url === '/jwks') return json(res, { keys: [jwk] });
      json(res, {
        issuer: base,
        jwks_uri: `${base}/jwks`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    });
    es256 = await new SignJWT({ sub: 'carol', iss: server.url, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
  });
  afterAll(() => server.close());

  it('--jwks <url>: fetched once for every token', async () => {
    const printed = await verified(
      { secret: undefined, jwks: `${server.url}/jwks` },
      { http: 'real', stdin: `${es256}\n${es256}\n` },
    );
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe('1\tvalid sub=carol\n2\tvalid sub=carol\n');
    expect(server.seen.filter((r) => r.url === '/jwks')).toHaveLength(1);
  });

  it('--issuer: the JWKS from discovery, and iss must be that issuer', async () => {
    const printed = await verified(
      { secret: undefined, issuer: server.url, tokens: [es256] },
      { http: 'real' },
    );
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^ {2}✓ iss /m);
    const other = await new SignJWT({ sub: 'x', iss: 'https://other.example', exp: now + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    // an HMAC token is refused by the issuer's advertised algorithms, and its iss is wrong
    const refused = await verified(
      { secret: undefined, issuer: server.url, tokens: [other] },
      { http: 'real' },
    );
    expect(refused.code).toBe(4);
    expect(refused.stdout).toMatch(/^ {2}✗ iss /m);
  });

  it('a secret from OAUTH_VERIFY_SECRET does not conflict with --jwks: the JWKS is used', async () => {
    const printed = await verified(
      { jwks: `${server.url}/jwks`, tokens: [es256] },
      { http: 'real' },
    );
    expect(printed.code).toBe(0);
  });
});
