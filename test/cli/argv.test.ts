// argv → each command's typed input, as src/cli/ builds it (parseArgv: nothing runs): positional
// arguments, every kind of option, where each value came from, the defaults, and usage errors.
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../helpers/context.js';

/** The input of `argv` (with `env` as the process environment). */
async function input(argv: string[], env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return (await parseArgv(argv, { env })).input as Record<string, unknown>;
}

const flag = <T>(value: T) => ({ value, source: 'flag' });
const env = <T>(value: T) => ({ value, source: 'env' });

/** The usage error parseArgv throws for `argv`. */
async function usage(argv: string[]) {
  return parseArgv(argv).then(
    () => expect.fail(`${argv.join(' ')} parsed`),
    (err: unknown) => err as { exitCode: number; code: string; message: string; hint: string },
  );
}

describe('command names', () => {
  it.each([
    [['decode', 't'], 'decode'],
    [['verify', 't'], 'verify'],
    [['login'], 'login'],
    [['userinfo'], 'userinfo'],
    [['token'], 'token'],
    [['call', 'https://api.example/me'], 'call'],
    [['introspect'], 'introspect'],
    [['revoke'], 'revoke'],
    [['demo'], 'demo'],
    [['server'], 'server'],
    [['discover'], 'discover'],
    [['status'], 'status'],
    [['logout'], 'logout'],
    [['switch', '1a2b3c4d'], 'switch'],
    [['profile', 'add', 'p', '--issuer', 'https://idp.example'], 'profile add'],
    [['profile', 'list'], 'profile list'],
    [['profile', 'show'], 'profile show'],
    [['profile', 'remove', 'p'], 'profile remove'],
    [['completion', 'bash'], 'completion'],
  ])('%j runs %s', async (argv, command) => {
    expect((await parseArgv(argv)).command).toBe(command);
  });
});

describe('global options', () => {
  it('are set on the context before the command runs, after the command name too', async () => {
    const { globals } = await parseArgv([
      '--json',
      '--timeout',
      '2.5',
      'decode',
      '-v',
      '--show-secrets',
      '--debug',
      '--cacert',
      'ca.pem',
      '--insecure',
      '--profile',
      'work',
      '--curl',
      't',
    ]);
    expect(globals).toEqual({
      json: true,
      verbose: true,
      showSecrets: true,
      debug: true,
      timeout: 2.5,
      cacert: 'ca.pem',
      insecure: true,
      profile: 'work',
      curl: true,
      dryRun: false,
    });
  });

  it.each([
    ['token', '--dry-run'],
    ['introspect', '--dry-run', 't'],
    ['revoke', '--dry-run', 't'],
    ['call', '--dry-run', 'https://api.example/me'],
  ])('%s --dry-run sets dryRun on the context', async (...argv) => {
    expect((await parseArgv(argv)).globals).toMatchObject({ dryRun: true, curl: false });
  });

  it('--dry-run belongs to token, introspect, revoke and call only', async () => {
    await expect(parseArgv(['decode', '--dry-run', 't'])).rejects.toThrow(/unknown option/);
  });

  it('default: --timeout 30, nothing else set', async () => {
    const { globals } = await parseArgv(['decode', 't']);
    expect(globals).toMatchObject({ json: false, verbose: false, timeout: 30, profile: undefined });
  });

  it('--timeout, --cacert and --profile from OAUTH_TIMEOUT, OAUTH_CACERT, OAUTH_PROFILE', async () => {
    const { globals } = await parseArgv(['decode', 't'], {
      env: { OAUTH_TIMEOUT: '5', OAUTH_CACERT: 'ca.pem', OAUTH_PROFILE: 'ci' },
    });
    expect(globals).toMatchObject({ timeout: 5, cacert: 'ca.pem', profile: 'ci' });
  });

  it('the flag wins over its environment variable', async () => {
    const { globals } = await parseArgv(['--profile', 'flag', 'decode', 't'], {
      env: { OAUTH_PROFILE: 'env' },
    });
    expect(globals.profile).toBe('flag');
  });
});

