// JWT-Secured Authorization Requests (RFC 9101): the authorization request's parameters as a
// request object signed with the client's private key, sent by value (`request=`, §5.1) or pushed
// with PAR (RFC 9126 §3); the browser then gets only client_id and request (or request_uri).
import { usageError } from '../errors.js';
import { clientSigningKey, type ClientAuth } from './client-auth.js';

/** RFC 9101 §10.8: the media type of a request object, in its `typ` header. */
export const REQUEST_OBJECT_TYP = 'oauth-authz-req+jwt';

/** Seconds a request object stays valid: the user may take a while at the login page. */
const REQUEST_OBJECT_LIFETIME = 300;

/** OIDC Core §6.1: claims that are numbers in a request object, not strings. */
const NUMERIC = new Set(['max_age']);

/**
 * Whether the request goes as a request object: asked for, or (RFC 9101 §10.5)
 * require_signed_request_object in the server's metadata. 'required' means the metadata decided.
 */
export function requestObjectUse(
  asked: boolean,
  metadata: Record<string, unknown> | undefined,
): 'asked' | 'required' | undefined {
  if (asked) return 'asked';
  return metadata?.require_signed_request_object === true ? 'required' : undefined;
}

/**
 * The request object's claims: every parameter (a repeated one as an array), iss = client_id,
 * aud = the issuer (RFC 9101 §4), and exp, nbf, iat, jti (FAPI 2.0 asks for nbf and exp).
 */
export function requestObjectClaims(
  params: URLSearchParams,
  input: { clientId: string; audience: string; nowMs: number; jti: string },
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    const first = values[0] ?? '';
    claims[name] =
      values.length > 1 ? values : NUMERIC.has(name) && /^\d+$/.test(first) ? Number(first) : first;
  }
  const now = Math.floor(input.nowMs / 1000);
  return {
    ...claims,
    client_id: input.clientId,
    iss: input.clientId,
    aud: input.audience,
    iat: now,
    nbf: now,
    exp: now + REQUEST_OBJECT_LIFETIME,
    jti: input.jti,
  };
}

/**
 * The signed request object, and the parameters that carry it: client_id and request (RFC 9101
 * §5: the server uses only what is inside; client_id is repeated outside so it can find the key).
 */
export async function requestObjectParameters(
  params: URLSearchParams,
  client: ClientAuth,
  audience: string,
  nowMs: number,
): Promise<URLSearchParams> {
  if (!client.privateKey) {
    throw usageError(
      'request_object_key_missing',
      'a signed request object (--request-object, or require_signed_request_object in the metadata) needs the private key of the client',
      'pass --private-key <file> (PEM or JWK; OAUTH_PRIVATE_KEY) with the key registered for this client',
    );
  }
  const signing = await clientSigningKey(client.privateKey, client.keyId);
  const claims = requestObjectClaims(params, {
    clientId: client.clientId,
    audience,
    nowMs,
    jti: crypto.randomUUID(),
  });
  const { SignJWT } = await import('jose');
  const header = { alg: signing.alg, typ: REQUEST_OBJECT_TYP };
  const request = await new SignJWT(claims)
    .setProtectedHeader(signing.kid === undefined ? header : { ...header, kid: signing.kid })
    .sign(signing.key);
  return new URLSearchParams({ client_id: client.clientId, request });
}
