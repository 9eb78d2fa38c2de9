// `oauth verify [tokens...]`: load the keys once from the source the user chose, verify each token
// (arguments, or one per line on stdin, else OAUTH_TOKEN), print one result each; exit 0 only when
// all are valid.
import { createReadStream, openSync, readFileSync } from 'node:fs';
import { ENV_TOKEN, envTokenText, noteEnvToken } from '../client/env-token.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { findingReporter, renderNote, renderWarning } from '../output/findings.js';
import { itemRenderer, type Outcome } from '../output/present.js';
import {
  renderSecretHint,
  verifyLineView,
  verifyOneView,
  type VerifySummary,
} from '../output/verify.js';
import { formatDuration } from '../time.js';
import { cleanToken } from '../token/jwt.js';
import { parsePasted, pastedNote, refuseFilePath, type Pasted } from '../token/paste.js';
import { JWS_ALGORITHMS, keyFromSecret, loadVerificationKeys } from '../token/keys.js';
import { verifyToken, type KeySet, type VerifyPolicy, type VerifyResult } from '../token/verify.js';

export interface VerifyInput {
  tokens: string[];
  /** --file: tokens one per line from this file, as on stdin. */
  file?: string | undefined;
  jwks: string | undefined;
  issuer: string | undefined;
  key: string | undefined;
  secret: string | undefined;
  secretFile: string | undefined;
  /** --secret was typed on the command line (not OAUTH_VERIFY_SECRET). */
  secretFromFlag: boolean;
  aud: string[] | undefined;
  iss: string | undefined;
  sub: string | undefined;
  alg: string[] | undefined;
  typ: string | undefined;
  leeway: number;
  require: string[] | undefined;
  maxAge: number | undefined;
  /** --client-cert: the certificate a bound token must be bound to (RFC 8705 §3.1). */
  clientCert?: string | undefined;
}

/** Tokens verified concurrently (order of output is kept). */
const WINDOW = 16;
/** Output is written in chunks of about this many characters. */
const FLUSH_AT = 64 * 1024;

export { verifyView as view } from '../output/verify.js';