describe('decode', () => {
  it('the token argument, --key and --local', async () => {
    expect(await input(['decode', 'tok', '--key', 'k.pem', '--local'])).toEqual({
      token: 'tok',
      key: 'k.pem',
      local: true,
    });
  });

  it('no argument: token undefined (stdin is the command’s business)', async () => {
    expect(await input(['decode'])).toEqual({ token: undefined, key: undefined, local: false });
  });

  it('--file names the file that holds the token', async () => {
    expect(await input(['decode', '--file', 'token.txt'])).toMatchObject({
      token: undefined,
      file: 'token.txt',
    });
  });
});

describe('verify', () => {
  it('every option, repeatable ones collected from commas and repeats', async () => {
    expect(
      await input([
        'verify',
        'a.b.c',
        'd.e.f',
        '--jwks',
        'jwks.json',
        '--aud',
        'api1,api2',
        '--aud',
        'api3',
        '--iss',
        'https://idp.example',
        '--sub',
        'alice',
        '--alg',
        'RS256,ES256',
        '--typ',
        'at+jwt',
        '--leeway',
        '30',
        '--require',
        'sub scope',
        '--max-age',
        '3600',
      ]),
    ).toEqual({
      tokens: ['a.b.c', 'd.e.f'],
      jwks: 'jwks.json',
      issuer: undefined,
      key: undefined,
      secret: undefined,
      secretFile: undefined,
      secretFromFlag: false,
      aud: ['api1', 'api2', 'api3'],
      iss: 'https://idp.example',
      sub: 'alice',
      alg: ['RS256', 'ES256'],
      typ: 'at+jwt',
      leeway: 30,
      require: ['sub', 'scope'],
      maxAge: 3600,
    });
  });

  it('--file names the file of tokens, one per line', async () => {
    expect(await input(['verify', '--file', 'tokens.txt'])).toMatchObject({
      tokens: [],
      file: 'tokens.txt',
    });
  });

  it('defaults: no tokens (stdin), --leeway 0', async () => {
    expect(await input(['verify'])).toMatchObject({ tokens: [], leeway: 0, maxAge: undefined });
  });

  it('--secret on the command line is marked secretFromFlag; OAUTH_VERIFY_SECRET is not', async () => {
    expect(await input(['verify', '--secret', 's3cr3t', 't'])).toMatchObject({
      secret: 's3cr3t',
      secretFromFlag: true,
    });
    expect(await input(['verify', 't'], { OAUTH_VERIFY_SECRET: 'from-env' })).toMatchObject({
      secret: 'from-env',
      secretFromFlag: false,
    });
  });

  it('--issuer from OAUTH_ISSUER; --key and --secret-file as given', async () => {
    expect(
      await input(['verify', '--key', 'pub.pem', '--secret-file', '-', 't'], {
        OAUTH_ISSUER: 'https://idp.example',
      }),
    ).toMatchObject({ issuer: 'https://idp.example', key: 'pub.pem', secretFile: '-' });
  });
});

