// Mutual TLS (RFC 8705) end to end: the built CLI against `oauth server --mtls` (tls_client_auth,
// self_signed_tls_client_auth, certificate-bound tokens) and against node:https imitations for
// what oidc-provider does not offer (mtls_endpoint_aliases) or does not do (demand a certificate).
import { execFileSync } from 'node:child_process';
import { X509Certificate, hash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, proxy, selfSignedCert, serve } from '../http/serve.js';
import { opensslPath, SERIAL_FILE_FAILURE } from '../helpers/openssl.js';

interface MtlsPaths {
  ca: string;
  client_cert: string;
  client_key: string;
  self_signed_cert: string;
  self_signed_key: string;
}

const thumbprint = (file: string) =>
  hash('sha256', new X509Certificate(readFileSync(file)).raw, 'base64url');

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('oauth server --mtls', () => {
  let server: OauthServer;
  let paths: MtlsPaths;
  let env: Record<string, string>;
  const pki = () => ['--client-cert', paths.client_cert, '--client-key', paths.client_key];
  const selfSigned = () => [
    '--client-cert',
    paths.self_signed_cert,
    '--client-key',
    paths.self_signed_key,
  ];
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra }, timeoutMs: 30_000 });
  const token = (client: string, cert: string[], extra: string[] = []) =>
    cli([
      'token',
      '--issuer',
      server.issuer,
      '--client-id',
      client,
      ...cert,
      '--grant',
      'client_credentials',
      '--scope',
      'api:read',
      '--force',
      ...extra,
    ]);

  beforeAll(async () => {
    server = await startOauthServer(['--mtls', '--json'], { timeoutMs: 30_000 });
    paths = (server.info as unknown as { mtls: MtlsPaths }).mtls;
    env = { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CACERT: paths.ca };
  }, 40_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('starts on https with its CA, certificates and both mTLS clients, and lists the methods', async () => {
    expect(server.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.info?.clients.map((c) => c.client_id)).toEqual([
      'oauth-cli',
      'ci',
      'mtls',
      'mtls-self',
    ]);
    expect(new X509Certificate(readFileSync(paths.client_cert)).subject).toBe('CN=mtls');
    const discovered = await cli(['discover', '--json', '--issuer', server.issuer]);
    expect(discovered.code).toBe(0);
    const metadata = (JSON.parse(discovered.stdout) as { metadata: Record<string, unknown> })
      .metadata;
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']),
    );
    expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
  });

  it('tls_client_auth: a token bound to the certificate, explained, verified, used, introspected and revoked with it', async () => {
    const got = await token('mtls', pki());
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const access = got.stdout.trim();
    expect(payloadOf(access).cnf).toEqual({ 'x5t#S256': thumbprint(paths.client_cert) });

    const decoded = await cli(['decode', '--json', access]);
    expect(decoded.code).toBe(0);
    const findings = (JSON.parse(decoded.stdout) as { findings: { code: string }[] }).findings;
    expect(findings.map((f) => f.code)).toContain('certificate_bound');

    const verified = await cli([
      'verify',
      '--issuer',
      server.issuer,
      '--client-cert',
      paths.client_cert,
      access,
    ]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/✓ cnf +x5t#S256 \S+ is the thumbprint of /);
    const other = await cli([
      'verify',
      '--issuer',
      server.issuer,
      '--client-cert',
      paths.self_signed_cert,
      access,
    ]);
    expect(other.code).toBe(4);
    expect(other.stdout).toMatch(/✗ cnf .* the token is bound to another certificate/);

    const called = await cli(['call', '--token', access, ...pki(), `${server.issuer}/api/me`]);
    expect(called.code).toBe(0);
    expect(JSON.parse(called.stdout)).toMatchObject({ client_id: 'mtls' });

    const introspected = await cli([
      'introspect',
      '--json',
      '--issuer',
      server.issuer,
      '--client-id',
      'mtls',
      ...pki(),
      access,
    ]);
    expect(introspected.code).toBe(0);
    expect(JSON.parse(introspected.stdout)).toMatchObject({
      active: true,
      cnf: { 'x5t#S256': thumbprint(paths.client_cert) },
    });

    const revoked = await cli([
      'revoke',
      '--issuer',
      server.issuer,
      '--client-id',
      'mtls',
      ...pki(),
      access,
    ]);
    expect(revoked.code).toBe(0);
    const after = await cli(['call', '--token', access, ...pki(), `${server.issuer}/api/me`]);
    expect(after.code).toBe(7);
  }, 60_000);

  it('login --par with tls_client_auth: PAR and the code exchange over mTLS, a bound token that `call` presents', async () => {
    const config = tempConfigDir();
    const browser = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
    const run = await cli(
      [
        'login',
        '--verbose',
        '--issuer',
        server.issuer,
        '--client-id',
        'mtls',
        ...pki(),
        '--scope',
        'openid api:read',
        '--par',
        '--browser',
        browser,
        '--wait',
        '60',
      ],
      // The stand-in browser (node fetch) trusts the server's CA this way.
      { OAUTH_CONFIG_DIR: config, NODE_EXTRA_CA_CERTS: paths.ca },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`POST ${server.issuer}/request`);
    expect(run.stderr).toMatch(/\/auth\?client_id=mtls&request_uri=urn/);
    const called = await cli(['call', ...pki(), `${server.issuer}/api/me`], {
      OAUTH_CONFIG_DIR: config,
    });
    expect(called.code).toBe(0);
    expect(JSON.parse(called.stdout)).toMatchObject({
      sub: 'alice',
      client_id: 'mtls',
      cnf: { 'x5t#S256': thumbprint(paths.client_cert) },
    });
    // The cached token without the certificate: refused before it is sent.
    const bare = await cli(['call', `${server.issuer}/api/me`], { OAUTH_CONFIG_DIR: config });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(
      'error: the cached access token is bound to a client certificate',
    );
  }, 90_000);

  it('hostile: a bound token without its certificate (or with another) is refused before it is sent', async () => {
    const access = (await token('mtls', pki())).stdout.trim();
    const api = await serve((_req, res) => json(res, { reached: true }));
    try {
      const bare = await cli(['call', '--token', access, `${api.url}/api/me`]);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain(
        'error: the --token is bound to a client certificate (cnf.x5t#S256',
      );
      expect(bare.stderr).toContain('and no certificate was given; it was not sent');
      expect(bare.stderr).toContain('hint: pass --client-cert <pem> and --client-key <pem>');
      const wrong = await cli(['call', '--token', access, ...selfSigned(), `${api.url}/api/me`]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('is bound to another certificate');
      expect(api.requests).toEqual([]);
    } finally {
      await api.close();
    }
    // The resource refuses it too, had it been sent (the server's own check, RFC 8705 §3).
    const raw = await cli([
      'call',
      '-H',
      `Authorization: Bearer ${access}`,
      `${server.issuer}/api/me`,
    ]);
    expect(raw.code).toBe(7);
    expect(raw.stderr).toContain('bound to a client certificate that this request did not present');
  }, 60_000);

  it('through an HTTPS_PROXY tunnel the certificate still reaches the server (end to end)', async () => {
    const tunnel = await proxy();
    try {
      const got = await cli(
        [
          'token',
          '--token-endpoint',
          `${server.issuer}/token`,
          '--client-id',
          'mtls',
          ...pki(),
          '--grant',
          'client_credentials',
          '--scope',
          'api:read',
          '--force',
        ],
        { HTTPS_PROXY: tunnel.url, NO_PROXY: '' },
      );
      expect(got.stderr).toBe('');
      expect(got.code).toBe(0);
      expect(payloadOf(got.stdout.trim()).cnf).toEqual({
        'x5t#S256': thumbprint(paths.client_cert),
      });
      expect(tunnel.requests).toEqual([`CONNECT ${new URL(server.issuer).host}`]);
    } finally {
      await tunnel.close();
    }
  }, 60_000);

  it('self_signed_tls_client_auth with a PKCS#12 file and its password file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-p12-'));
    const p12 = join(dir, 'client.p12');
    const password = join(dir, 'password');
    writeFileSync(password, 'p12-password\n');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-in',
      paths.self_signed_cert,
      '-inkey',
      paths.self_signed_key,
      '-out',
      p12,
      '-passout',
      'pass:p12-password',
    ]);
    const got = await token('mtls-self', [
      '--client-cert',
      p12,
      '--client-cert-password-file',
      password,
    ]);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(payloadOf(got.stdout.trim()).cnf).toEqual({
      'x5t#S256': thumbprint(paths.self_signed_cert),
    });

    writeFileSync(password, 'wrong\n');
    const bad = await token('mtls-self', [
      '--client-cert',
      p12,
      '--client-cert-password-file',
      password,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`error: the password for ${p12} is wrong`);
  }, 60_000);

  it('hostile: no certificate is a local error; another certificate is the server refusing the client', async () => {
    const none = await token('mtls', [], ['--auth-method', 'tls_client_auth']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'error: client authentication tls_client_auth needs a client certificate',
    );
    const other = await token('mtls-self', pki());
    const unregistered = await token('mtls-self', pki(), [
      '--auth-method',
      'self_signed_tls_client_auth',
    ]);
    expect(unregistered.code).toBe(3);
    expect(unregistered.stderr).toContain(
      "hint: check --client-id and --client-cert: self_signed_tls_client_auth needs the certificate registered in the client's JWKS",
    );
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('invalid_client');
    expect(other.stderr).toContain(
      'hint: check --client-id and --client-cert: tls_client_auth needs a certificate from a CA the server trusts, with the subject registered for the client (one registered with a self-signed certificate: --auth-method self_signed_tls_client_auth)',
    );
  }, 60_000);
});

