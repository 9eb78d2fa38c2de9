// WWW-Authenticate challenges of a resource server (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9449 §7.1):
// parsed without trusting the server (quoted strings, escapes, several challenges), then explained.
import { shellCommand } from '../shell.js';

export interface Challenge {
  /** As sent; compare case-insensitively. '' when the header began with parameters and no scheme. */
  scheme: string;
  /** auth-param names in lower case (RFC 9110 §11.2: case-insensitive); values unquoted. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when used instead of parameters. */
  token68?: string;
}

export interface ParsedChallenges {
  challenges: Challenge[];
  /** Where the header stopped following the grammar; what was parsed before it is kept. */
  problem?: string;
}

/** A cap on what is parsed: a challenge header is short; anything longer is hostile or broken. */
const MAX_HEADER = 16 * 1024;
const MAX_CHALLENGES = 32;
const MAX_PARAMS = 64;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** RFC 9110 §11.6.1: `challenge *( OWS "," OWS challenge )`, with auth-params or a token68. */
export function parseWwwAuthenticate(header: string): ParsedChallenges {
  const text = header.length > MAX_HEADER ? header.slice(0, MAX_HEADER) : header;
  const challenges: Challenge[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t';
  const skipSpace = () => {
    while (isSpace(text[i])) i++;
  };
  const skipSeparators = () => {
    while (isSpace(text[i]) || text[i] === ',') i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && TCHAR.test(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  /** After `name BWS "=" BWS`: a token or a quoted-string; undefined when neither. */
  const readValue = (): string | undefined => {
    if (text[i] !== '"') {
      const token = readToken();
      return token === '' ? undefined : token;
    }
    // RFC 9110 §5.6.4: quoted-string with quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
    let value = '';
    for (i++; i < text.length; i++) {
      const c = text[i] ?? '';
      if (c === '"') {
        i++;
        return value;
      }
      if (c === '\\') {
        i++;
        if (i >= text.length) break;
        value += text[i];
      } else value += c;
    }
    throw new Error('a quoted string is not closed');
  };
  /** Looks ahead from `at`: is this `token BWS "=" BWS value` (an auth-param), not a new scheme? */
  const paramAhead = (at: number): boolean => {
    let j = at;
    while (j < text.length && TCHAR.test(text[j] ?? '')) j++;
    if (j === at) return false;
    while (isSpace(text[j])) j++;
    if (text[j] !== '=') return false;
    j++;
    while (isSpace(text[j])) j++;
    return text[j] === '"' || TCHAR.test(text[j] ?? '');
  };

  let lenient: string | undefined;
  try {
    skipSeparators();
    // Lenient: some servers (LemonLDAP::NG) send `error=..., error_description=...` with no auth
    // scheme, values maybe unquoted with spaces. Kept as a challenge with scheme '': the server's
    // words still count. An unquoted value runs to the next comma.
    if (paramAhead(i)) {
      lenient = 'the header names no auth scheme before its parameters (RFC 9110 §11.6.1)';
      const params = new Map<string, string>();
      const challenge: Challenge = { scheme: '', params: {} };
      challenges.push(challenge);
      while (paramAhead(i)) {
        const name = readToken().toLowerCase();
        skipSpace();
        i++; // '='
        skipSpace();
        let value: string;
        if (text[i] === '"') value = readValue() ?? '';
        else {
          const comma = text.indexOf(',', i);
          const end = comma === -1 ? text.length : comma;
          value = text.slice(i, end).trim();
          i = end;
        }
        if (!params.has(name) && params.size < MAX_PARAMS) params.set(name, value);
        challenge.params = Object.fromEntries(params);
        skipSpace();
        if (i < text.length && text[i] !== ',') {
          return { challenges, problem: `unexpected ${JSON.stringify(text[i])} at ${i}` };
        }
        skipSeparators();
      }
    }
    while (i < text.length) {
      if (challenges.length >= MAX_CHALLENGES) {
        return { challenges, problem: `more than ${MAX_CHALLENGES} challenges` };
      }
      const scheme = readToken();
      if (scheme === '') {
        return { challenges, problem: `unexpected ${JSON.stringify(text[i])} at ${i}` };
      }
      let k = i;
      while (isSpace(text[k])) k++;
      if (text[k] === '=') return { challenges, problem: `the parameter ${scheme} has no value` };
      const params = new Map<string, string>();
      const challenge: Challenge = { scheme, params: {} };
      challenges.push(challenge);
      if (isSpace(text[i])) {
        skipSpace();
        const token68 = TOKEN68.exec(text.slice(i))?.[0];
        const after = token68 === undefined ? i : i + token68.length;
        let k = after;
        while (isSpace(text[k])) k++;
        if (token68 !== undefined && (k >= text.length || text[k] === ',') && !paramAhead(i)) {
          challenge.token68 = token68;
          i = after;
        } else if (token68 !== undefined && token68.endsWith('=') && !paramAhead(i)) {
          return { challenges, problem: `unexpected text after ${scheme}` };
        } else {
          // auth-param *( OWS "," OWS auth-param ), stopping where a new challenge starts.
          for (;;) {
            const name = readToken().toLowerCase();
            if (name === '') break;
            skipSpace();
            if (text[i] !== '=') {
              return { challenges, problem: `the parameter ${name} of ${scheme} has no value` };
            }
            i++;
            skipSpace();
            const value = readValue();
            if (value === undefined) {
              return { challenges, problem: `the parameter ${name} of ${scheme} has no value` };
            }
            // RFC 6750 §3: a parameter must not appear more than once; the first one counts.
            if (!params.has(name) && params.size < MAX_PARAMS) params.set(name, value);
            challenge.params = Object.fromEntries(params);
            skipSpace();
            if (i >= text.length) break;
            if (text[i] !== ',') {
              return { challenges, problem: `unexpected ${JSON.stringify(text[i])} at ${i}` };
            }
            let next = i;
            while (isSpace(text[next]) || text[next] === ',') next++;
            if (!paramAhead(next)) break;
            i = next;
          }
        }
      }
      skipSpace();
      if (i < text.length && text[i] !== ',') {
        return { challenges, problem: `unexpected ${JSON.stringify(text[i])} at ${i}` };
      }
      skipSeparators();
    }
  } catch (err) {
    return { challenges, problem: (err as Error).message };
  }
  return lenient ? { challenges, problem: lenient } : { challenges };
}

export interface ChallengeExplanation {
  /** The challenge explained (the one with an error, preferring the scheme that was sent). */
  scheme: string | undefined;
  error: string | undefined;
  description: string | undefined;
  /** RFC 6750 §3: the scope the request needs (insufficient_scope). */
  scope: string | undefined;
  /** Every scheme the server offers, as sent. */
  schemes: string[];
  /** RFC 9449 §5.1: the proof algorithms the server accepts. */
  algs: string | undefined;
  /** RFC 9728 §5.1: where the resource's metadata is (any challenge that names it). */
  resourceMetadata: string | undefined;
  /** RFC 9470 §3: the authentication the resource wants (insufficient_user_authentication). */
  acrValues: string | undefined;
  maxAge: string | undefined;
  meaning: string;
  hint: string;
  ref: string;
}

export interface ExplainInput {
  status: number;
  /** The WWW-Authenticate header (several are joined by ", "), if any. */
  header: string | undefined;
  /**
   * The scheme of the Authorization header the request carried ('Bearer', 'DPoP', or the scheme
   * of the user's own -H Authorization), or undefined when no credentials were sent.
   */
  sent: string | undefined;
  /** The token came from --token (not the cache): hints say to get another one. */
  tokenGiven: boolean;
  /** Where a given token came from, when not --token: 'OAUTH_TOKEN' (the environment). */
  givenAs?: string;
}

/** What went in the Authorization header, in words. */
function sentWhat(scheme: string): string {
  if (/^bearer$/i.test(scheme)) return 'a Bearer token';
  if (/^dpop$/i.test(scheme)) return 'a DPoP-bound token and its proof';
  return `an Authorization header of scheme ${scheme}`;
}

const param = (c: Challenge | undefined, name: string) =>
  c && Object.hasOwn(c.params, name) ? c.params[name] : undefined;

/** RFC 6750 §3.1 and RFC 9449 §7.1: what a 401/403 challenge means and what to do. */
export function explainChallenge(input: ExplainInput): ChallengeExplanation | undefined {
  const parsed = input.header === undefined ? undefined : parseWwwAuthenticate(input.header);
  const challenges = parsed?.challenges ?? [];
  if (challenges.length === 0 && input.status !== 401 && input.status !== 403) return undefined;
  const same = (c: Challenge) => c.scheme.toLowerCase() === input.sent?.toLowerCase();
  const withError = challenges.filter((c) => param(c, 'error') !== undefined);
  const chosen =
    withError.find(same) ?? withError[0] ?? challenges.find(same) ?? challenges[0] ?? undefined;
  const error = param(chosen, 'error');
  const scope = param(chosen, 'scope');
  const dpopChallenge = challenges.find((c) => c.scheme.toLowerCase() === 'dpop');
  const refresh = input.givenAs
    ? `get a new token and set ${input.givenAs} to it, or unset ${input.givenAs} to use the cached login's token`
    : input.tokenGiven
      ? 'get a new token (`oauth token --force`, `oauth login`) and pass it with --token'
      : 'get a new one: `oauth token --force` (refreshes it), or log in again with `oauth login`';
  const base = {
    scheme: chosen?.scheme,
    error,
    description: param(chosen, 'error_description'),
    scope,
    schemes: challenges.map((c) => c.scheme).filter((scheme) => scheme !== ''),
    algs: param(dpopChallenge, 'algs'),
    resourceMetadata:
      param(chosen, 'resource_metadata') ??
      challenges.map((c) => param(c, 'resource_metadata')).find((v) => v !== undefined),
    acrValues: param(chosen, 'acr_values'),
    maxAge: param(chosen, 'max_age'),
  };
  const explain = (meaning: string, hint: string, ref: string): ChallengeExplanation => ({
    ...base,
    meaning,
    hint,
    ref,
  });
  if (chosen?.scheme === '' && error !== undefined) {
    // No scheme: the RFC 6750 / RFC 9449 meanings of the code are not certain; the words are the server's.
    const where = 'in a WWW-Authenticate header that names no auth scheme';
    if (input.sent === undefined) {
      return explain(
        `no credentials were sent; the server says ${error}, ${where}`,
        'pass --token <t>, or get one first: `oauth login` or `oauth token --grant client_credentials`',
        'RFC 9110 §11.6.1',
      );
    }
    return explain(
      `credentials were sent (${sentWhat(input.sent)}); the server says ${error}, ${where}`,
      `${refresh}; if a new token gets the same answer, the server's description (and its logs) say why`,
      'RFC 9110 §11.6.1',
    );
  }
  switch (error) {
    case 'invalid_token':
      // Some servers (the MCP SDK's) answer a request without a token with invalid_token.
      if (input.sent === undefined) {
        return explain(
          'no token was sent; the server calls that invalid_token, which is not about a bad token',
          base.resourceMetadata
            ? 'get a token for this resource: `oauth login --resource <the resource>`'
            : 'pass --token <t>, or get one first: `oauth login` or `oauth token --grant client_credentials`',
          'RFC 6750 §3.1',
        );
      }
      return explain(
        'the access token was rejected: it is expired, revoked, malformed, for another audience, or sent with the wrong scheme',
        refresh,
        'RFC 6750 §3.1',
      );
    case 'insufficient_scope':
      return explain(
        scope
          ? `the access token lacks the scope this request needs: ${scope}`
          : 'the access token lacks a scope this request needs (the server did not say which)',
        scope
          ? `get a token with that scope: \`${shellCommand(['oauth', 'token', '--grant', 'client_credentials', '--scope', scope])}\` or \`${shellCommand(['oauth', 'login', '--scope', scope])}\``
          : "get a token with more --scope values; the API's documentation names the scope",
        'RFC 6750 §3.1',
      );
    case 'insufficient_user_authentication': {
      // RFC 9470 §3: the user must authenticate again, more strongly or more recently.
      const wants = [
        ...(base.acrValues ? [`acr_values "${base.acrValues}"`] : []),
        ...(base.maxAge ? [`an authentication at most ${base.maxAge} s old (max_age)`] : []),
      ];
      const args = [
        ...(base.acrValues ? ['--acr-values', base.acrValues] : []),
        ...(base.maxAge && /^\d+$/.test(base.maxAge) ? ['--max-age', base.maxAge] : []),
      ];
      return explain(
        wants.length > 0
          ? `the resource wants a stronger or more recent sign-in: ${wants.join(' and ')}`
          : 'the resource wants a stronger or more recent sign-in (it did not say which)',
        args.length > 0
          ? `log in again with \`${shellCommand(['oauth', 'login', ...args])}\``
          : 'log in again (`oauth login --prompt login`); the API documentation says which authentication it needs',
        'RFC 9470 §3',
      );
    }
    case 'invalid_request':
      // The server's description, when it gave one, is the reason: no generic gloss over it.
      return base.description
        ? explain(
            'the server refused the request as malformed, for the reason it gives',
            "the server's description is its own reason; run again with --verbose to see the request that was sent",
            'RFC 6750 §3.1',
          )
        : explain(
            'the server found the request malformed: a missing or repeated parameter, or the token sent more than one way',
            'run again with --verbose to see the request; send the token only in the Authorization header',
            'RFC 6750 §3.1',
          );
    case 'invalid_dpop_proof':
      return explain(
        'the DPoP proof was rejected: wrong key, method or URL, a clock too far off, or a replay',
        "check the computer's clock, then run again with --verbose; if it persists, get a new token with --dpop",
        'RFC 9449 §7.1',
      );
    case 'use_dpop_nonce':
      return explain(
        'the server demands a DPoP nonce (the DPoP-Nonce header), and a proof with the latest one was refused',
        'run again; if it persists, the server hands out nonces it does not accept',
        'RFC 9449 §9',
      );
    case undefined:
      break;
    default:
      return explain(
        `the server returned the error code ${error}, which RFC 6750 and RFC 9449 do not define`,
        "the error_description and the API's documentation say more; run again with --verbose",
        'RFC 6750 §3',
      );
  }
  if (input.status === 401) {
    const offered = base.schemes.length > 0 ? ` (it offers ${base.schemes.join(', ')})` : '';
    if (input.sent === undefined) {
      return explain(
        `the server wants credentials and none were sent${offered}`,
        'pass --token <t>, or get one first: `oauth login` or `oauth token --grant client_credentials`',
        'RFC 6750 §3',
      );
    }
    return explain(
      `the server did not accept the credentials sent (${sentWhat(input.sent)}) and gave no reason${offered}`,
      refresh,
      'RFC 6750 §3',
    );
  }
  if (input.status === 403) {
    return explain(
      'the server understood the request but forbids it for this token',
      "check the token's scopes and audience with `oauth decode` or `oauth introspect`",
      'RFC 9110 §15.5.4',
    );
  }
  return explain(
    `the server answered HTTP ${input.status} with a challenge`,
    'run again with --verbose to see the exchange',
    'RFC 9110 §11.6.1',
  );
}