describe('the client options (token, login, call, userinfo, introspect, revoke)', () => {
  it('--client-cert, --client-key (or OAUTH_CLIENT_CERT, OAUTH_CLIENT_KEY), --client-cert-password-file', async () => {
    for (const command of ['token', 'login', 'call', 'userinfo', 'introspect', 'revoke']) {
      const args = command === 'call' ? ['https://api.example'] : [];
      const { client } = await input([
        command,
        ...args,
        '--client-cert',
        'c.p12',
        '--client-cert-password-file',
        'pw',
      ]);
      expect(client).toMatchObject({
        clientCert: { cert: 'c.p12', key: undefined, passwordFile: 'pw' },
      });
    }
    const fromEnv = await input(['token'], {
      OAUTH_CLIENT_CERT: 'c.pem',
      OAUTH_CLIENT_KEY: 'k.pem',
    });
    expect(fromEnv.client).toMatchObject({ clientCert: { cert: 'c.pem', key: 'k.pem' } });
    expect((await input(['token'])).client).not.toHaveProperty('clientCert');
    expect(await input(['verify', '--client-cert', 'c.pem', 'a.b.c'])).toMatchObject({
      clientCert: 'c.pem',
    });
  });

  it('each value from a flag has source flag', async () => {
    const { client } = await input([
      'token',
      '--issuer',
      'https://idp.example',
      '--client-id',
      'app',
      '--client-secret',
      'shh',
      '--client-secret-file',
      'secret.txt',
      '--auth-method',
      'private_key_jwt',
      '--private-key',
      'key.pem',
      '--key-id',
      'k1',
      '--scope',
      'a,b',
      '--scope',
      'c',
      '--resource',
      'https://api1',
      '--resource',
      'https://api2',
      '--audience',
      'aud1',
      '--param',
      'x=1',
      '--param',
      'y=a=b',
      '--token-endpoint',
      'https://idp.example/t',
      '--introspection-endpoint',
      'https://idp.example/i',
      '--revocation-endpoint',
      'https://idp.example/r',
    ]);
    expect(client).toEqual({
      issuer: flag('https://idp.example'),
      clientId: flag('app'),
      clientSecret: flag('shh'),
      clientSecretFile: flag('secret.txt'),
      authMethod: flag('private_key_jwt'),
      privateKey: flag('key.pem'),
      scopes: flag(['a', 'b', 'c']),
      resources: flag(['https://api1', 'https://api2']),
      audience: flag('aud1'),
      redirectUri: undefined,
      keyId: 'k1',
      params: ['x=1', 'y=a=b'],
      endpoints: {
        token: 'https://idp.example/t',
        introspection: 'https://idp.example/i',
        revocation: 'https://idp.example/r',
      },
    });
  });

  it('each value from its environment variable has source env', async () => {
    const { client } = await input(['introspect'], {
      OAUTH_ISSUER: 'https://idp.example',
      OAUTH_CLIENT_ID: 'app',
      OAUTH_CLIENT_SECRET: 'shh',
      OAUTH_CLIENT_SECRET_FILE: 'secret.txt',
      OAUTH_AUTH_METHOD: 'client_secret_post',
      OAUTH_PRIVATE_KEY: 'key.pem',
      OAUTH_SCOPE: 'openid email,profile',
      OAUTH_RESOURCE: 'https://api1',
      OAUTH_AUDIENCE: 'aud1',
    });
    expect(client).toMatchObject({
      issuer: env('https://idp.example'),
      clientId: env('app'),
      clientSecret: env('shh'),
      clientSecretFile: env('secret.txt'),
      authMethod: env('client_secret_post'),
      privateKey: env('key.pem'),
      scopes: env(['openid', 'email', 'profile']),
      resources: env(['https://api1']),
      audience: env('aud1'),
    });
  });

  it('a flag beats its environment variable; unset values stay undefined', async () => {
    const { client } = await input(['revoke', '--issuer', 'https://flag', '--scope', 'a'], {
      OAUTH_ISSUER: 'https://env',
      OAUTH_SCOPE: 'b',
    });
    expect(client).toMatchObject({
      issuer: flag('https://flag'),
      scopes: flag(['a']),
      clientId: undefined,
      params: undefined,
      endpoints: {},
    });
  });

  it('an --auth-method that is not a method is a usage error, from a flag or the environment', async () => {
    const err = await usage(['token', '--auth-method', 'magic']);
    expect(err).toMatchObject({ exitCode: 2, code: 'usage' });
    expect(err.message).toMatch(/'--auth-method <method>' argument 'magic' is invalid/);
    await expect(
      parseArgv(['token'], { env: { OAUTH_AUTH_METHOD: 'magic' } }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/Allowed choices are client_secret_basic/),
    });
  });
});

describe('token', () => {
  it('defaults: no grant, --output token, cache on, no force, no DPoP', async () => {
    expect(await input(['token'])).toMatchObject({
      grant: undefined,
      refreshToken: undefined,
      force: false,
      cache: true,
      dpop: false,
      output: 'token',
    });
  });

  it('--grant, --refresh-token, --force, --no-cache → cache false, --dpop, --output', async () => {
    expect(
      await input([
        'token',
        '--grant',
        'refresh_token',
        '--refresh-token',
        'rt',
        '--force',
        '--no-cache',
        '--dpop',
        '--output',
        'header',
      ]),
    ).toMatchObject({
      grant: 'refresh_token',
      refreshToken: 'rt',
      force: true,
      cache: false,
      dpop: true,
      output: 'header',
    });
  });

  it('--dpop from OAUTH_DPOP', async () => {
    expect(await input(['token'], { OAUTH_DPOP: '1' })).toMatchObject({ dpop: true });
  });

  it('--authorization-details: the text as given (checked by the command)', async () => {
    expect(
      await input([
        'token',
        '--grant',
        'client_credentials',
        '--authorization-details',
        '@rar.json',
      ]),
    ).toMatchObject({ authorizationDetails: '@rar.json' });
  });

  it('an invalid --grant or --output choice is exit 2 listing the choices', async () => {
    const grant = await usage(['token', '--grant', 'password']);
    expect(grant).toMatchObject({ exitCode: 2, code: 'usage' });
    expect(grant.message).toMatch(
      /^option '--grant <grant>' argument 'password' is invalid\. Allowed choices are client_credentials, refresh_token/,
    );
    // The hint is a value the option takes, not the generic "run oauth --help".
    expect(grant.hint).toBe('pass one of the choices, e.g. `--grant client_credentials`');
    const output = await usage(['token', '--output', 'yaml']);
    expect(output.message).toMatch(/Allowed choices are token, header, json/);
  });
});

