// The values a command cannot do without (README "Server and client options"): every one that is
// missing is named in one error, each with its flag and environment variable, before any request.
import { usageError, type CliError } from '../errors.js';

/** A missing value: its stable code, its name with where it comes from, and how to give it. */
export interface Missing {
  /** The error code when it is the only one missing (issuer_missing, client_id_missing, ...). */
  code: string;
  /** "no issuer given": the message when it is the only one missing. */
  message: string;
  /** The hint when it is the only one missing. */
  hint: string;
  /** "the issuer (--issuer or OAUTH_ISSUER, or --token-endpoint)": its part of the combined message. */
  label: string;
  /** "--issuer <url>": its part of the combined hint. */
  give: string;
  /** OAUTH_ISSUER: its part of the combined hint, when a variable sets it. */
  env?: string | undefined;
}

/** The client id, or undefined when one is given. */
export function missingClientId(clientId: string | undefined): Missing | undefined {
  if (clientId !== undefined && clientId !== '') return undefined;
  return {
    code: 'client_id_missing',
    message: 'no client id given',
    hint: 'pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one)',
    label: 'the client id (--client-id or OAUTH_CLIENT_ID)',
    give: '--client-id <id>',
    env: 'OAUTH_CLIENT_ID',
  };
}

/** Grant parameters that only --param gives (RFC 8693 §2.1, RFC 7523 §2.1). */
export function missingGrantParameters(
  grant: string,
  names: readonly string[],
): Missing | undefined {
  if (names.length === 0) return undefined;
  const give = names.map((name) => `--param ${name}=...`).join(' ');
  return {
    code: 'grant_parameter_missing',
    message: `the ${grant} grant needs ${names.join(' and ')}`,
    hint: `pass ${give}`,
    label: `${names.join(' and ')} for the ${grant} grant (${give})`,
    give,
  };
}

/**
 * One error for everything missing: a single value keeps its own code, message and hint; several
 * are `values_missing`, naming each in one line.
 */
export function missingError(all: readonly (Missing | undefined)[]): CliError | undefined {
  const missing = all.filter((m) => m !== undefined);
  const [first, ...rest] = missing;
  if (first === undefined) return undefined;
  if (rest.length === 0) return usageError(first.code, first.message, first.hint);
  const envs = missing.flatMap((m) => (m.env === undefined ? [] : [m.env]));
  const orSet = envs.length === 0 ? '' : ` (or set ${envs.join(' and ')})`;
  return usageError(
    'values_missing',
    `missing: ${missing.map((m) => m.label).join(', ')}`,
    `pass ${missing.map((m) => m.give).join(' ')}${orSet}, or use a --profile that has them`,
  );
}

/** Exit 2 naming every missing value at once; nothing when all are there. */
export function requireValues(all: readonly (Missing | undefined)[]): void {
  const error = missingError(all);
  if (error !== undefined) throw error;
}
