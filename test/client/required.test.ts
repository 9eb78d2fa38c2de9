// Every missing value named in one error (README "Server and client options"): one alone keeps its
// own code, message and hint; several are values_missing with each flag and environment variable.
import { describe, expect, it } from 'vitest';
import {
  missingClientId,
  missingError,
  missingGrantParameters,
  requireValues,
} from '../../src/client/required.js';
import { missingIssuer } from '../../src/client/server.js';

describe('missing values', () => {
  it('nothing missing: no error', () => {
    expect(
      missingError([missingIssuer('https://idp.example', {}, ['token']), missingClientId('app')]),
    ).toBeUndefined();
    expect(() => requireValues([undefined, missingGrantParameters('g', [])])).not.toThrow();
  });

  it('an issuer is not missing when every endpoint needed is given', () => {
    expect(missingIssuer(undefined, { token: 'https://idp.example/t' }, ['token'])).toBeUndefined();
    expect(
      missingIssuer(undefined, { token: 'https://idp.example/t' }, ['token', 'jwks']),
    ).toMatchObject({
      hint: 'pass --issuer <url> or set OAUTH_ISSUER (or give --jwks-uri <url>)',
    });
  });

  it('one alone keeps its code, message and hint', () => {
    expect(
      missingError([missingIssuer(undefined, {}, ['token']), missingClientId('app')]),
    ).toMatchObject({
      code: 'issuer_missing',
      exitCode: 2,
      message: 'no issuer given',
      hint: 'pass --issuer <url> or set OAUTH_ISSUER (or give --token-endpoint <url>)',
    });
    expect(missingError([missingClientId('')])).toMatchObject({
      code: 'client_id_missing',
      message: 'no client id given',
    });
  });

  it('several: values_missing, each with its flag and variable, in one line', () => {
    expect(() =>
      requireValues([
        missingIssuer(undefined, {}, ['introspection']),
        missingClientId(undefined),
        missingGrantParameters('urn:ietf:params:oauth:grant-type:jwt-bearer', ['assertion']),
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'values_missing',
        exitCode: 2,
        message:
          'missing: the issuer (--issuer or OAUTH_ISSUER, or --introspection-endpoint), the client id (--client-id or OAUTH_CLIENT_ID), assertion for the urn:ietf:params:oauth:grant-type:jwt-bearer grant (--param assertion=...)',
        hint: 'pass --issuer <url> --client-id <id> --param assertion=... (or set OAUTH_ISSUER and OAUTH_CLIENT_ID), or use a --profile that has them',
      }),
    );
  });
});