describe('login', () => {
  it('defaults: --wait 300, cache on, the browser and port left to the command', async () => {
    expect(await input(['login'])).toEqual({
      client: { endpoints: {} },
      port: undefined,
      browser: undefined,
      wait: 300,
      prompt: undefined,
      loginHint: undefined,
      maxAge: undefined,
      acrValues: undefined,
      cache: true,
      device: false,
      ciba: false,
      cibaParams: {},
      par: false,
      requestObject: false,
      dpop: false,
    });
  });

  it('--ciba with its hints, binding message and endpoint override', async () => {
    expect(
      await input([
        'login',
        '--ciba',
        '--login-hint-token',
        'lht',
        '--id-token-hint',
        'a.b.c',
        '--binding-message',
        'A1B2',
        '--ciba-endpoint',
        'https://idp.example/bc',
      ]),
    ).toMatchObject({
      client: { endpoints: { ciba: 'https://idp.example/bc' } },
      device: false,
      ciba: true,
      cibaParams: { loginHintToken: 'lht', idTokenHint: 'a.b.c', bindingMessage: 'A1B2' },
    });
  });

  it.each(['--device', '--par'])('--ciba with %s is exit 2', async (flag) => {
    const err = await usage(['login', '--ciba', flag]);
    expect(err).toMatchObject({ exitCode: 2 });
    expect(err.message).toMatch(/--ciba.*cannot be used with/);
  });

  it('every option; the endpoint overrides go into client.endpoints', async () => {
    expect(
      await input([
        'login',
        '--port',
        '8400',
        '--redirect-uri',
        'http://127.0.0.1:8400/cb',
        '--browser',
        'firefox --private-window',
        '--wait',
        '60',
        '--prompt',
        'consent',
        '--login-hint',
        'alice',
        '--max-age',
        '120',
        '--acr-values',
        'mfa',
        '--device',
        '--par',
        '--request-object',
        '--response-mode',
        'query.jwt',
        '--dpop',
        '--no-cache',
        '--authorization-endpoint',
        'https://idp.example/a',
        '--token-endpoint',
        'https://idp.example/t',
        '--device-authorization-endpoint',
        'https://idp.example/d',
        '--par-endpoint',
        'https://idp.example/p',
        '--jwks-uri',
        'https://idp.example/j',
      ]),
    ).toEqual({
      client: expect.objectContaining({
        redirectUri: flag('http://127.0.0.1:8400/cb'),
        endpoints: {
          authorization: 'https://idp.example/a',
          token: 'https://idp.example/t',
          device: 'https://idp.example/d',
          par: 'https://idp.example/p',
          jwks: 'https://idp.example/j',
        },
      }),
      port: 8400,
      browser: 'firefox --private-window',
      wait: 60,
      prompt: 'consent',
      loginHint: 'alice',
      maxAge: 120,
      acrValues: 'mfa',
      cache: false,
      device: true,
      ciba: false,
      cibaParams: {},
      par: true,
      requestObject: true,
      responseMode: 'query.jwt',
      dpop: true,
    });
  });

  it('--authorization-details: JSON or @file, as given', async () => {
    expect(
      await input(['login', '--authorization-details', '[{"type":"account_information"}]']),
    ).toMatchObject({ authorizationDetails: '[{"type":"account_information"}]' });
  });

  it('--no-browser → browser false', async () => {
    expect(await input(['login', '--no-browser'])).toMatchObject({ browser: false });
  });

  it('--port 0 is any free port', async () => {
    expect(await input(['login', '--port', '0'])).toMatchObject({ port: 0 });
  });

  it.each(['x', '-1', '65536', '1.5', ''])('--port %j is exit 2 naming the range', async (port) => {
    const err = await usage(['login', '--port', port]);
    expect(err).toMatchObject({ exitCode: 2, code: 'usage' });
    expect(err.message).toMatch(/--port <n>.*expected a port number from 0 to 65535/);
  });

  it('a bad --wait or --max-age is exit 2 asking for seconds', async () => {
    for (const argv of [
      ['login', '--wait', 'soon'],
      ['login', '--max-age', '-5'],
    ]) {
      const err = await usage(argv);
      expect(err).toMatchObject({ exitCode: 2 });
      expect(err.message).toMatch(/expected a number of seconds \(0 or more\)/);
    }
  });
});

