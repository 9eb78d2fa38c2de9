// endSessionUrl: the RP-Initiated Logout request (OIDC RP-Initiated Logout 1.0 §2).
import { describe, expect, it } from 'vitest';
import { endSessionUrl } from '../../src/oauth/end-session.js';

describe('endSessionUrl', () => {
  it('id_token_hint and client_id; no redirect, so no state', () => {
    const url = new URL(
      endSessionUrl({ endpoint: 'https://idp/logout', clientId: 'app', idTokenHint: 'eyJ.x.y' }),
    );
    expect([...url.searchParams]).toEqual([
      ['id_token_hint', 'eyJ.x.y'],
      ['client_id', 'app'],
    ]);
  });

  it('post_logout_redirect_uri only when configured, then with a fresh 128-bit state', () => {
    const make = () =>
      new URL(
        endSessionUrl({
          endpoint: 'https://idp/logout?tenant=t1',
          clientId: 'app',
          postLogoutRedirectUri: 'https://app/bye',
        }),
      ).searchParams;
    const a = make();
    expect(a.get('tenant')).toBe('t1');
    expect(a.get('post_logout_redirect_uri')).toBe('https://app/bye');
    expect(a.has('id_token_hint')).toBe(false);
    expect(a.get('state')).toMatch(/^[\w-]{22}$/);
    expect(make().get('state')).not.toBe(a.get('state'));
  });
});
