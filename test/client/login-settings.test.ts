// What an interactive login asks and the profile it writes (README "oauth login"): the questions
// are scripted here (the layer never prompts itself); the profile is written only once the server
// accepted the client, with the scopes only when a code came back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginSettings, type Asker } from '../../src/client/login-settings.js';
import { resolveSettings } from '../../src/client/settings.js';
import type { Metadata } from '../../src/oauth/discovery.js';
import { clientInput, fakeContext } from '../helpers/context.js';

const noProfile = () => {
  throw new Error('no profile in these tests');
};

/** Answers in order; records what was asked and what the scope question offered. */
function scripted(answers: (string | boolean | string[])[]) {
  const asked: string[] = [];
  const offered: (readonly string[] | undefined)[] = [];
  const next = () => {
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`no answer left for: ${asked.at(-1)}`);
    return answer;
  };
  const asker: Asker = {
    askText: async (message, validate) => {
      asked.push(message);
      const answer = next() as string;
      const verdict = validate(answer);
      if (verdict !== true) throw new Error(verdict);
      return answer;
    },
    askConfirm: async (message) => {
      asked.push(message);
      return next() as boolean;
    },
    askScopes: async (list) => {
      asked.push('scopes');
      offered.push(list);
      return next() as string[];
    },
  };
  return { asked, offered, asker: async () => asker };
}

const metadata: Metadata = { issuer: 'https://idp.example', scopes_supported: ['openid', 'x'] };

function profilesOf(ctx: ReturnType<typeof fakeContext>): unknown {
  try {
    return JSON.parse(
      readFileSync(join(String(ctx.env.OAUTH_CONFIG_DIR), 'profiles.json'), 'utf8'),
    );
  } catch {
    return undefined;
  }
}

describe('loginSettings', () => {
  it('without a terminal: every missing value in one error (the client id too, with no issuer to register at), nothing asked', async () => {
    const ctx = fakeContext();
    const questions = scripted([]);
    await expect(
      loginSettings(
        ctx,
        resolveSettings({}, undefined, noProfile),
        ['authorization', 'token'],
        () => {},
        questions.asker,
      ),
    ).rejects.toMatchObject({
      code: 'values_missing',
      exitCode: 2,
      message: expect.stringMatching(/the client id \(.*unless the server registers one\)/),
    });
    expect(questions.asked).toEqual([]);
  });

  it('without a terminal, an issuer but no client id: no error here (the server may register one)', async () => {
    const ctx = fakeContext();
    const login = await loginSettings(
      ctx,
      resolveSettings(clientInput({ issuer: 'https://idp.example' }), undefined, noProfile),
      ['authorization', 'token'],
      () => {},
      scripted([]).asker,
    );
    expect(login.settings.clientId).toBeUndefined();
  });

  it('the issuer prompt refuses http to a host other than loopback with the true rule', async () => {
    const ctx = fakeContext({ tty: true });
    const questions = scripted(['http://idp.example']);
    await expect(
      loginSettings(
        ctx,
        resolveSettings({}, undefined, noProfile),
        ['authorization'],
        () => {},
        questions.asker,
      ),
    ).rejects.toThrow(
      'the issuer "http://idp.example" must use https (http only to 127.0.0.1, [::1] or localhost)',
    );
  });

  it('asks the issuer, then (after discovery) the scopes offered and the profile; writes what the login went on with, only once accepted', async () => {
    const ctx = fakeContext({ tty: true });
    const questions = scripted(['http://127.0.0.1:8080', ['openid'], true, 'dev']);
    const login = await loginSettings(
      ctx,
      resolveSettings({}, undefined, noProfile),
      ['authorization', 'token'],
      () => {},
      questions.asker,
    );
    expect(login.settings).toMatchObject({ issuer: 'http://127.0.0.1:8080' });
    const settings = await login.withServer(metadata);
    expect(settings.scopes).toEqual(['openid']);
    // The client id is clientForServer's (given, registered, or asked there): the login says it.
    login.chose({ ...settings, clientId: 'app' });
    expect(questions.offered).toEqual([['openid', 'x']]);
    expect(questions.asked).toEqual([
      'Issuer URL (the authorization server):',
      'scopes',
      'Save these as a profile?',
      'Profile name:',
    ]);
    // Not accepted (discovery, a redirect that never came): nothing is written.
    expect(await login.settle()).toBeUndefined();
    expect(profilesOf(ctx)).toBeUndefined();
    login.accepted(false); // an error at the redirect URI: issuer and client only
    expect(await login.settle()).toBe('dev');
    expect(profilesOf(ctx)).toMatchObject({
      profiles: { dev: { issuer: 'http://127.0.0.1:8080', clientId: 'app' } },
    });
    login.accepted(true); // a code: the scopes too
    await login.settle();
    expect(profilesOf(ctx)).toMatchObject({ profiles: { dev: { scopes: ['openid'] } } });
  });

  it('a scope given: no scope question; no profile asked for when one is in use', async () => {
    const ctx = fakeContext({ tty: true });
    const questions = scripted([]);
    const login = await loginSettings(
      ctx,
      resolveSettings(
        clientInput({ issuer: 'https://idp.example', scopes: ['api'] }),
        'work',
        () => ({}),
      ),
      ['authorization', 'token'],
      () => {},
      questions.asker,
    );
    await login.withServer(metadata);
    expect(questions.asked).toEqual([]);
  });
});