describe('userinfo', () => {
  it('the client options and --userinfo-endpoint', async () => {
    expect(
      await input([
        'userinfo',
        '--userinfo-endpoint',
        'https://idp.example/me',
        '--client-id',
        'a',
      ]),
    ).toEqual({
      client: expect.objectContaining({
        clientId: flag('a'),
        endpoints: { userinfo: 'https://idp.example/me' },
      }),
    });
  });
});

describe('call', () => {
  it('the URL, -X, repeatable -H, -d, --token, -i and --dpop', async () => {
    expect(
      await input([
        'call',
        'https://api.example/items',
        '-X',
        'put',
        '-H',
        'Accept: text/plain',
        '--header',
        'X-A: 1, 2',
        '-d',
        '@body.json',
        '--token',
        'tok',
        '-i',
        '--dpop',
      ]),
    ).toEqual({
      url: 'https://api.example/items',
      client: { endpoints: {} },
      method: 'put',
      headers: ['Accept: text/plain', 'X-A: 1, 2'],
      data: '@body.json',
      token: 'tok',
      include: true,
      dpop: true,
      mcp: false,
    });
  });

  it('defaults: no method (the command picks), no headers', async () => {
    expect(await input(['call', 'https://api.example'])).toMatchObject({
      method: undefined,
      headers: [],
      data: undefined,
      include: false,
      dpop: false,
      mcp: false,
    });
  });

  it('--mcp', async () => {
    expect(await input(['call', '--mcp', 'https://mcp.example/mcp'])).toMatchObject({
      url: 'https://mcp.example/mcp',
      mcp: true,
    });
  });

  it('--login hands the call a login runner (RFC 9728 chain, step-up); without it none', async () => {
    const withLogin = (await input(['call', 'https://api.example', '--login'])) as {
      login?: unknown;
    };
    expect(typeof withLogin.login).toBe('function');
    const without = (await input(['call', 'https://api.example'])) as { login?: unknown };
    expect(without.login).toBeUndefined();
  });

  it('no URL is exit 2', async () => {
    expect(await usage(['call'])).toMatchObject({
      exitCode: 2,
      message: "missing required argument 'url'",
    });
  });
});

describe('introspect and revoke', () => {
  it('the token argument and --token-type-hint', async () => {
    expect(await input(['introspect', 'tok', '--token-type-hint', 'refresh_token'])).toEqual({
      token: 'tok',
      tokenTypeHint: 'refresh_token',
      client: { endpoints: {} },
    });
    expect(await input(['revoke', '-', '--token-type-hint', 'access_token'])).toEqual({
      token: '-',
      tokenTypeHint: 'access_token',
      client: { endpoints: {} },
      cache: true,
    });
  });

  it('revoke --no-cache → cache false; no argument: the cached token', async () => {
    expect(await input(['revoke', '--no-cache'])).toMatchObject({ token: undefined, cache: false });
  });

  it('a --token-type-hint that is not one is exit 2', async () => {
    const err = await usage(['introspect', '--token-type-hint', 'id_token']);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/Allowed choices are access_token, refresh_token/);
  });
});

