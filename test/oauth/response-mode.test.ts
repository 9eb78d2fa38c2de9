// The response modes the loopback listener takes: form_post (OAuth 2.0 Form Post Response Mode §2)
// beside JARM's; what a form POST that was not asked for ends the login with.
import { describe, expect, it } from 'vitest';
import {
  queryInsteadOfFormPost,
  responseModeObjection,
  unaskedFormPost,
  validateResponseMode,
} from '../../src/oauth/response-mode.js';

describe('validateResponseMode', () => {
  it('form_post and the JARM modes; a fragment mode or another value is exit 2', () => {
    expect(validateResponseMode('form_post')).toBe('form_post');
    expect(validateResponseMode('form_post.jwt')).toBe('form_post.jwt');
    expect(() => validateResponseMode('fragment')).toThrow(/never reaches the loopback listener/);
    const err = (() => {
      try {
        return validateResponseMode('query');
      } catch (e) {
        return e as { exitCode: number; message: string };
      }
    })() as { exitCode: number; message: string };
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/is not one of jwt, query\.jwt, form_post\.jwt, form_post/);
  });

  it('form_post missing from response_modes_supported is named', () => {
    expect(responseModeObjection('form_post', { response_modes_supported: ['query'] })).toMatch(
      /does not list response mode form_post/,
    );
    expect(responseModeObjection('form_post', { response_modes_supported: ['form_post'] })).toBe(
      undefined,
    );
  });
});

describe('unaskedFormPost and queryInsteadOfFormPost', () => {
  it('exit 3; the hint names --response-mode form_post', () => {
    const plain = unaskedFormPost(undefined);
    expect(plain.exitCode).toBe(3);
    expect(plain.message).toMatch(/this login asked for the query \(no response_mode\)/);
    expect(plain.hint).toMatch(/--response-mode form_post/);
    expect(unaskedFormPost('query.jwt').message).toMatch(/asked for response_mode=query\.jwt/);
    expect(queryInsteadOfFormPost()).toMatchObject({
      level: 'warning',
      code: 'response_mode_ignored',
    });
  });
});
