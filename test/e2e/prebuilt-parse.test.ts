// A plain command line of decode, verify or token runs without commander (src/cli/prebuilt-parse.ts,
// from dist/parse.json): the same output and exit code as commander's path, which `--` takes
// (test/cli/prebuilt-parse.test.ts compares the two parses in process, line by line).
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseData } from '../../src/cli/help.js';
import { chunksOf, loadedChunks } from '../helpers/chunks.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-prebuilt-parse-'));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
const jwksFile = join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
const input = `${b64({ alg: 'ES256', kid: 'k1', typ: 'JWT' })}.${b64({ sub: 'alice', exp: 4102444800 })}`;
const signature = sign('sha256', Buffer.from(input), {
  key: privateKey,
  dsaEncoding: 'ieee-p1363',
});
const JWT = `${input}.${signature.toString('base64url')}`;

const env = () => ({ NODE_OPTIONS: loadedChunks(), OAUTH_CONFIG_DIR: tempConfigDir() });
const commander = (chunks: string[]) => chunks.some((c) => c === 'cli.index.cjs');

describe('the prebuilt parse (a plain command line without commander)', () => {
  it('dist/parse.json is what the source makes of the program', async () => {
    const built: unknown = JSON.parse(readFileSync('dist/parse.json', 'utf8'));
    expect(built).toEqual(await parseData());
  });

  it.each([
    [
      ['decode', JWT],
      ['decode', '--', JWT],
    ],
    [
      ['decode', '--json', '--local', JWT],
      ['decode', '--json', '--local', '--', JWT],
    ],
    [
      ['verify', '--jwks', jwksFile, JWT],
      ['verify', '--jwks', jwksFile, '--', JWT],
    ],
    [
      ['verify', '--jwks', jwksFile, '--json', '--aud', 'api', JWT],
      ['verify', '--jwks', jwksFile, '--json', '--aud', 'api', '--', JWT],
    ],
    [['token'], ['token', '--']],
    [
      ['token', '--json', '--issuer', 'http://127.0.0.1:9'],
      ['token', '--json', '--issuer', 'http://127.0.0.1:9', '--'],
    ],
  ])(
    "%j prints what commander's path (%j) prints, without loading commander",
    async (plain, viaCommander) => {
      const a = await runCli(plain, { env: env() });
      const b = await runCli(viaCommander, { env: env() });
      expect(commander(chunksOf(a.stderr))).toBe(false);
      expect(commander(chunksOf(b.stderr))).toBe(true);
      // Besides the chunk list, only the clock may differ (--json's "now" and "expires_in").
      const strip = (text: string) =>
        text
          .replace(/\nchunks: .*\n$/, '')
          .replace(/"now": "[^"]*"/g, '"now": ""')
          .replace(/"expires_in": \d+/g, '"expires_in": 0');
      expect({ code: a.code, stdout: strip(a.stdout), stderr: strip(a.stderr) }).toEqual({
        code: b.code,
        stdout: strip(b.stdout),
        stderr: strip(b.stderr),
      });
    },
  );

  it.each([
    [['decode', '--bogus', JWT], /^error: unknown option '--bogus'/],
    [
      ['verify', '--leeway', 'soon', JWT],
      /^error: option '--leeway <seconds>' argument 'soon' is invalid/,
    ],
    [
      ['token', '--grant', 'password'],
      /^error: option '--grant <grant>' argument 'password' is invalid/,
    ],
  ])('%j: commander answers, with its error and exit 2', async (args, message) => {
    const r = await runCli(args, { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(commander(chunksOf(r.stderr))).toBe(true);
  });
});