describe('demo and server', () => {
  it('demo: --port 0 by default, --auto, --from-resource', async () => {
    expect(await input(['demo'])).toEqual({ auto: false, fromResource: false, port: 0 });
    expect(await input(['demo', '--auto', '--port', '9000'])).toEqual({
      auto: true,
      fromResource: false,
      port: 9000,
    });
    expect(await input(['demo', '--from-resource', '--auto'])).toEqual({
      auto: true,
      fromResource: true,
      port: 0,
    });
  });

  it('server: --port 0 by default; --auto-login, repeatable --client, --token-ttl, --mcp', async () => {
    expect(await input(['server'])).toEqual({
      port: 0,
      autoLogin: undefined,
      clients: [],
      clientJwks: [],
      tokenTtl: undefined,
      mcp: false,
      mtls: false,
    });
    expect(await input(['server', '--mcp'])).toMatchObject({ mcp: true });
    expect(await input(['server', '--mtls'])).toMatchObject({ mtls: true });
    expect(
      await input([
        'server',
        '--port',
        '9000',
        '--auto-login',
        'alice',
        '--client',
        'a',
        '--client',
        'b:s,c',
        '--token-ttl',
        '60',
        '--client-jwks',
        'k=jwks.json',
        '--client-jwks',
        'l=other.json',
      ]),
    ).toEqual({
      port: 9000,
      autoLogin: 'alice',
      clients: ['a', 'b:s,c'],
      clientJwks: ['k=jwks.json', 'l=other.json'],
      tokenTtl: 60,
      mcp: false,
      mtls: false,
    });
  });

  it('server: --require-initial-access-token', async () => {
    expect(await input(['server', '--require-initial-access-token', 'iat'])).toMatchObject({
      initialAccessToken: 'iat',
    });
  });

  it('a bad --port or --token-ttl is exit 2', async () => {
    expect((await usage(['server', '--port', 'http'])).message).toMatch(/expected a port number/);
    expect((await usage(['demo', '--port', '99999'])).message).toMatch(/expected a port number/);
    expect((await usage(['server', '--token-ttl', 'x'])).message).toMatch(/number of seconds/);
  });
});

describe('register', () => {
  it('defaults: a registration; every option; OAUTH_INITIAL_ACCESS_TOKEN', async () => {
    expect(await input(['register'])).toEqual({
      action: 'register',
      resources: [],
      redirectUris: [],
      grants: [],
      local: false,
    });
    expect(
      await input([
        'register',
        '--issuer',
        'https://idp.example',
        '--resource',
        'https://api.example',
        '--redirect-uri',
        'http://127.0.0.1:8400/callback',
        '--redirect-uri',
        'http://[::1]/callback',
        '--grant',
        'authorization_code,refresh_token',
        '--auth-method',
        'none',
        '--scope',
        'openid email',
        '--initial-access-token',
        'iat',
      ]),
    ).toEqual({
      action: 'register',
      issuer: 'https://idp.example',
      resources: ['https://api.example'],
      redirectUris: ['http://127.0.0.1:8400/callback', 'http://[::1]/callback'],
      grants: ['authorization_code', 'refresh_token'],
      authMethod: 'none',
      scope: 'openid email',
      initialAccessToken: 'iat',
      local: false,
    });
    expect(await input(['register'], { OAUTH_INITIAL_ACCESS_TOKEN: 'env-iat' })).toMatchObject({
      initialAccessToken: 'env-iat',
    });
    expect(await input(['login', '--initial-access-token', 'iat'])).toMatchObject({
      initialAccessToken: 'iat',
    });
  });

  it.each([
    [['--list'], 'list'],
    [['--show'], 'show'],
    [['--remove', '--local'], 'remove'],
    [['--cimd', '--client-id', 'https://c.example/c.json'], 'cimd'],
  ])('%j is the %s action', async (flags, action) => {
    expect(await input(['register', ...flags])).toMatchObject({ action });
  });

  it('two actions at once are exit 2', async () => {
    expect(await usage(['register', '--list', '--remove'])).toMatchObject({
      exitCode: 2,
      code: 'register_actions_conflict',
      message: '--list and --remove cannot be used together',
    });
  });
});

