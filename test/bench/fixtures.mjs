// Inputs for `npm run bench`, made fresh with jose in a temporary directory: an RS256 key pair, its
// JWKS file, one JWT and a file of many RS256 tokens (distinct tokens, repeated to the count).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const DISTINCT = 2_000; // RS256 signing costs ~1.5 ms a token here: 10,000 would take 15 s

export async function makeFixtures(count) {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-bench-'));
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));

  const sign = (n) =>
    new SignJWT({ scope: 'api:read', n })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
      .setIssuer('https://issuer.bench.example')
      .setAudience('bench-api')
      .setSubject(`user-${n}`)
      .setIssuedAt()
      .setExpirationTime('1y')
      .sign(privateKey);
  const distinct = await Promise.all(
    Array.from({ length: Math.min(DISTINCT, count) }, (_, n) => sign(n)),
  );
  const tokens = Array.from({ length: count }, (_, i) => distinct[i % distinct.length]);
  const tokensFile = join(dir, 'tokens.txt');
  writeFileSync(tokensFile, `${tokens.join('\n')}\n`);

  return {
    dir,
    jwksFile,
    jwt: distinct[0],
    tokensFile,
    count,
    distinct: distinct.length,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
