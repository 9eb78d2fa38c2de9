// Issue 12 through the built CLI: "did you mean" as the hint; `oauth keygen` and the key it makes
// used for private_key_jwt at a token endpoint that checks the assertion with the printed JWKS;
// completion scripts driven in real bash, zsh and fish, and PowerShell's checked for its shape.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, runCli } from '../helpers/cli.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'oauth-keygen-'));

describe('"did you mean" (regression: a literal \\n and the generic hint)', () => {
  it.each([
    [['decod', 'x'], "unknown command 'decod'", 'did you mean `oauth decode`?'],
    [['decode', '--jsn', 'x'], "unknown option '--jsn'", 'did you mean `--json`?'],
    [['version'], "unknown command 'version'", 'did you mean `oauth --version` or `oauth verify`?'],
    [['profile', 'ad', 'work'], "unknown command 'ad'", 'did you mean `oauth profile add`?'],
  ])('oauth %j: the message, then the suggestion as the hint', async (args, message, hint) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${message}\nhint: ${hint}\n`);
  });

  it('--json: the message without the suggestion, the hint with it', async () => {
    const r = await runCli(['--json', 'decod', 'x']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'usage',
        message: "unknown command 'decod'",
        hint: 'did you mean `oauth decode`?',
      },
    });
  });
});

describe('oauth keygen', () => {
  /**
   * A token endpoint that knows one client, `svc`, by the JWKS registered for it: it verifies the
   * client assertion (RFC 7523 §3) with that JWKS, and the header's kid must name the key.
   */
  let server: RecordingServer;
  let registered: JSONWebKeySet = { keys: [] };
  const verdicts: string[] = [];
  beforeAll(async () => {
    server = await record(async (req, res, base) => {
      const form = new URLSearchParams(req.body);
      const assertion = form.get('client_assertion') ?? '';
      try {
        const { kid } = decodeProtectedHeader(assertion);
        if (kid !== registered.keys[0]?.kid)
          throw new Error(`kid ${String(kid)} is not registered`);
        const { payload } = await jwtVerify(assertion, createLocalJWKSet(registered), {
          issuer: 'svc',
          subject: 'svc',
          audience: `${base}/token`,
        });
        if (form.get('client_id') !== 'svc' || typeof payload.jti !== 'string') {
          throw new Error('client_id or jti');
        }
        verdicts.push('ok');
        json(res, { access_token: 'at-for-svc', token_type: 'Bearer', expires_in: 300 });
      } catch (err) {
        verdicts.push(String(err));
        json(res, { error: 'invalid_client', error_description: String(err) }, 401);
      }
    });
  });
  afterAll(() => server.close());

  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'])(
    '%s: the printed JWKS, registered at the server, accepts `oauth token --private-key <file>`',
    async (alg) => {
      const dir = tempDir();
      const key = join(dir, 'client-key.pem');
      const made = await runCli(['keygen', '--alg', alg, '--out', key]);
      expect(made.code).toBe(0);
      expect(made.stderr).toContain(`written to ${key}`);
      const jwks = JSON.parse(made.stdout) as JSONWebKeySet;
      expect(jwks.keys).toHaveLength(1);
      const [jwk] = jwks.keys;
      expect(jwk).toMatchObject({ alg, use: 'sig', kid: expect.stringMatching(/^[\w-]{43}$/) });
      expect(jwk).not.toHaveProperty('d');
      expect(readFileSync(key, 'utf8')).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
      );
      expect(statSync(key).mode & 0o777).toBe(0o600);

      registered = jwks;
      verdicts.length = 0;
      const token = await runCli(
        [
          'token',
          '--grant',
          'client_credentials',
          '--auth-method',
          'private_key_jwt',
          '--private-key',
          key,
          '--client-id',
          'svc',
          '--token-endpoint',
          `${server.url}/token`,
          '--no-cache',
        ],
        { env: { OAUTH_CONFIG_DIR: dir } },
      );
      expect(verdicts).toEqual(['ok']);
      expect(token).toMatchObject({ code: 0, stdout: 'at-for-svc\n' });
    },
  );

  it('default ES256; --json prints the same JWKS document', async () => {
    const dir = tempDir();
    const r = await runCli(['--json', 'keygen', '--out', join(dir, 'k.pem')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as JSONWebKeySet;
    expect(doc.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('an existing file is never overwritten: exit 2, the file as it was, no temp file left', async () => {
    const dir = tempDir();
    const key = join(dir, 'key.pem');
    writeFileSync(key, 'my old key\n');
    const r = await runCli(['keygen', '--out', key]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${key} already exists; keygen never overwrites a file\n` +
        'hint: choose another --out, or move the old key away first\n',
    );
    expect(readFileSync(key, 'utf8')).toBe('my old key\n');
    expect(readdirNames(dir)).toEqual(['key.pem']);
  });

  it('a bad --alg is exit 2 naming the choices; no --out is exit 2 too', async () => {
    const dir = tempDir();
    const bad = await runCli(['keygen', '--alg', 'HS256', '--out', join(dir, 'k.pem')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /'HS256' is invalid\. Allowed choices are ES256, RS256, PS256, EdDSA/,
    );
    const none = await runCli(['keygen']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/required option '--out <file>' not specified/);
    expect(readdirNames(dir)).toEqual([]);
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** `oauth` on PATH as the built CLI, and a profile store with two profiles. */
function completionEnv(): NodeJS.ProcessEnv {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'oauth'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {
    mode: 0o755,
  });
  const config = join(dir, 'config');
  mkdirSync(config, { mode: 0o700 });
  const secret = 'profile-secret-canary';
  writeFileSync(
    join(config, 'profiles.json'),
    JSON.stringify({
      version: 1,
      profiles: { work: { issuer: 'https://idp.example', clientSecret: secret }, home: {} },
    }),
    { mode: 0o600 },
  );
  return childEnv({ PATH: `${bin}:${process.env.PATH ?? ''}`, OAUTH_CONFIG_DIR: config });
}

const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;
/** In CI every shell must be there (.ci/run installs them); elsewhere a missing one is skipped. */
const shellTest = (shell: string) => (hasShell(shell) || process.env.CI ? it : it.skip);

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const file = join(tempDir(), `oauth.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** COMPREPLY after the bash function ran for these words (the last one is being completed). */
function bashReply(file: string, words: string[], env: NodeJS.ProcessEnv): string[] {
  const program = `source ${JSON.stringify(file)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_oauth; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8', env })
    .split('\n')
    .filter(Boolean);
}

const GRANTS = [
  'client_credentials',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
];
const AUTH = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
];

/** Lines typed at the prompt (the last word is being completed) and what each shell must offer. */
const CASES: [string, string[]][] = [
  ['oauth dec', ['decode']],
  ['oauth key', ['keygen']],
  ['oauth token --grant ', GRANTS],
  ['oauth token --grant c', ['client_credentials']],
  ['oauth token --auth-method private', ['private_key_jwt']],
  ['oauth login --auth-method ', AUTH],
  ['oauth token --output ', ['token', 'header', 'json']],
  ['oauth login --prompt ', ['none', 'login', 'consent', 'select_account']],
  ['oauth completion ', ['bash', 'zsh', 'fish', 'pwsh']],
  ['oauth keygen --alg ', ['ES256', 'RS256', 'PS256', 'EdDSA']],
  ['oauth --profile ', ['home', 'work']],
  ['oauth token --profile w', ['work']],
  ['oauth profile show ', ['home', 'work']],
  ['oauth --profile work tok', ['token']],
  ['oauth profile ', ['add', 'list', 'show', 'remove']],
  ['oauth profile add --is', ['--issuer']],
  ['oauth --json profile add --save', ['--save-secret']],
  ['oauth decode --lo', ['--local']],
  ['oauth verify --re', ['--require']],
];

describe('oauth completion', () => {
  it.each(CASES)('bash, in a real bash: %j', async (line, expected) => {
    const env = completionEnv();
    const file = await script('bash');
    expect(bashReply(file, line.split(' '), env).sort()).toEqual([...expected].sort());
  });

  it('bash: --opt=value and a value with colons, as readline splits them (COMP_WORDBREAKS)', async () => {
    const env = completionEnv();
    const file = await script('bash');
    expect(bashReply(file, ['oauth', 'token', '--output', '=', 'he'], env)).toEqual(['header']);
    expect(bashReply(file, ['oauth', 'token', '--output', '='], env).sort()).toEqual([
      'header',
      'json',
      'token',
    ]);
    const split = [
      'oauth',
      'token',
      '--grant',
      'urn',
      ':',
      'ietf',
      ':',
      'params',
      ':',
      'oauth',
      ':',
      'grant-type',
      ':',
      'to',
    ];
    expect(bashReply(file, split, env)).toEqual(['token-exchange']);
    // an option's value is not a command: after `--profile token`, TAB offers the commands
    expect(bashReply(file, ['oauth', '--profile', 'token', ''], env)).toContain('decode');
  });

  shellTest('zsh')(
    'zsh, in a real zsh (completion system in a pseudo-terminal)',
    async () => {
      const env = completionEnv();
      const file = await script('zsh');
      const helper = fileURLToPath(new URL('../helpers/zsh-complete.zsh', import.meta.url));
      for (const [line, expected] of CASES) {
        const offered = execFileSync('zsh', ['-f', helper, file, line], {
          encoding: 'utf8',
          env,
          timeout: 30_000,
        });
        expect(offered.split('\n').filter(Boolean).sort(), line).toEqual([...expected].sort());
      }
    },
    300_000,
  ); // an interactive zsh with compinit per line: seconds each on a busy machine

  shellTest('fish')('fish, in a real fish (complete -C)', async () => {
    const env = completionEnv();
    const file = await script('fish');
    for (const [line, expected] of CASES) {
      const offered = execFileSync(
        'fish',
        ['-c', `source ${file}; complete -C ${JSON.stringify(line)}`],
        {
          encoding: 'utf8',
          env,
        },
      );
      const words = offered
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0] ?? '');
      expect(words.sort(), line).toEqual([...expected].sort());
    }
  });

  it('the profile names come from the hidden `oauth __complete profiles`: names only, no secret', async () => {
    const env = completionEnv();
    const r = await runCli(['__complete', 'profiles'], { env });
    expect(r).toMatchObject({ code: 0, stdout: 'home\nwork\n' });
    expect(r.stdout + r.stderr).not.toContain('canary');
    const help = await runCli(['--help']);
    expect(help.stdout).not.toContain('__complete');
    const bash = await runCli(['completion', 'bash']);
    expect(bash.stdout).not.toMatch(/'\|__complete'/);
  });

  it('PowerShell: a native argument completer holding every command, option and value', async () => {
    const r = await runCli(['completion', 'pwsh']);
    expect(r.code).toBe(0);
    const ps = r.stdout;
    expect(ps).toMatch(/^# PowerShell completion for oauth/);
    expect(ps).toContain('Register-ArgumentCompleter -Native -CommandName oauth -ScriptBlock {');
    expect(ps).toContain("'token|--grant' = @('client_credentials', 'refresh_token', ");
    expect(ps).toContain("'*|--profile' = '@profiles'");
    expect(ps).toContain("'profile' = @('add', 'list', 'show', 'remove')");
    expect(ps).toContain("'completion|0' = @('bash', 'zsh', 'fish', 'pwsh')");
    expect(ps).toContain('& $words[0] __complete profiles 2>$null');
    for (const name of ['decode', 'verify', 'token', 'keygen', 'profile', 'completion']) {
      expect(ps).toContain(`'${name}'`);
    }
    expect(balanced(ps)).toBe(true);
  });
});

/** Braces, brackets and parentheses pair up outside PowerShell's '...' strings and # comments. */
function balanced(ps: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < ps.length; i++) {
    const ch = ps[i] ?? '';
    if (ch === "'") {
      for (i++; i < ps.length && !(ps[i] === "'" && ps[i + 1] !== "'"); i += ps[i] === "'" ? 2 : 1);
    } else if (ch === '#' && (i === 0 || /\s/.test(ps[i - 1] ?? ''))) {
      while (i < ps.length && ps[i] !== '\n') i++;
    } else if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}
