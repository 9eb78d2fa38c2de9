// The metadata facts of PAR, JAR, mTLS, CIBA, DPoP and RAR (findingsFor), and `--lint fapi2`
// (FAPI 2.0 Security Profile §5.3.2, §5.4.1), in process.
import { describe, expect, it } from 'vitest';
import { findingsFor, type Metadata } from '../../src/oauth/discovery.js';
import { fapi2Findings } from '../../src/oauth/fapi2.js';

const ISSUER = 'https://as.example';

/** What a FAPI 2.0 server publishes. */
function fapi(extra: Record<string, unknown> = {}): Metadata {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    pushed_authorization_request_endpoint: `${ISSUER}/par`,
    jwks_uri: `${ISSUER}/jwks`,
    require_pushed_authorization_requests: true,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'],
    dpop_signing_alg_values_supported: ['ES256', 'PS256'],
    id_token_signing_alg_values_supported: ['PS256', 'ES256'],
    subject_types_supported: ['public'],
    ...extra,
  };
}

const codes = (findings: { code: string }[]) => findings.map((f) => f.code);

describe('fapi2Findings', () => {
  it('a FAPI 2.0 server: only the note about what metadata cannot show', () => {
    expect(codes(fapi2Findings(fapi()))).toEqual(['fapi2_not_in_metadata']);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'no PAR endpoint',
      { pushed_authorization_request_endpoint: undefined },
      'fapi2_no_par',
      '§5.3.2.2',
    ],
    [
      'PAR not required',
      { require_pushed_authorization_requests: false },
      'fapi2_par_not_required',
      '§5.3.2.2',
    ],
    ['no S256', { code_challenge_methods_supported: ['plain'] }, 'fapi2_no_pkce_s256', '§5.3.2.2'],
    [
      'plain offered',
      { code_challenge_methods_supported: ['S256', 'plain'] },
      'fapi2_pkce_plain',
      '§5.3.2.2',
    ],
    [
      'no iss',
      { authorization_response_iss_parameter_supported: false },
      'fapi2_no_iss',
      '§5.3.2.2',
    ],
    [
      'bearer only',
      { dpop_signing_alg_values_supported: undefined },
      'fapi2_not_sender_constrained',
      '§5.3.2.1',
    ],
    [
      'secrets only',
      { token_endpoint_auth_methods_supported: ['client_secret_basic'] },
      'fapi2_client_auth',
      '§5.3.2.1',
    ],
    [
      'hybrid',
      { response_types_supported: ['code', 'code id_token'] },
      'fapi2_implicit_or_hybrid',
      '§5.3.2.1',
    ],
    [
      'implicit grant',
      { grant_types_supported: ['authorization_code', 'implicit'] },
      'fapi2_implicit_or_hybrid',
      '§5.3.2.1',
    ],
    [
      'password',
      { grant_types_supported: ['authorization_code', 'password'] },
      'fapi2_password_grant',
      '§5.3.2.1',
    ],
    [
      'RS256 only',
      { id_token_signing_alg_values_supported: ['RS256'] },
      'fapi2_algorithms',
      '§5.4.1',
    ],
    [
      'none',
      { id_token_signing_alg_values_supported: ['ES256', 'none'] },
      'fapi2_alg_none',
      '§5.4.1',
    ],
  ])('%s', (_name, change, code, section) => {
    const found = fapi2Findings(fapi(change)).find((f) => f.code === code);
    expect(found?.ref).toBe(`FAPI 2.0 Security Profile ${section}`);
    expect(found?.level).toBe(
      code === 'fapi2_par_not_required' || code === 'fapi2_pkce_plain' ? 'warning' : 'error',
    );
  });

  it('certificate-bound tokens are sender-constrained too', () => {
    const mtls = fapi({
      dpop_signing_alg_values_supported: undefined,
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(codes(fapi2Findings(mtls))).not.toContain('fapi2_not_sender_constrained');
  });
});

describe('findingsFor: front- and back-channel metadata', () => {
  const findings = (extra: Record<string, unknown>) =>
    findingsFor(fapi(extra), 'openid-configuration');

  it('a FAPI 2.0 server has none', () => {
    expect(findings({})).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'PAR required, no endpoint',
      { pushed_authorization_request_endpoint: undefined },
      'par_required_without_endpoint',
    ],
    [
      'a flag that is no boolean',
      { require_signed_request_object: 'yes' },
      'invalid_metadata_field',
    ],
    [
      'JAR required, no algorithms',
      { require_signed_request_object: true },
      'request_object_algs_missing',
    ],
    [
      'JAR required, only none',
      {
        require_signed_request_object: true,
        request_object_signing_alg_values_supported: ['none'],
      },
      'request_object_unsigned_only',
    ],
    [
      'mTLS alias over http',
      { mtls_endpoint_aliases: { token_endpoint: 'http://mtls.as.example/token' } },
      'insecure_mtls_alias',
    ],
    [
      'mTLS alias not a URL',
      { mtls_endpoint_aliases: { token_endpoint: 'token' } },
      'invalid_mtls_alias',
    ],
    ['mTLS aliases an array', { mtls_endpoint_aliases: ['https://x'] }, 'invalid_metadata_field'],
    [
      'an unknown alias',
      { mtls_endpoint_aliases: { foo_endpoint: 'https://mtls.as.example/foo' } },
      'unknown_mtls_alias',
    ],
    [
      'CIBA grant, no endpoint',
      { grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba'] },
      'missing_backchannel_authentication_endpoint',
    ],
    [
      'CIBA endpoint, no modes',
      {
        backchannel_authentication_endpoint: `${ISSUER}/bc`,
        grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
      },
      'missing_backchannel_token_delivery_modes',
    ],
    [
      'CIBA endpoint, grant not listed',
      {
        backchannel_authentication_endpoint: `${ISSUER}/bc`,
        backchannel_token_delivery_modes_supported: ['poll'],
      },
      'ciba_grant_not_listed',
    ],
    [
      'CIBA push only',
      {
        backchannel_authentication_endpoint: `${ISSUER}/bc`,
        backchannel_token_delivery_modes_supported: ['push'],
        grant_types_supported: ['urn:openid:params:grant-type:ciba'],
      },
      'no_backchannel_poll_mode',
    ],
    [
      'CIBA unknown mode',
      {
        backchannel_authentication_endpoint: `${ISSUER}/bc`,
        backchannel_token_delivery_modes_supported: ['poll', 'fax'],
        grant_types_supported: ['urn:openid:params:grant-type:ciba'],
      },
      'unknown_backchannel_delivery_mode',
    ],
    ['DPoP HS256', { dpop_signing_alg_values_supported: ['ES256', 'HS256'] }, 'dpop_symmetric_alg'],
    ['DPoP empty', { dpop_signing_alg_values_supported: [] }, 'dpop_algs_empty'],
    ['DPoP without ES256', { dpop_signing_alg_values_supported: ['PS256'] }, 'dpop_es256_missing'],
    [
      'RAR types empty',
      { authorization_details_types_supported: [] },
      'authorization_details_types_empty',
    ],
  ])('%s', (_name, change, code) => {
    const found = findings(change).find((f) => f.code === code);
    expect(found, JSON.stringify(findings(change))).toBeDefined();
    expect(found?.ref).toMatch(/RFC|CIBA/);
  });
});
