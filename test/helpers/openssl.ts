// A PATH on which `openssl` is missing or fails, for the tests of `oauth server --mtls` when its
// certificates cannot be made (test/server/mtls.test.ts in process, test/e2e/mtls.test.ts built).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What openssl 3 writes when a signing reads a half-written ca.srl, and its exit status 1. */
export const SERIAL_FILE_FAILURE = [
  '#!/bin/sh',
  'echo "Certificate request self-signature ok" >&2',
  'echo "subject=CN = mtls" >&2',
  'echo "Unable to load number from ca.srl" >&2',
  'echo "40F7F770DF7F0000:error:06800096:asn1 encoding routines:a2i_ASN1_INTEGER:short line:../crypto/asn1/f_int.c:138:" >&2',
  'exit 1',
  '',
].join('\n');

/** A directory to use as the whole PATH: holding this `openssl` script, or nothing. */
export function opensslPath(script?: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-test-openssl-'));
  if (script !== undefined) writeFileSync(join(dir, 'openssl'), script, { mode: 0o755 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
