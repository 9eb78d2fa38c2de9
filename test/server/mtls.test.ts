// The certificates of `oauth server --mtls` (src/server/mtls.ts), made in process with openssl.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { generateCertificates, removeCertificates, type MtlsFiles } from '../../src/server/mtls.js';
import { opensslPath, SERIAL_FILE_FAILURE } from '../helpers/openssl.js';

const cert = (file: string) => new X509Certificate(readFileSync(file));

describe('generateCertificates', () => {
  it('leaves the CA, the server and both client certificates with their keys, and nothing else', async () => {
    const files = await generateCertificates();
    try {
      expect(readdirSync(files.dir).sort()).toEqual(
        [
          files.ca,
          files.clientCert,
          files.clientKey,
          files.selfSignedCert,
          files.selfSignedKey,
          files.serverCert,
          files.serverKey,
        ]
          .map((f) => basename(f))
          .sort(),
      );
      const ca = cert(files.ca);
      const server = cert(files.serverCert);
      const client = cert(files.clientCert);
      expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
      expect(client.checkIssued(ca) && client.verify(ca.publicKey)).toBe(true);
      expect(client.subject).toBe('CN=mtls');
      // RFC 5280 §4.1.2.2: positive, unique per CA, at most 20 octets.
      for (const c of [server, client]) {
        expect(c.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
      }
      expect(server.serialNumber).not.toBe(client.serialNumber);
    } finally {
      removeCertificates(files);
    }
  });

  // The CA signed the server and the client certificates at once with -CAcreateserial, and one
  // signing could read the serial file the other was writing: CI saw `oauth server --mtls` fail.
  it('several servers starting at once each get their certificates', async () => {
    const made: MtlsFiles[] = [];
    const runs = await Promise.allSettled(
      Array.from({ length: 6 }, () => generateCertificates().then((f) => made.push(f))),
    );
    for (const files of made) removeCertificates(files);
    const failed = runs.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failed).toEqual([]);
  }, 30_000);
});

describe('generateCertificates without a working openssl', () => {
  const path = process.env.PATH;
  let fake: ReturnType<typeof opensslPath> | undefined;
  afterEach(() => {
    process.env.PATH = path;
    fake?.remove();
  });
  /** PATH is only a directory holding this openssl script (or nothing). */
  function onPath(script?: string): void {
    fake = opensslPath(script);
    process.env.PATH = fake.dir;
  }
  const failure = () =>
    generateCertificates().then(
      () => undefined,
      (err: unknown) => err,
    );

  it('none on the PATH: says so, and how to install it (exit 2)', async () => {
    onPath();
    const err = await failure();
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      code: 'openssl_failed',
      exitCode: 2,
      message:
        '--mtls needs the openssl binary to make its certificates, and it is not on the PATH',
      hint: expect.stringContaining('apt-get install openssl') as unknown,
    });
  });

  it("one that fails: openssl's own words, not its error stack nor what went well before", async () => {
    onPath(SERIAL_FILE_FAILURE);
    const err = await failure();
    expect(err).toMatchObject({
      code: 'openssl_failed',
      exitCode: 2,
      message: 'openssl could not make the --mtls certificates: Unable to load number from ca.srl',
      hint: expect.stringContaining('openssl version') as unknown,
    });
  });

  it('one that fails without a word: the command that failed', async () => {
    onPath('#!/bin/sh\nexit 3\n');
    const err = (await failure()) as CliError;
    expect(err.message).toMatch(
      /^openssl could not make the --mtls certificates: Command failed: openssl req -x509 /,
    );
  });
});
