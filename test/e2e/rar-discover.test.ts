// Rich authorization requests (RFC 9396) and the front- and back-channel facts of `discover`, end
// to end: the built CLI against `oauth server` (which offers payment_initiation and
// account_information) and small node:http servers that imitate what oidc-provider does not do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, record, serve, type TestServer } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
const PAYMENT = JSON.stringify([
  {
    type: 'payment_initiation',
    instructedAmount: { currency: 'EUR', amount: '12.50' },
    creditorName: 'Merchant A',
  },
]);
const ACCOUNTS = JSON.stringify([{ type: 'account_information', actions: ['read', 'list'] }]);
const UNSUPPORTED = JSON.stringify([{ type: 'wire_transfer', amount: '1000000' }]);

let server: OauthServer;
beforeAll(async () => {
  server = await startOauthServer();
});
afterAll(async () => {
  await server.stop();
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function httpServer(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  cleanup.push(() => s.close());
  return s;
}

/** The built-in confidential client `ci` (client credentials) of `oauth server`. */
function ciToken(args: string[], env: Record<string, string> = {}) {
  return runCli(
    [
      'token',
      '--grant',
      'client_credentials',
      '--issuer',
      server.issuer,
      '--client-id',
      'ci',
      '--scope',
      'api:read',
      ...args,
    ],
    { env: { OAUTH_CLIENT_SECRET: 'ci-secret', ...env }, timeoutMs: 30_000 },
  );
}

function login(args: string[]) {
  return runCli(
    [
      'login',
      '--issuer',
      server.issuer,
      '--client-id',
      'oauth-cli',
      '--scope',
      'openid api:read',
      ...args,
    ],
    { env: { OAUTH_CONFIG_DIR: tempConfigDir(), BROWSER, CI: '1' }, timeoutMs: 30_000 },
  );
}

describe('RAR: --authorization-details against oauth server', () => {
  it('token (client credentials): granted details in --json, in the JWT access token (decode) and in introspection', async () => {
    const run = await ciToken(['--authorization-details', ACCOUNTS, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { access_token: string; authorization_details: unknown };
    expect(doc.authorization_details).toEqual(JSON.parse(ACCOUNTS));

    const decoded = await runCli(['decode', doc.access_token]);
    expect(decoded.code).toBe(0);
    expect(decoded.stdout).toMatch(/authorization_details\s+\[\{"type":"account_information"/);
    expect(decoded.stdout).toContain('· account_information: actions read, list');
    expect(decoded.stdout).toContain('Authorization Details: fine-grained permissions');

    const introspected = await runCli(
      ['introspect', '--issuer', server.issuer, '--client-id', 'ci', doc.access_token],
      { env: { OAUTH_CLIENT_SECRET: 'ci-secret' } },
    );
    expect(introspected.code).toBe(0);
    expect(introspected.stdout).toContain('Active');
    expect(introspected.stdout).toContain('· account_information: actions read, list');
    const asJson = await runCli(
      ['introspect', '--json', '--issuer', server.issuer, '--client-id', 'ci', doc.access_token],
      { env: { OAUTH_CLIENT_SECRET: 'ci-secret' } },
    );
    expect(
      (JSON.parse(asJson.stdout) as { authorization_details: unknown }).authorization_details,
    ).toEqual(JSON.parse(ACCOUNTS));
  });

  it('@file: the details read from a file', async () => {
    const file = join(tempConfigDir(), 'rar.json');
    writeFileSync(file, `${PAYMENT}\n`);
    const run = await ciToken(['--authorization-details', `@${file}`, '--json']);
    expect(run.code).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { authorization_details: unknown }).authorization_details,
    ).toEqual(JSON.parse(PAYMENT));
  });

  it('login (code flow): the granted details in the human summary', async () => {
    const run = await login(['--authorization-details', PAYMENT]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Logged in.');
    expect(run.stdout).toMatch(
      /authorization details\s+payment_initiation: instructedAmount \{"currency":"EUR","amount":"12.50"\}; creditorName "Merchant A"/,
    );
  });

  it('login --par --json: the details pushed by PAR, granted in the token response', async () => {
    const run = await login(['--par', '--authorization-details', ACCOUNTS, '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc.authorization_details).toEqual(JSON.parse(ACCOUNTS));
    expect(doc.findings).toBeUndefined();
  });

  it('hostile: a type the server does not support is warned about first, and the refusal says why (token, login, PAR)', async () => {
    const warning =
      /^warning: the server's metadata does not list the authorization_details type "wire_transfer" in authorization_details_types_supported \(it lists payment_initiation, account_information\); the server may refuse it \(RFC 9396 §10\)$/m;
    const token = await ciToken(['--authorization-details', UNSUPPORTED]);
    expect(token.code).toBe(3);
    expect(token.stdout).toBe('');
    expect(token.stderr).toMatch(warning);
    expect(token.stderr).toMatch(
      /^error: the token endpoint returned invalid_authorization_details \(HTTP 400\) \("unsupported authorization details type value \(authorization details index 0\)"\): .*; the server's metadata does not list the authorization_details type "wire_transfer" in authorization_details_types_supported \(it lists payment_initiation, account_information\)$/m,
    );
    expect(token.stderr).toMatch(/^hint: check --authorization-details against/m);

    const code = await login(['--authorization-details', UNSUPPORTED]);
    expect(code.code).toBe(3);
    expect(code.stderr).toMatch(warning);
    expect(code.stderr).toMatch(
      /^error: the authorization endpoint returned invalid_authorization_details .*authorization_details_types_supported \(it lists payment_initiation, account_information\)$/m,
    );
    const par = await login(['--par', '--authorization-details', UNSUPPORTED]);
    expect(par.code).toBe(3);
    expect(par.stderr).toMatch(
      /^error: the pushed authorization request endpoint returned invalid_authorization_details \(HTTP 400\)/m,
    );
  });
});

describe('RAR: input checked before any request', () => {
  it.each([
    [
      '{"type":"payment_initiation"}',
      /^error: --authorization-details is an object, not a JSON array \(RFC 9396 §2\)$/m,
    ],
    [
      '[{"type":"payment_initiation"},{"actions":["read"]}]',
      /^error: element \[1\] of --authorization-details has no "type" \(RFC 9396 §2 requires it\)$/m,
    ],
    [
      '[{"type":"a"},"b"]',
      /^error: element \[1\] of --authorization-details is a string, not an object/m,
    ],
    ['[{"type":', /^error: --authorization-details is not JSON/m],
    [
      '@/nonexistent/rar.json',
      /^error: cannot read the authorization details file \/nonexistent\/rar.json \(ENOENT\)$/m,
    ],
  ])('%s is exit 2, nothing sent', async (value, message) => {
    const as = await record((_req, res) => json(res, {}, 500));
    cleanup.push(() => as.close());
    for (const args of [
      [
        'token',
        '--grant',
        'client_credentials',
        '--token-endpoint',
        `${as.url}/token`,
        '--client-id',
        'ci',
      ],
      ['login', '--issuer', as.url, '--client-id', 'app', '--no-browser'],
    ]) {
      const run = await runCli([...args, '--authorization-details', value], {
        env: { OAUTH_CLIENT_SECRET: 's', CI: '1' },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/^hint: /m);
    }
    expect(as.seen).toEqual([]);
  });

  it('token: --authorization-details without --grant is exit 2 with the flag to add', async () => {
    const run = await runCli(['token', '--authorization-details', ACCOUNTS]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: --authorization-details asks for a new token, but no --grant is given$/m,
    );
    expect(run.stderr).toMatch(/^hint: add --grant client_credentials/m);
  });
});

describe('RAR against node:http imitations', () => {
  it('a server that ignores the details: no list in its metadata, none in the token response: two warnings, exit 0', async () => {
    const as = await record((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, {
          issuer: base,
          token_endpoint: `${base}/token`,
          jwks_uri: `${base}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          grant_types_supported: ['client_credentials'],
        });
      }
      res.setHeader('cache-control', 'no-store');
      json(res, { access_token: 'opaque-token', token_type: 'Bearer', expires_in: 60 });
    });
    cleanup.push(() => as.close());
    const run = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        as.url,
        '--client-id',
        'ci',
        '--scope',
        'x',
        '--authorization-details',
        ACCOUNTS,
      ],
      { env: { OAUTH_CLIENT_SECRET: 's' } },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('opaque-token\n');
    expect(run.stderr).toMatch(
      /^warning: the server's metadata has no authorization_details_types_supported, so the authorization_details type "account_information" is not listed; it may not support RAR, and ignore or refuse it \(RFC 9396 §10\)$/m,
    );
    expect(run.stderr).toMatch(
      /^warning: authorization_details were asked for, but the token response has none: .* \(RFC 9396 §7\)$/m,
    );
    const sent = as.seen.find((r) => r.url === '/token');
    expect(new URLSearchParams(sent?.body).get('authorization_details')).toBe(ACCOUNTS);
  });
});

/** Metadata with every front- and back-channel fact, some of them wrong. */
function channelMetadata(base: string): Record<string, unknown> {
  return {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code', 'code id_token'],
    grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
    code_challenge_methods_supported: ['S256', 'plain'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'tls_client_auth'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    require_pushed_authorization_requests: true,
    require_signed_request_object: true,
    tls_client_certificate_bound_access_tokens: true,
    mtls_endpoint_aliases: {
      token_endpoint: 'https://mtls.example.com/token',
      revocation_endpoint: 'http://mtls.example.com/revoke',
    },
    backchannel_authentication_endpoint: `${base}/bc-authorize`,
    backchannel_token_delivery_modes_supported: ['ping'],
    backchannel_user_code_parameter_supported: true,
    dpop_signing_alg_values_supported: ['HS256'],
    authorization_details_types_supported: [],
  };
}

describe('discover: front- and back-channel facts', () => {
  it('oauth server: the RAR types and the flags are shown, no findings', async () => {
    const run = await runCli(['discover', server.issuer]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/RAR types\s+payment_initiation, account_information/);
    expect(run.stdout).toMatch(/DPoP algs\s+ES256/);
    expect(run.stdout).toMatch(/JAR required\s+no/);
    expect(run.stdout).toMatch(/mTLS tokens\s+no/);
    expect(run.stdout).toMatch(/Findings\n\s+none/);
  });

  it('node:http metadata: each wrong fact a finding with its reference; the aliases listed', async () => {
    const s = await httpServer((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') json(res, channelMetadata(base));
      else json(res, {}, 404);
    });
    const run = await runCli(['discover', s.url]);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/mTLS endpoint aliases\n\s+token\s+https:\/\/mtls.example.com\/token/);
    expect(out).toMatch(/CIBA delivery modes\s+ping/);
    expect(out).toMatch(/CIBA user code\s+yes/);
    expect(out).toMatch(/PAR required\s+yes/);
    for (const [code, ref] of [
      ['par_required_without_endpoint', 'RFC 9126 §5'],
      ['request_object_algs_missing', 'RFC 9101 §10.5, OIDC Discovery §3'],
      ['insecure_mtls_alias', 'RFC 8705 §5'],
      ['no_backchannel_poll_mode', 'OpenID CIBA Core §4, §5'],
      ['dpop_symmetric_alg', 'RFC 9449 §4.2, §5.1'],
      ['authorization_details_types_empty', 'RFC 9396 §10'],
    ] as const) {
      expect(out).toMatch(new RegExp(`\\(${ref.replace(/[.,§]/g, '.')}\\) \\[${code}\\]`));
    }
    expect(out).toContain('mtls_endpoint_aliases.revocation_endpoint is not https');
    const doc = JSON.parse((await runCli(['discover', s.url, '--json'])).stdout) as {
      findings: { code: string }[];
      lint?: unknown;
    };
    expect(doc.findings.map((f) => f.code)).toContain('dpop_symmetric_alg');
    expect(doc.lint).toBeUndefined();
  });

  it('--lint fapi2 against oauth server: PAR is not required (the rest of the metadata fits)', async () => {
    const run = await runCli(['discover', server.issuer, '--lint', 'fapi2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^FAPI 2\.0 Security Profile \(2\)$/m);
    expect(run.stdout).toMatch(
      /warning require_pushed_authorization_requests is not true: .* \(FAPI 2\.0 Security Profile §5\.3\.2\.2\) \[fapi2_par_not_required\]/,
    );
    const doc = JSON.parse(
      (await runCli(['discover', server.issuer, '--lint', 'fapi2', '--json'])).stdout,
    ) as { lint: { profile: string; findings: { code: string }[] } };
    expect(doc.lint.profile).toBe('fapi2');
    expect(doc.lint.findings.map((f) => f.code)).toEqual([
      'fapi2_par_not_required',
      'fapi2_not_in_metadata',
    ]);
  });

  it('--lint fapi2 against a node:http server far from FAPI 2.0: each gap an error with its section', async () => {
    const s = await httpServer((req, res, base) => {
      if (req.url !== '/.well-known/openid-configuration') return json(res, {}, 404);
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code', 'token', 'code id_token'],
        grant_types_supported: ['authorization_code', 'implicit', 'password'],
        code_challenge_methods_supported: ['plain'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'none'],
      });
    });
    const run = await runCli(['discover', s.url, '--lint', 'fapi2', '--json']);
    expect(run.code).toBe(0);
    const lint = (
      JSON.parse(run.stdout) as {
        lint: { findings: { code: string; level: string; ref: string }[] };
      }
    ).lint;
    const errors = lint.findings.filter((f) => f.level === 'error');
    expect(errors.map((f) => f.code).sort()).toEqual(
      [
        'fapi2_alg_none',
        'fapi2_algorithms',
        'fapi2_client_auth',
        'fapi2_implicit_or_hybrid',
        'fapi2_no_iss',
        'fapi2_no_par',
        'fapi2_no_pkce_s256',
        'fapi2_not_sender_constrained',
        'fapi2_password_grant',
      ].sort(),
    );
    expect(
      errors.every((f) => /^FAPI 2\.0 Security Profile §5\.(3\.2\.[12]|4\.1)$/.test(f.ref)),
    ).toBe(true);
    const human = await runCli(['discover', s.url, '--lint', 'fapi2']);
    expect(human.stdout).toMatch(
      /error\s+neither DPoP .* sender-constrained access tokens \(FAPI 2\.0 Security Profile §5\.3\.2\.1\) \[fapi2_not_sender_constrained\]/,
    );
  });
});
