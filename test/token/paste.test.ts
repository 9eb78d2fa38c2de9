// Pasting mistakes: what is removed from a pasted token, only when a well-formed JWT is left, and
// the answer to a file's path given as the token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePasted, pastedNote, refuseFilePath } from '../../src/token/paste.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWS = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'alice', name: 'x'.repeat(60) })}.c2lnbmF0dXJl`;
const JWE = `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })}.a2V5.aXY.Y2lwaGVy.dGFn`;
const wrap = (token: string, width: number, eol = '\n') =>
  (token.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(eol);

describe('parsePasted', () => {
  it('a clean token: parsed as is, nothing removed', () => {
    expect(parsePasted(JWS)).toMatchObject({
      parsed: { format: 'jws', compact: JWS },
      removed: [],
    });
    expect(parsePasted('opaque-value').parsed.format).toBe('opaque');
  });

  it.each([
    ['double quotes', `"${JWS}"`],
    ['single quotes', `'${JWS}'`],
    ['backticks', `\`${JWS}\``],
    ['typographic double quotes', `\u201c${JWS}\u201d`],
    ['typographic single quotes', `\u2018${JWS}\u2019`],
    ['quotes and surrounding blanks', `  "${JWS}"\n`],
    ['a scheme inside the quotes', `"Bearer ${JWS}"`],
    ['a scheme outside the quotes', `Bearer '${JWS}'`],
  ])('%s are removed', (_name, pasted) => {
    const result = parsePasted(pasted);
    expect(result.parsed).toMatchObject({ format: 'jws', compact: JWS });
    expect(result.removed).toEqual(['the quotes around the token']);
  });

  it.each([
    ['LF', '\n', '2 line breaks'],
    ['CRLF', '\r\n', '2 line breaks'],
    ['a space', ' ', '2 spaces'],
  ])('a token wrapped with %s is joined', (_name, eol, what) => {
    const result = parsePasted(wrap(JWS, Math.ceil(JWS.length / 3), eol));
    expect(result.parsed).toMatchObject({ format: 'jws', compact: JWS });
    expect(result.removed).toEqual([`${what} inside the token`]);
  });

  it('a wrapped JWE is joined too', () => {
    expect(parsePasted(wrap(JWE, 20)).parsed).toMatchObject({ format: 'jwe', compact: JWE });
  });

  it('quotes and line breaks together: one note names both', () => {
    const result = parsePasted(`"${wrap(JWS, 50)}"`);
    expect(result.parsed.compact).toBe(JWS);
    expect(pastedNote(result.removed)).toBe(
      'removed the quotes around the token and 3 line breaks inside it, as pasted; what is left is a well-formed JWT',
    );
  });

  it.each([
    ['not a JWT once unquoted', '"not.a.jwt"', "the token's header is not valid base64url"],
    ['a quote on one side only', `"${JWS}`, "the token's header is not valid base64url"],
    [
      'a token with one character too many',
      `"${JWS}x"`,
      "the token's header is not valid base64url",
    ],
    ['words, not a token', 'hello world', 'the token contains whitespace'],
    [
      'a header without alg',
      `${b64({ typ: 'JWT' })}.${b64({})}.c2ln x`,
      'the token contains whitespace',
    ],
  ])('%s: the original error stands', (_name, pasted, message) => {
    expect(() => parsePasted(pasted)).toThrow(expect.objectContaining({ exitCode: 2, message }));
  });

  it('a quoted opaque token stays as given (nothing says what it means unquoted)', () => {
    expect(parsePasted('"opaque-value"')).toMatchObject({
      parsed: { format: 'opaque', compact: '"opaque-value"' },
      removed: [],
    });
  });

  // Regression: joined, two JWS tokens h.p.s + h.p.s make five dotted parts, a "JWE".
  it('two whole tokens on two lines are never joined into one', () => {
    expect(() => parsePasted(`${JWS}\n${JWS}`)).toThrow(
      expect.objectContaining({ code: 'token_several', message: 'this is 2 tokens, not one' }),
    );
  });

  it('two tokens wrapped across a line: five parts, but a JWS header, so not a JWE', () => {
    const [h, p, sig] = JWS.split('.');
    const pasted = `${h}.${p}.${sig}${h}\n.${p}.${sig}`;
    expect(() => parsePasted(pasted)).toThrow(
      expect.objectContaining({ message: 'the token contains whitespace' }),
    );
  });
});

describe('refuseFilePath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-paste-'));
  const file = join(dir, 'token.txt');
  writeFileSync(file, JWS);

  it('an existing file: exit 2, saying how to read it', () => {
    expect(() => refuseFilePath(file, 'decode')).toThrow(
      expect.objectContaining({
        code: 'token_is_file',
        exitCode: 2,
        message: `${file} is a file, not a token`,
        hint: `to read the token from it, use --file ${file} or < ${file} in place of the path`,
      }),
    );
    expect(() => refuseFilePath(file, 'verify')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('the tokens (one per line)') }),
    );
  });

  it('a path with spaces is quoted for the shell in the hint', () => {
    const spaced = join(dir, 'my token');
    writeFileSync(spaced, JWS);
    expect(() => refuseFilePath(spaced, 'decode')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining(`--file '${spaced}'`) }),
    );
  });

  it('a directory: exit 2', () => {
    expect(() => refuseFilePath(dir, 'decode')).toThrow(
      expect.objectContaining({ code: 'token_is_directory', exitCode: 2 }),
    );
  });

  it('no such file, or a name too long to look up: nothing to say', () => {
    expect(() => refuseFilePath(join(dir, 'missing'), 'decode')).not.toThrow();
    expect(() => refuseFilePath('x'.repeat(10_000), 'decode')).not.toThrow();
    expect(() => refuseFilePath(`${file}/below-a-file`, 'decode')).not.toThrow();
  });
});