interface Imitation {
  url: string;
  /** "METHOD /path" and the SHA-256 of the client certificate presented ('-' for none). */
  seen: string[];
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 that asks for client certificates (never demands unless told). */
async function imitation(
  handler: (req: IncomingMessage, res: ServerResponse, base: string) => void,
  demand = false,
): Promise<Imitation & { ca: string }> {
  const { certFile, keyFile } = selfSignedCert();
  const seen: string[] = [];
  let base = '';
  const server: Server = createServer(
    {
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      requestCert: true,
      rejectUnauthorized: demand,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      seen.push(`${req.method} ${req.url} ${peer ? hash('sha256', peer.raw, 'base64url') : '-'}`);
      handler(req, res, base);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    seen,
    ca: certFile,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('mTLS against imitations', () => {
  let certs: { cert: string; key: string };
  beforeAll(() => {
    const { certFile, keyFile } = selfSignedCert();
    certs = { cert: certFile, key: keyFile };
  });

  it('mtls_endpoint_aliases (RFC 8705 §5): with a certificate the token and introspection requests go to the aliases, with it', async () => {
    const server = await imitation((req, res, base) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/.well-known/oauth-authorization-server') {
        return json(res, {
          issuer: base,
          token_endpoint: `${base}/token`,
          introspection_endpoint: `${base}/introspect`,
          token_endpoint_auth_methods_supported: ['self_signed_tls_client_auth'],
          mtls_endpoint_aliases: {
            token_endpoint: `${base}/mtls/token`,
            introspection_endpoint: `${base}/mtls/introspect`,
          },
        });
      }
      if (path === '/mtls/token') {
        return json(res, { access_token: 'opaque-at', token_type: 'Bearer', expires_in: 60 });
      }
      if (path === '/mtls/introspect') return json(res, { active: true, client_id: 'app' });
      json(res, { error: 'invalid_client' }, 401);
    });
    const env = { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CACERT: server.ca };
    const common = ['--issuer', server.url, '--client-id', 'app'];
    try {
      const got = await runCli(
        [
          'token',
          ...common,
          '--grant',
          'client_credentials',
          '--scope',
          'a',
          '--client-cert',
          certs.cert,
        ],
        { env: { ...env, OAUTH_CLIENT_KEY: certs.key } },
      );
      expect(got.stderr).toBe('');
      expect(got.code).toBe(0);
      expect(got.stdout.trim()).toBe('opaque-at');
      const looked = await runCli(['introspect', ...common, 'opaque-at'], {
        env: { ...env, OAUTH_CLIENT_CERT: certs.cert, OAUTH_CLIENT_KEY: certs.key },
      });
      expect(looked.code).toBe(0);
      const print = thumbprint(certs.cert);
      // The documents are fetched without the certificate; the endpoints get it, at their aliases.
      expect(
        server.seen.filter((line) => line.startsWith('GET')).every((l) => l.endsWith(' -')),
      ).toBe(true);
      expect(server.seen.filter((line) => !line.startsWith('GET'))).toEqual([
        `POST /mtls/token ${print}`,
        `POST /mtls/introspect ${print}`,
      ]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('a server that demands a client certificate: the closed connection says so', async () => {
    const server = await imitation((_req, res) => json(res, {}), true);
    const run = (extra: string[]) =>
      runCli(
        [
          'token',
          '--token-endpoint',
          `${server.url}/token`,
          '--client-id',
          'app',
          '--grant',
          'client_credentials',
          '--scope',
          'a',
          ...extra,
        ],
        { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CACERT: server.ca } },
      );
    try {
      // TLS 1.3: the server closes the connection after the handshake; no alert reaches us.
      const bare = await run(['--auth-method', 'none']);
      expect(bare.code).toBe(5);
      expect(bare.stderr).toContain('closed the connection before answering');
      expect(bare.stderr).toContain(
        'a server that demands a client certificate (mutual TLS) does this too: then pass --client-cert <pem> and --client-key <pem>',
      );
      // A self-signed certificate the server does not trust.
      const untrusted = await run(['--client-cert', certs.cert, '--client-key', certs.key]);
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toContain(
        `if the server refused the client certificate ${certs.cert}, pass one it trusts`,
      );
      expect(server.seen).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('oauth server --mtls without a working openssl', () => {
  const server = (args: string[], script?: string) => {
    const fake = opensslPath(script);
    return runCli(['server', '--port', '0', '--mtls', ...args], {
      env: { PATH: fake.dir },
    }).finally(fake.remove);
  };

  it('one that fails: exit 2 before listening, its own words and a hint, no stack; --json says it on stdout', async () => {
    const run = await server([], SERIAL_FILE_FAILURE);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: openssl could not make the --mtls certificates: Unable to load number from ca.srl\n' +
        'hint: check that `openssl version` says OpenSSL 1.1.1 or later (P-256 keys), then try again; --debug shows the command\n',
    );
    const json = await server(['--json'], SERIAL_FILE_FAILURE);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: 'openssl_failed',
        message:
          'openssl could not make the --mtls certificates: Unable to load number from ca.srl',
        hint: 'check that `openssl version` says OpenSSL 1.1.1 or later (P-256 keys), then try again; --debug shows the command',
      },
    });
    const debug = await server(['--debug'], SERIAL_FILE_FAILURE);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toContain('Command failed: openssl req -x509 ');
  });

  it('none on the PATH: exit 2, and how to install it', async () => {
    const run = await server([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --mtls needs the openssl binary to make its certificates, and it is not on the PATH\n' +
        'hint: install openssl (apt-get install openssl, brew install openssl) and try again\n',
    );
  });
});
