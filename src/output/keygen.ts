// How `oauth keygen` looks: the public JWKS on stdout (the same document with --json), and on
// stderr where the private key went and what to do with the JWKS.
import { renderNote } from './findings.js';
import type { View } from './present.js';
import { jsonText } from './text.js';
import { shellQuote } from '../shell.js';
import type { PublicJwk } from '../token/signing-key.js';

export interface KeygenResult {
  /** The public JWKS to register with the authorization server. */
  jwks: { keys: [PublicJwk] };
  /** Where the private key was written, as given. */
  out: string;
}

export const keygenView: View<KeygenResult> = {
  human: (result, ctx) => ({
    out: `${jsonText(result.jwks)}\n`,
    err: renderNote(
      `private key (${result.jwks.keys[0].alg}, PKCS#8 PEM, mode 0600) written to ${result.out}; ` +
        `register the JWKS above as the client's keys and use --private-key ${shellQuote(result.out)}`,
      ctx.io.errStyle,
    ),
  }),
  json: (result) => ({ out: `${jsonText(result.jwks)}\n` }),
};