/** Each result is printed as it comes (a stream of 10,000 tokens); the outcome is the count. */
export async function run(o: VerifyInput, ctx: Context): Promise<Outcome<VerifySummary>> {
  const algorithms = checkAlgorithms(o.alg);
  checkLeeway(o.leeway, ctx);
  let tokens = o.tokens;
  if (o.file !== undefined && tokens.length > 0) {
    throw usageError(
      'token_conflict',
      'tokens and --file were both given',
      'pass the tokens, or --file with the file that holds them (one per line), not both',
    );
  }
  let fromLines =
    o.file !== undefined || tokens.length === 0 || (tokens.length === 1 && tokens[0] === '-');
  // No token given: the lines on stdin when something is piped, else OAUTH_TOKEN, as one argument.
  const envText = envTokenText(ctx);
  let stdin: AsyncIterable<string> | undefined;
  let fromEnv = false;
  if (tokens.length === 0 && o.file === undefined && envText !== undefined) {
    stdin = ctx.io.stdinIsTTY ? undefined : await unlessBlank(ctx.io.stdinLines());
    if (stdin === undefined) {
      noteEnvToken(findingReporter(ctx));
      [tokens, fromLines, fromEnv] = [[envText], false, true];
    }
  }
  const fromStdin = fromLines && o.file === undefined;
  if (fromStdin && ctx.io.stdinIsTTY) {
    throw usageError(
      'token_missing',
      'no token given',
      `pass tokens as arguments, or one per line on stdin (or set ${ENV_TOKEN})`,
    );
  }
  const lines = o.file === undefined ? undefined : openLines(o.file);
  // One token as an argument: a malformed one is an input error (exit 2), as in `decode`, and the
  // quotes and line breaks of a paste are removed with a note (src/token/paste.ts).
  if (!fromLines && tokens.length === 1) {
    const arg = tokens[0] ?? '';
    let pasted: Pasted;
    try {
      pasted = parsePasted(arg);
    } catch (err) {
      if (!fromEnv) refuseFilePath(arg, 'verify');
      throw err;
    }
    if (pasted.parsed.format === 'opaque') {
      if (!fromEnv) refuseFilePath(arg, 'verify');
      throw await opaqueError(pasted.parsed.compact, o, ctx);
    }
    if (pasted.removed.length > 0) {
      ctx.io.err(renderNote(pastedNote(pasted.removed), ctx.io.errStyle));
      tokens = [pasted.parsed.compact];
    }
  } else if (!fromLines) {
    // A path among the tokens is a mistake, not a token that failed (only non-JWTs are looked up).
    for (const arg of tokens) if (!/^e[w-z]/.test(cleanToken(arg))) refuseFilePath(arg, 'verify');
  }

  if (o.secretFromFlag) {
    ctx.io.err(
      renderWarning(
        '--secret on the command line shows in the process list and shell history; use --secret-file or OAUTH_VERIFY_SECRET',
        ctx.io.errStyle,
      ),
    );
  }
  const { keySet, issuerAlgorithms, expectedIssuer } = await loadKeys(o, ctx);
  const policy: VerifyPolicy = {
    algorithms: algorithms ?? issuerAlgorithms,
    issuer: o.iss ?? expectedIssuer,
    audience: o.aud,
    subject: o.sub,
    typ: o.typ,
    leeway: o.leeway,
    require: o.require,
    maxAge: o.maxAge,
    ...(o.clientCert === undefined
      ? {}
      : { certificate: (await import('../oauth/mtls.js')).certificateFile(o.clientCert) }),
    now: ctx.now(),
  };

  const single = !fromLines && tokens.length === 1;
  const render = itemRenderer(ctx, single ? verifyOneView : verifyLineView);
  let buffer = '';
  let allValid = true;
  let index = 0;
  let secretHinted = false;
  const emit = (result: VerifyResult) => {
    index++;
    if (!result.valid) allValid = false;
    // RFC 7518 §3.2: an HS token is checked with the shared secret, which no public key can stand in for.
    const alg = result.header?.alg;
    if (
      !result.valid &&
      !secretHinted &&
      typeof alg === 'string' &&
      /^HS(256|384|512)$/.test(alg) &&
      !keySet.keys.some((key) => key.kty === 'oct')
    ) {
      secretHinted = true;
      ctx.io.err(renderSecretHint(alg, ctx.io.errStyle));
    }
    if (ctx.globals.verbose) {
      for (const note of result.notes) {
        ctx.io.err(renderNote(single ? note : `token ${index}: ${note}`, ctx.io.errStyle));
      }
    }
    buffer += render(result, index);
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
  if (fromLines) {
    // One token per line, never joined: a line break ends a token (README "oauth verify").
    for await (const line of lines ?? stdin ?? ctx.io.stdinLines()) await push(line);
  } else {
    for (const token of tokens) await push(token);
  }
  while (pending.length > 0) emit(await (pending.shift() as Promise<VerifyResult>));
  if (buffer !== '') ctx.io.out(buffer);
  if (index === 0) {
    const where = o.file === undefined ? 'on stdin' : `in ${o.file}`;
    throw usageError('token_missing', `no token ${where}`, `pass one token per line ${where}`);
  }
  return {
    exitCode: allValid ? ExitCode.ok : ExitCode.invalidToken,
    result: { count: index, valid: allValid },
  };
}

/**
 * Exit 2 for an opaque token, its hint chosen from what is known (issue 16, "opaque unless asked"):
 * the cached entry it is from, the preset in use (OAUTH_PROVIDER, the profile's), and the metadata of --issuer (else the
 * entry's issuer), fetched only for this advice and skipped when it cannot be had.
 */
async function opaqueError(token: string, o: VerifyInput, ctx: Context): Promise<CliError> {
  const { entryOfToken, knownProviderTokens, metadataForAdvice, opaqueAdvice } =
    await import('../client/opaque-token.js');
  const warn = findingReporter(ctx);
  const entry = entryOfToken(ctx, token, warn);
  const provider = knownProviderTokens(ctx, entry, warn);
  const metadata =
    provider?.tokenInfo === undefined
      ? await metadataForAdvice(ctx, o.issuer ?? entry?.issuer, o.issuer ? undefined : entry)
      : undefined;
  const advice = opaqueAdvice({ token, entry, provider, metadata });
  return usageError(
    'token_opaque',
    `this is not a JWT${token.includes('.') ? '' : ' (no dots)'}: ${advice.code === 'token_opaque' ? 'only the server that issued it can check it' : advice.message}`,
    advice.hint,
  );
}

/** The lines, or undefined when there is nothing in them but blank lines (read to the first other). */
async function unlessBlank(
  lines: AsyncIterable<string>,
): Promise<AsyncIterable<string> | undefined> {
  const it = lines[Symbol.asyncIterator]();
  for (let next = await it.next(); !next.done; next = await it.next()) {
    if (cleanToken(next.value) === '') continue;
    const first = next.value;
    return (async function* () {
      yield first;
      for (let rest = await it.next(); !rest.done; rest = await it.next()) yield rest.value;
    })();
  }
  return undefined;
}

/** --file: its lines, opened now so that a missing file is exit 2 before any key is loaded. */
function openLines(path: string): AsyncIterable<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw usageError(
      'token_file_unreadable',
      `cannot read --file ${path} (${why})`,
      'check the path',
    );
  }
  return (async function* () {
    const { createInterface } = await import('node:readline');
    yield* createInterface({ input: createReadStream(path, { fd }), crlfDelay: Infinity });
  })();
}

/** Clock skew is seconds to minutes: a day of it would pass tokens long expired. */
const MAX_LEEWAY = 86_400;
const LEEWAY_WARNING = 300;

function checkLeeway(leeway: number, ctx: Context): void {
  if (leeway > MAX_LEEWAY) {
    throw usageError(
      'leeway_too_large',
      `--leeway ${leeway} is more than one day (${MAX_LEEWAY} s): it would accept tokens long expired or not yet valid`,
      'clock skew is seconds to minutes; e.g. --leeway 60',
    );
  }
  if (leeway > LEEWAY_WARNING) {
    ctx.io.err(
      renderWarning(
        `--leeway ${leeway}: tokens up to ${formatDuration(leeway * 1000)} past exp (or before nbf) pass as valid`,
        ctx.io.errStyle,
      ),
    );
  }
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
async function loadKeys(o: VerifyInput, ctx: Context): Promise<LoadedKeys> {
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