describe('discover', () => {
  it('the argument, else --issuer, else OAUTH_ISSUER', async () => {
    expect(await input(['discover', 'https://arg'])).toEqual({ issuer: 'https://arg' });
    expect(await input(['discover', '--issuer', 'https://flag'])).toEqual({
      issuer: 'https://flag',
    });
    expect(await input(['discover'], { OAUTH_ISSUER: 'https://env' })).toEqual({
      issuer: 'https://env',
    });
    expect(await input(['discover', 'https://arg'], { OAUTH_ISSUER: 'https://env' })).toEqual({
      issuer: 'https://arg',
    });
    expect(await input(['discover'])).toEqual({ issuer: undefined });
  });

  it('--lint fapi2; another profile is exit 2 listing the choices', async () => {
    expect(await input(['discover', 'https://arg', '--lint', 'fapi2'])).toEqual({
      issuer: 'https://arg',
      lint: 'fapi2',
    });
    const err = await usage(['discover', '--lint', 'fapi1']);
    expect(err).toMatchObject({ exitCode: 2 });
    expect(err.message).toMatch(/Allowed choices are fapi2/);
  });
});

describe('status and logout', () => {
  it('status: --issuer and --client-id, from flags or the environment', async () => {
    const { client } = await input(['status', '--issuer', 'https://idp.example'], {
      OAUTH_CLIENT_ID: 'app',
    });
    expect(client).toMatchObject({
      issuer: flag('https://idp.example'),
      clientId: env('app'),
      scopes: undefined,
    });
  });

  it('status takes no client secret', async () => {
    expect((await usage(['status', '--client-secret', 'x'])).message).toBe(
      "unknown option '--client-secret'",
    );
  });

  it('logout: --all, --revoke and the revocation credentials', async () => {
    expect(
      await input([
        'logout',
        '--all',
        '--revoke',
        '--client-id',
        'app',
        '--client-secret-file',
        '-',
        '--auth-method',
        'client_secret_post',
        '--private-key',
        'k.pem',
        '--key-id',
        'k1',
        '--revocation-endpoint',
        'https://idp.example/r',
      ]),
    ).toEqual({
      client: expect.objectContaining({
        clientId: flag('app'),
        clientSecretFile: flag('-'),
        authMethod: flag('client_secret_post'),
        privateKey: flag('k.pem'),
        keyId: 'k1',
        endpoints: { revocation: 'https://idp.example/r' },
      }),
      all: true,
      revoke: true,
    });
    expect(await input(['logout'], { OAUTH_CLIENT_SECRET: 'shh' })).toMatchObject({
      client: expect.objectContaining({ clientSecret: env('shh') }),
      all: false,
      revoke: false,
    });
  });
});

describe('profile', () => {
  it('add: every setting; --client-secret typed is secretFromFlag', async () => {
    expect(
      await input([
        'profile',
        'add',
        'work',
        '--issuer',
        'https://idp.example',
        '--client-id',
        'app',
        '--auth-method',
        'private_key_jwt',
        '--private-key',
        'key.pem',
        '--client-secret-file',
        's.txt',
        '--client-secret',
        'shh',
        '--save-secret',
        '--scope',
        'openid,email',
        '--scope',
        'profile',
        '--resource',
        'https://api',
        '--audience',
        'aud',
        '--redirect-uri',
        'http://127.0.0.1:8400/cb',
        '--force',
      ]),
    ).toEqual({
      name: 'work',
      issuer: 'https://idp.example',
      clientId: 'app',
      authMethod: 'private_key_jwt',
      privateKey: 'key.pem',
      clientSecret: 'shh',
      clientSecretFile: 's.txt',
      saveSecret: true,
      scope: ['openid', 'email', 'profile'],
      resource: ['https://api'],
      audience: 'aud',
      redirectUri: 'http://127.0.0.1:8400/cb',
      force: true,
      secretFromFlag: true,
    });
  });

  it('add reads no environment variables (OAUTH_CLIENT_SECRET is the command’s, with --save-secret)', async () => {
    expect(
      await input(['profile', 'add', 'ci', '--save-secret'], {
        OAUTH_ISSUER: 'https://env',
        OAUTH_CLIENT_SECRET: 'shh',
      }),
    ).toMatchObject({
      issuer: undefined,
      clientSecret: undefined,
      saveSecret: true,
      force: false,
      secretFromFlag: false,
    });
  });

  it('list, show [name], remove <name>', async () => {
    expect(await input(['profile', 'list'])).toEqual({});
    expect(await input(['profile', 'show'])).toEqual({ name: undefined });
    expect(await input(['profile', 'show', 'work'])).toEqual({ name: 'work' });
    expect(await input(['profile', 'remove', 'work'])).toEqual({ name: 'work' });
  });

  it('add and remove without a name are exit 2', async () => {
    expect(await usage(['profile', 'add'])).toMatchObject({
      exitCode: 2,
      message: "missing required argument 'name'",
    });
    expect((await usage(['profile', 'remove'])).exitCode).toBe(2);
  });
});

