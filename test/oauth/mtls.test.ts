// Mutual TLS (RFC 8705): the certificate loaded and checked, its thumbprint, the endpoint
// aliases (§5), bound tokens (§3), and the mTLS client authentication methods (§2).
import { execFileSync } from 'node:child_process';
import { X509Certificate, hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyClientAuth,
  chooseAuthMethod,
  endpointFor,
  type ClientAuth,
} from '../../src/oauth/client-auth.js';
import {
  checkBinding,
  loadClientCertificate,
  mtlsAliases,
  tokenThumbprint,
  type ClientCertificate,
} from '../../src/oauth/mtls.js';
import { selfSignedCert } from '../http/serve.js';

let cert: string;
let key: string;
let other: { certFile: string; keyFile: string };
let print: string;

beforeAll(() => {
  ({ certFile: cert, keyFile: key } = selfSignedCert());
  other = selfSignedCert();
  print = hash('sha256', new X509Certificate(readFileSync(cert)).raw, 'base64url');
});

const jwt = (payload: unknown) =>
  `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

describe('loadClientCertificate', () => {
  it('a PEM pair: its SHA-256 thumbprint (RFC 8705 §3.1) and subject', () => {
    const loaded = loadClientCertificate({ cert, key, passwordFile: undefined });
    expect(loaded).toMatchObject({ file: cert, thumbprint: print, subject: 'CN=127.0.0.1' });
  });

  it('the key in the certificate file itself', () => {
    const both = join(other.certFile, '..', 'both.pem');
    writeFileSync(both, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
    expect(
      loadClientCertificate({ cert: both, key: undefined, passwordFile: undefined }),
    ).toMatchObject({
      thumbprint: print,
    });
  });

  it('a PKCS#12 file opened with its password file', () => {
    const dir = join(cert, '..');
    const p12 = join(dir, 'c.p12');
    const pw = join(dir, 'pw');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-in',
      cert,
      '-inkey',
      key,
      '-out',
      p12,
      '-passout',
      'pass:s3cret',
    ]);
    writeFileSync(pw, 's3cret\n');
    expect(loadClientCertificate({ cert: p12, key: undefined, passwordFile: pw })).toMatchObject({
      thumbprint: print,
    });
    writeFileSync(pw, 'nope');
    expect(() => loadClientCertificate({ cert: p12, key: undefined, passwordFile: pw })).toThrow(
      expect.objectContaining({ code: 'client_cert_password', exitCode: 2 }),
    );
  });

  it.each([
    ['no key', () => ({ cert, key: undefined }), 'client_key_missing'],
    ['a key of another certificate', () => ({ cert, key: other.keyFile }), 'client_key_mismatch'],
    ['a key without a certificate', () => ({ cert: undefined, key }), 'client_cert_missing'],
    ['a missing file', () => ({ cert: '/nonexistent.pem', key }), 'client_cert_unreadable'],
  ])('%s is exit 2', (_name, files, code) => {
    expect(() => loadClientCertificate({ ...files(), passwordFile: undefined })).toThrow(
      expect.objectContaining({ code, exitCode: 2 }),
    );
  });

  it('nothing given: no certificate', () => {
    expect(
      loadClientCertificate({ cert: undefined, key: undefined, passwordFile: undefined }),
    ).toBeUndefined();
  });
});

describe('mtls_endpoint_aliases (RFC 8705 §5)', () => {
  const metadata = {
    token_endpoint: 'https://as/token',
    introspection_endpoint: 'https://as/introspect',
    revocation_endpoint: 'https://as/revoke',
    mtls_endpoint_aliases: {
      token_endpoint: 'https://mtls.as/token',
      introspection_endpoint: 'not a url',
      pushed_authorization_request_endpoint: 'https://mtls.as/par',
    },
  };

  it('maps each listed endpoint to its alias; a bad alias or one without its endpoint is left out', () => {
    expect(mtlsAliases(metadata)).toEqual({ 'https://as/token': 'https://mtls.as/token' });
    expect(mtlsAliases({ token_endpoint: 'https://as/token' })).toEqual({});
    expect(mtlsAliases({ mtls_endpoint_aliases: ['x'] })).toEqual({});
    expect(mtlsAliases(undefined)).toEqual({});
  });

  it('an alias is used only with a certificate; an endpoint given by a flag keeps its URL', () => {
    const auth: ClientAuth = {
      clientId: 'app',
      method: 'none',
      mtlsAliases: mtlsAliases(metadata),
    };
    expect(endpointFor(auth, 'https://as/token')).toBe('https://as/token');
    const certificate = { file: cert, thumbprint: print, subject: '' } as ClientCertificate;
    expect(endpointFor({ ...auth, certificate }, 'https://as/token')).toBe('https://mtls.as/token');
    expect(endpointFor({ ...auth, certificate }, 'https://other/token')).toBe(
      'https://other/token',
    );
  });
});

describe('certificate-bound tokens (RFC 8705 §3)', () => {
  const certificate = () => ({ file: cert, thumbprint: print, subject: '' }) as ClientCertificate;

  it('reads cnf.x5t#S256 of a JWT; an opaque token or a DPoP-bound one has none', () => {
    expect(tokenThumbprint(jwt({ cnf: { 'x5t#S256': 'abc' } }))).toBe('abc');
    expect(tokenThumbprint(jwt({ cnf: { jkt: 'abc' } }))).toBeUndefined();
    expect(tokenThumbprint('opaque-token')).toBeUndefined();
  });

  it('a bound token goes only with its own certificate', () => {
    expect(() => checkBinding(undefined, undefined)).not.toThrow();
    expect(() => checkBinding(print, certificate())).not.toThrow();
    expect(() => checkBinding(print, undefined)).toThrow(
      expect.objectContaining({ code: 'client_cert_required', exitCode: 2 }),
    );
    expect(() => checkBinding('another', certificate())).toThrow(
      expect.objectContaining({ code: 'client_cert_mismatch', exitCode: 2 }),
    );
  });
});

describe('tls_client_auth and self_signed_tls_client_auth (RFC 8705 §2)', () => {
  it('a certificate alone chooses mTLS: PKI first, self-signed when it is all the server lists', () => {
    const base = { hasSecret: false, hasKey: false, hasCertificate: true };
    expect(chooseAuthMethod(base)).toBe('tls_client_auth');
    expect(chooseAuthMethod({ ...base, supported: ['self_signed_tls_client_auth'] })).toBe(
      'self_signed_tls_client_auth',
    );
    expect(chooseAuthMethod({ ...base, hasSecret: true })).toBe('client_secret_basic');
    expect(chooseAuthMethod({ ...base, asked: 'none' })).toBe('none');
  });

  it('sends client_id only; without a certificate it is exit 2', async () => {
    const body = new URLSearchParams();
    const certificate = { file: cert, thumbprint: print, subject: '' } as ClientCertificate;
    const headers = await applyClientAuth(
      { clientId: 'app', method: 'tls_client_auth', certificate },
      body,
      'https://as/token',
      0,
    );
    expect(headers).toEqual({});
    expect(body.toString()).toBe('client_id=app');
    await expect(
      applyClientAuth({ clientId: 'app', method: 'self_signed_tls_client_auth' }, body, 'x', 0),
    ).rejects.toMatchObject({ code: 'client_cert_missing', exitCode: 2 });
  });
});
