// How `oauth token` shows its result: the bare token, an Authorization header line, or the token
// response plus expires_at as JSON.
import { jsonText } from './text.js';
import { renderNote } from './findings.js';
import type { View } from './present.js';

export type TokenOutput = 'token' | 'header' | 'json';

export interface TokenView {
  accessToken: string;
  tokenType: string;
  /** The token response as the server sent it (or as rebuilt from the cache). */
  response: Record<string, unknown>;
  /** ISO 8601 UTC, when the lifetime is known. */
  expiresAt: string | undefined;
}

/** The Authorization scheme for a token_type (RFC 6750 §2.1, RFC 9449 §7.1). */
export function authorizationScheme(tokenType: string): string {
  if (/^dpop$/i.test(tokenType)) return 'DPoP';
  if (/^bearer$/i.test(tokenType)) return 'Bearer';
  return tokenType;
}

export function renderToken(view: TokenView, output: TokenOutput): string {
  switch (output) {
    case 'token':
      return `${view.accessToken}\n`;
    case 'header':
      return `Authorization: ${authorizationScheme(view.tokenType)} ${view.accessToken}\n`;
    case 'json': {
      const doc: Record<string, unknown> = { ...view.response };
      if (view.expiresAt !== undefined) doc.expires_at = view.expiresAt;
      return `${jsonText(doc)}\n`;
    }
  }
}

export interface TokenShown {
  token: TokenView;
  /** --output; --json means json whatever it says. */
  output: TokenOutput;
}

export const tokenView: View<TokenShown> = {
  human: ({ token, output }, { io }) => ({
    out: renderToken(token, output),
    err:
      output === 'header' && /^dpop$/i.test(token.tokenType)
        ? renderNote(
            'this token is DPoP-bound: each request also needs a DPoP proof made with its key (`oauth call` sends one)',
            io.errStyle,
          )
        : undefined,
  }),
  json: ({ token }) => ({ out: renderToken(token, 'json') }),
};
