import { describe, expect, it } from 'vitest';
import { offlineMissing, offlinePlan } from '../../src/client/offline.js';

describe('offlinePlan (login --offline)', () => {
  it('metadata without offline_access in scopes_supported: access_type=offline and prompt=consent', () => {
    const plan = offlinePlan(
      { issuer: 'https://idp', scopes_supported: ['openid', 'email'] },
      undefined,
      ['openid'],
      undefined,
      [],
    );
    expect(plan).toEqual({
      how: 'access_type',
      scopes: ['openid'],
      prompt: 'consent',
      params: [['access_type', 'offline']],
    });
    expect(offlineMissing(plan, undefined)?.code).toBe('offline_no_refresh_token');
    expect(offlineMissing(plan, 'rt')).toBeUndefined();
  });

  it('metadata listing offline_access, or none: the scope, once; a given --prompt is kept', () => {
    const listed = offlinePlan(
      { issuer: 'https://idp', scopes_supported: ['offline_access'] },
      undefined,
      ['openid'],
      'login',
      [],
    );
    expect(listed.scopes).toEqual(['openid', 'offline_access']);
    expect(listed.prompt).toBe('login');
    expect(offlinePlan(undefined, undefined, ['offline_access'], undefined, []).scopes).toEqual([
      'offline_access',
    ]);
    expect(offlinePlan(undefined, 'google', [], 'select_account', []).prompt).toBe(
      'select_account',
    );
  });
});
