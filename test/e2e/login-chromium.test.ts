// One `oauth login` in real headless Chromium (Debian's chromium through playwright-core, never a
// downloaded browser) as the BROWSER command: the real login and consent pages, the redirect to the
// loopback listener, the tokens stored. In CI a missing browser fails the test; locally it skips.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HELPER = fileURLToPath(new URL('../helpers/chromium-browser.mjs', import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const hasPlaywright = (() => {
  try {
    createRequire(import.meta.url).resolve('playwright-core');
    return true;
  } catch {
    return false;
  }
})();
const skipLocally = !(hasChromium && hasPlaywright) && !process.env.CI;

describe.skipIf(skipLocally)('oauth login in headless Chromium', () => {
  let server: OauthServer;
  beforeAll(async () => {
    server = await startOauthServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('signs in on the real pages and stores the tokens', async () => {
    expect(hasChromium, `${CHROMIUM} is missing (apt-get install chromium)`).toBe(true);
    expect(hasPlaywright, 'playwright-core is missing (a devDependency)').toBe(true);
    const config = tempConfigDir();
    const env = {
      OAUTH_CONFIG_DIR: config,
      BROWSER: `node ${HELPER}`,
      CHROMIUM_PATH: CHROMIUM,
      OAUTH_TEST_USER: 'carol',
      CI: '1',
    };
    const run = await runCli(
      [
        'login',
        '--issuer',
        server.issuer,
        '--client-id',
        'oauth-cli',
        '--scope',
        'openid offline_access api:read',
        '--wait',
        '60',
      ],
      { env, timeoutMs: 90_000 },
    );
    expect(run.stderr).not.toMatch(/chromium-browser\.mjs:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+carol/);
    const token = await runCli(['token'], { env });
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^eyJ/);
  }, 120_000);
});