describe('completion', () => {
  it('the shell, and the command tree with every command and option', async () => {
    const { shell, tree } = (await input(['completion', 'zsh'])) as {
      shell: string;
      tree: {
        name: string;
        options: { flags: string[]; takesValue: boolean }[];
        subcommands: { name: string; subcommands: { name: string }[] }[];
      };
    };
    expect(shell).toBe('zsh');
    expect(tree.name).toBe('oauth');
    expect(tree.subcommands.map((c) => c.name)).toEqual([
      'decode',
      'verify',
      'login',
      'userinfo',
      'token',
      'call',
      'introspect',
      'revoke',
      'keygen',
      'demo',
      'server',
      'discover',
      'status',
      'logout',
      'switch',
      'register',
      'profile',
      'provider',
      'completion',
    ]);
    expect(
      tree.subcommands.find((c) => c.name === 'profile')?.subcommands.map((c) => c.name),
    ).toEqual(['add', 'list', 'show', 'remove']);
    expect(tree.options).toContainEqual(
      expect.objectContaining({ flags: ['--timeout'], takesValue: true }),
    );
    expect(tree.options).toContainEqual(
      expect.objectContaining({ flags: ['-v', '--verbose'], takesValue: false }),
    );
  });

  it('a shell that is not bash, zsh or fish is exit 2', async () => {
    const err = await usage(['completion', 'tcsh']);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});

describe('usage errors', () => {
  it('an unknown option is exit 2 with the help hint', async () => {
    expect(await usage(['token', '--bogus'])).toMatchObject({
      exitCode: 2,
      code: 'usage',
      message: "unknown option '--bogus'",
      hint: 'run `oauth --help` or `oauth <command> --help` for usage',
    });
  });

  it.each(['soon', '-1', ''])('--timeout %j is exit 2 asking for seconds', async (value) => {
    const err = await usage(['--timeout', value, 'decode', 't']);
    expect(err).toMatchObject({ exitCode: 2, code: 'usage' });
    expect(err.message).toMatch(/'--timeout <seconds>' argument .* is invalid\. expected a number/);
  });

  it('a bad OAUTH_TIMEOUT is exit 2 too', async () => {
    await expect(
      parseArgv(['decode', 't'], { env: { OAUTH_TIMEOUT: 'never' } }),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--timeout/) });
  });

  it('an unknown command suggests the right one', async () => {
    const err = await usage(['tokn']);
    expect(err.exitCode).toBe(2);
    expect(err).toMatchObject({
      message: "unknown command 'tokn'",
      hint: 'did you mean `oauth token`?',
    });
  });

  it.each([
    [['decod', 'x'], "unknown command 'decod'", 'did you mean `oauth decode`?'],
    [['decode', '--jsn', 'x'], "unknown option '--jsn'", 'did you mean `--json`?'],
    [['profile', 'ad', 'w'], "unknown command 'ad'", 'did you mean `oauth profile add`?'],
    [
      ['profile', 'add', 'w', '--isuer', 'x'],
      "unknown option '--isuer'",
      'did you mean `--issuer`?',
    ],
    [['version'], "unknown command 'version'", 'did you mean `oauth --version` or `oauth verify`?'],
  ])(
    'regression: "did you mean" is the hint, not a literal \\n in the message (%j)',
    async (argv, message, hint) => {
      expect(await usage(argv)).toEqual(expect.objectContaining({ exitCode: 2, message, hint }));
    },
  );
});

describe('a value that begins with "-"', () => {
  it('regression: a random token starting with "-" is an unknown option whose hint says to put -- first', async () => {
    const token = '-Q3bmxPZ0Yt8wQk2vR1h8mK0sHc9cQ';
    await expect(parseArgv(['introspect', token])).rejects.toMatchObject({
      exitCode: 2,
      hint: expect.stringContaining('goes after --'),
    });
    const parsed = await parseArgv(['introspect', '--', token]);
    expect(parsed.input).toMatchObject({ token });
    await expect(parseArgv(['decode', '--bogus'])).rejects.toMatchObject({
      hint: expect.stringContaining('--help'),
    });
  });
});
