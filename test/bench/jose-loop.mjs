// The throughput baseline of `npm run bench`: a bare jose jwtVerify loop over the tokens on stdin,
// one per line, against a local JWKS file (argv[2]) — what `oauth verify` is compared with.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const jwks = createLocalJWKSet(JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')));
const tokens = readFileSync(0, 'utf8').split('\n').filter(Boolean);
let valid = 0;
for (const token of tokens) {
  await jwtVerify(token, jwks);
  valid += 1;
}
process.stdout.write(`${valid} valid\n`);
