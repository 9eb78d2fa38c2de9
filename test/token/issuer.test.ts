import { describe, expect, it } from 'vitest';
import { matchIssuer } from '../../src/token/issuer.js';

const T = 'https://login.example/{tenantid}/v2.0';
describe('matchIssuer', () => {
  it('exact', () => expect(matchIssuer('https://a', 'https://a', undefined).ok).toBe(true));
  it('template with tid', () => {
    const m = matchIssuer('https://login.example/t1/v2.0', T, 't1');
    expect(m.ok).toBe(true);
    expect(m.note).toMatch(/template/);
  });
  it('template without tid fails', () =>
    expect(matchIssuer('https://login.example/t1/v2.0', T, undefined)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no tid/),
    }));
  it('template with another tid fails', () =>
    expect(matchIssuer('https://login.example/t1/v2.0', T, 't2').ok).toBe(false));
  it('literal {tenantid} iss fails without tid', () =>
    expect(matchIssuer(T, 'https://login.example/common/v2.0', 't1').ok).toBe(false));
  it('scheme-less', () => {
    expect(matchIssuer('accounts.example', 'https://accounts.example', undefined).ok).toBe(true);
    expect(matchIssuer('http://accounts.example', 'https://accounts.example', undefined).ok).toBe(
      false,
    );
    expect(matchIssuer('accounts.example/x', 'https://accounts.example', undefined).ok).toBe(false);
  });
});
