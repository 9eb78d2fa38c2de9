// `oauth verify [tokens...]`: load the keys once from the source the user chose, verify each token
// (arguments, or one per line on stdin), print one result each; exit 0 only when all are valid.
import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { renderVerifyJson, renderVerifyLine, renderVerifyText } from '../output/verify.js';
import { cleanToken, parseToken } from '../token/jwt.js';
import { JWS_ALGORITHMS, keyFromSecret, loadVerificationKeys } from '../token/keys.js';
import { verifyToken, type KeySet, type VerifyPolicy, type VerifyResult } from '../token/verify.js';

export interface VerifyOptions {
  tokens?: string[];
  jwks?: string;
  issuer?: string;
  key?: string;
  secret?: string;
  secretFile?: string;
  secretFromFlag?: boolean;
  aud?: string[];
  iss?: string;
  sub?: string;
  alg?: string[];
  typ?: string;
  leeway?: number;
  require?: string[];
  maxAge?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** Tokens verified concurrently (order of output is kept). */
const WINDOW = 16;
/** Output is written in chunks of about this many characters. */
const FLUSH_AT = 64 * 1024;

export async function verifyCommand(
  options: Record<string, unknown>,
  ctx: Context,
): Promise<number> {
  const o: VerifyOptions = {
    tokens: list(options.tokens),
    jwks: str(options.jwks),
    issuer: str(options.issuer),
    key: str(options.key),
    secret: str(options.secret),
    secretFile: str(options.secretFile),
    secretFromFlag: options.secretFromFlag === true,
    aud: list(options.aud),
    iss: str(options.iss),
    sub: str(options.sub),
    alg: list(options.alg),
    typ: str(options.typ),
    leeway: typeof options.leeway === 'number' ? options.leeway : 0,
    require: list(options.require),
    maxAge: typeof options.maxAge === 'number' ? options.maxAge : undefined,
  };
  const algorithms = checkAlgorithms(o.alg);
  const tokens = o.tokens ?? [];
  const fromStdin = tokens.length === 0 || (tokens.length === 1 && tokens[0] === '-');
  if (fromStdin && ctx.io.stdinIsTTY) {
    throw usageError(
      'token_missing',
      'no token given',
      'pass tokens as arguments, or one per line on stdin',
    );
  }
  // One token as an argument: a malformed one is an input error (exit 2), as in `decode`.
  if (!fromStdin && tokens.length === 1) {
    const parsed = parseToken(tokens[0] ?? '');
    if (parsed.format === 'opaque') {
      throw usageError(
        'token_opaque',
        'this is not a JWT (no dots): only the server that issued it can check it',
        'use `oauth introspect` for opaque tokens',
      );
    }
  }

  if (o.secretFromFlag) {
    ctx.io.err(
      `${ctx.io.errStyle.yellow('warning:')} --secret on the command line shows in the process list and shell history; use --secret-file or OAUTH_VERIFY_SECRET\n`,
    );
  }
  const { keySet, issuerAlgorithms, expectedIssuer } = await loadKeys(o, ctx);
  const policy: VerifyPolicy = {
    algorithms: algorithms ?? issuerAlgorithms,
    issuer: o.iss ?? expectedIssuer,
    audience: o.aud,
    subject: o.sub,
    typ: o.typ,
    leeway: o.leeway ?? 0,
    require: o.require,
    maxAge: o.maxAge,
    now: ctx.now(),
  };

  const json = ctx.globals.json;
  const single = !fromStdin && tokens.length === 1;
  const style = ctx.io.outStyle;
  let buffer = '';
  let allValid = true;
  let index = 0;
  const emit = (result: VerifyResult) => {
    index++;
    if (!result.valid) allValid = false;
    if (json) buffer += renderVerifyJson(result);
    else
      buffer += single ? renderVerifyText(result, style) : renderVerifyLine(result, index, style);
    if (buffer.length >= FLUSH_AT) {
      ctx.io.out(buffer);
      buffer = '';
    }
  };
  const pending: Promise<VerifyResult>[] = [];
  const push = async (raw: string) => {
    const token = cleanToken(raw);
    if (token === '') return;
    pending.push(verifyToken(token, keySet, policy));
    if (pending.length >= WINDOW) emit(await (pending.shift() as Promise<VerifyResult>));
  };
  if (fromStdin) {
    for await (const line of ctx.io.stdinLines()) await push(line);
  } else {
    for (const token of tokens) await push(token);
  }
  while (pending.length > 0) emit(await (pending.shift() as Promise<VerifyResult>));
  if (buffer !== '') ctx.io.out(buffer);
  if (index === 0) {
    throw usageError('token_missing', 'no token on stdin', 'pass one token per line on stdin');
  }
  return allValid ? ExitCode.ok : ExitCode.invalidToken;
}

function checkAlgorithms(algs: string[] | undefined): string[] | undefined {
  if (algs === undefined || algs.length === 0) return undefined;
  for (const alg of algs) {
    if (alg.toLowerCase() === 'none') {
      throw usageError(
        'alg_none',
        '--alg none is never accepted',
        'name signing algorithms, e.g. RS256',
      );
    }
    if (!JWS_ALGORITHMS.includes(alg)) {
      throw usageError(
        'alg_unknown',
        `--alg ${alg} is not a JWS algorithm oauth verifies`,
        `choose from ${JWS_ALGORITHMS.join(', ')}`,
      );
    }
  }
  return algs;
}

interface LoadedKeys {
  keySet: KeySet;
  issuerAlgorithms: string[] | undefined;
  expectedIssuer: string | undefined;
}

/** The key source the user chose: --key, --jwks, --secret-file, --secret/env, else --issuer. */
async function loadKeys(o: VerifyOptions, ctx: Context): Promise<LoadedKeys> {
  const explicit = [
    o.key !== undefined && '--key',
    o.jwks !== undefined && '--jwks',
    o.secretFile !== undefined && '--secret-file',
    o.secretFromFlag && '--secret',
  ].filter((x): x is string => typeof x === 'string');
  if (explicit.length > 1) {
    throw usageError(
      'key_source_conflict',
      `choose one key source, not ${explicit.join(' and ')}`,
      'a secret verifies only HMAC tokens, a public key only signed ones',
    );
  }
  const issuer = o.issuer;
  if (o.key !== undefined) {
    return {
      keySet: { keys: await loadVerificationKeys(o.key) },
      issuerAlgorithms: undefined,
      expectedIssuer: issuer,
    };
  }
  if (o.jwks !== undefined) {
    const { isUrl, jwksFromFile, jwksFromUrl } = await import('../token/jwks.js');
    const keySet = isUrl(o.jwks)
      ? await jwksFromUrl(await ctx.http(), o.jwks, ctx.now)
      : await jwksFromFile(o.jwks);
    return { keySet, issuerAlgorithms: undefined, expectedIssuer: issuer };
  }
  if (o.secretFile !== undefined) {
    const text =
      o.secretFile === '-' ? await ctx.io.readStdin(64 * 1024) : readFileSync(o.secretFile, 'utf8');
    const secret = text.replace(/\r?\n$/, '');
    return {
      keySet: { keys: [keyFromSecret(secret, o.secretFile)] },
      issuerAlgorithms: undefined,
      expectedIssuer: issuer,
    };
  }
  if (o.secret !== undefined) {
    const source = o.secretFromFlag ? '--secret' : 'OAUTH_VERIFY_SECRET';
    return {
      keySet: { keys: [keyFromSecret(o.secret, source)] },
      issuerAlgorithms: undefined,
      expectedIssuer: issuer,
    };
  }
  if (issuer !== undefined) {
    const http = await ctx.http();
    const { discover, stringList } = await import('../oauth/discovery.js');
    const { metadata } = await discover(http, issuer);
    if (metadata.jwks_uri === undefined) {
      throw new CliError(
        'jwks_uri_missing',
        ExitCode.network,
        `${issuer} publishes no jwks_uri in its metadata`,
        {
          hint: 'pass the keys with --jwks or --key',
        },
      );
    }
    const { jwksFromUrl } = await import('../token/jwks.js');
    const keySet = await jwksFromUrl(http, metadata.jwks_uri, ctx.now);
    const advertised = [
      ...(stringList(metadata, 'id_token_signing_alg_values_supported') ?? []),
      ...(stringList(metadata, 'access_token_signing_alg_values_supported') ?? []),
    ].filter((alg) => JWS_ALGORITHMS.includes(alg));
    return {
      keySet,
      issuerAlgorithms: advertised.length > 0 ? [...new Set(advertised)] : undefined,
      expectedIssuer: metadata.issuer,
    };
  }
  throw usageError(
    'key_missing',
    'no key to verify with',
    'pass --jwks <url|file>, --issuer <url>, --key <file>, --secret-file <file> or set OAUTH_VERIFY_SECRET',
  );
}
