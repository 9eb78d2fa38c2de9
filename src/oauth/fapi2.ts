// `oauth discover --lint fapi2`: what a client of the FAPI 2.0 Security Profile (OpenID Foundation,
// Final, February 2025) needs from an authorization server, as far as its metadata shows it.
import type { Finding } from '../findings.js';
import { stringList, type Metadata } from './discovery.js';

const AS_GENERAL = 'FAPI 2.0 Security Profile §5.3.2.1';
const AS_CODE_FLOW = 'FAPI 2.0 Security Profile §5.3.2.2';
const ALGORITHMS_REF = 'FAPI 2.0 Security Profile §5.4.1';

/** §5.4.1: the only JWS algorithms for JWTs created or processed. */
const FAPI_ALGS = ['PS256', 'ES256', 'EdDSA'];
/** §5.3.2.1: client authentication by MTLS (RFC 8705 §2) or private_key_jwt (OIDC Core §9). */
const FAPI_AUTH = ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];
const ALG_LISTS = [
  'id_token_signing_alg_values_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'request_object_signing_alg_values_supported',
  'dpop_signing_alg_values_supported',
  'authorization_signing_alg_values_supported',
  'introspection_signing_alg_values_supported',
];

/** The lint's findings: an error where the metadata rules out a FAPI 2.0 client. */
export function fapi2Findings(metadata: Metadata): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], code: string, message: string, ref: string) =>
    findings.push({ level, code: `fapi2_${code}`, message, ref });

  // §5.3.2.2: client-authenticated PAR, and authorization requests without it refused.
  if (typeof metadata.pushed_authorization_request_endpoint !== 'string') {
    add(
      'error',
      'no_par',
      'no pushed_authorization_request_endpoint: a FAPI 2.0 client sends every authorization request by PAR',
      AS_CODE_FLOW,
    );
  } else if (metadata.require_pushed_authorization_requests !== true) {
    add(
      'warning',
      'par_not_required',
      'require_pushed_authorization_requests is not true: requests without PAR must be refused (the server may require it per client)',
      AS_CODE_FLOW,
    );
  }

  // §5.3.2.2: PKCE with S256.
  const pkce = stringList(metadata, 'code_challenge_methods_supported');
  if (!pkce?.includes('S256')) {
    add(
      'error',
      'no_pkce_s256',
      pkce === undefined
        ? 'code_challenge_methods_supported is absent: PKCE with S256 is required'
        : `code_challenge_methods_supported lacks S256 (${pkce.join(', ') || 'empty'})`,
      AS_CODE_FLOW,
    );
  }
  if (pkce?.includes('plain')) {
    add(
      'warning',
      'pkce_plain',
      'PKCE "plain" is offered: FAPI 2.0 requires S256 as the code challenge method',
      AS_CODE_FLOW,
    );
  }

  // §5.3.2.2: iss in the authorization response (RFC 9207).
  if (metadata.authorization_response_iss_parameter_supported !== true) {
    add(
      'error',
      'no_iss',
      'authorization_response_iss_parameter_supported is not true: FAPI 2.0 requires iss in the authorization response, as RFC 9207 defines it',
      AS_CODE_FLOW,
    );
  }

  // §5.3.2.1: sender-constrained access tokens only, by DPoP or MTLS.
  const dpop = stringList(metadata, 'dpop_signing_alg_values_supported') ?? [];
  const mtlsBound = metadata.tls_client_certificate_bound_access_tokens === true;
  if (dpop.length === 0 && !mtlsBound) {
    add(
      'error',
      'not_sender_constrained',
      'neither DPoP (dpop_signing_alg_values_supported) nor certificate-bound tokens (tls_client_certificate_bound_access_tokens) are offered: FAPI 2.0 issues only sender-constrained access tokens',
      AS_GENERAL,
    );
  }

  // §5.3.2.1: client authentication by MTLS or private_key_jwt.
  const methods = stringList(metadata, 'token_endpoint_auth_methods_supported') ?? [
    'client_secret_basic',
  ];
  if (!methods.some((m) => FAPI_AUTH.includes(m))) {
    add(
      'error',
      'client_auth',
      `token_endpoint_auth_methods_supported (${methods.join(', ') || 'empty'}) has none of ${FAPI_AUTH.join(', ')}`,
      AS_GENERAL,
    );
  }

  // §5.3.2.1: no implicit grant, no hybrid flow, no password grant.
  const responseTypes = stringList(metadata, 'response_types_supported') ?? [];
  const frontChannelTokens = responseTypes.filter((t) =>
    t.split(' ').some((part) => part === 'token' || part === 'id_token'),
  );
  const grants = stringList(metadata, 'grant_types_supported');
  if (frontChannelTokens.length > 0 || grants?.includes('implicit')) {
    const what = [
      ...frontChannelTokens.map((t) => `response type "${t}"`),
      ...(grants?.includes('implicit') ? ['grant type "implicit"'] : []),
    ];
    add(
      'error',
      'implicit_or_hybrid',
      `${what.join(', ')} offered: FAPI 2.0 servers reject the implicit grant and the hybrid flow (response type code only)`,
      AS_GENERAL,
    );
  }
  if (grants?.includes('password')) {
    add(
      'error',
      'password_grant',
      'the password grant is offered: FAPI 2.0 servers reject it',
      AS_GENERAL,
    );
  }

  // §5.4.1: PS256, ES256 or EdDSA; never none.
  for (const key of ALG_LISTS) {
    const algs = stringList(metadata, key);
    if (algs === undefined || algs.length === 0) continue;
    if (algs.some((alg) => alg.toLowerCase() === 'none')) {
      add('error', 'alg_none', `${key} includes "none"`, ALGORITHMS_REF);
    }
    if (!algs.some((alg) => FAPI_ALGS.includes(alg))) {
      add(
        'error',
        'algorithms',
        `${key} (${algs.join(', ')}) has none of ${FAPI_ALGS.join(', ')}`,
        ALGORITHMS_REF,
      );
    }
  }

  add(
    'info',
    'not_in_metadata',
    'metadata cannot show the rest of FAPI 2.0: TLS 1.2+ with the listed cipher suites, codes valid at most 60 seconds, request_uri lifetimes under 600 seconds, key sizes; test those with a conformance suite',
    'FAPI 2.0 Security Profile §5.2, §5.3.2, §5.4',
  );
  return findings;
}
