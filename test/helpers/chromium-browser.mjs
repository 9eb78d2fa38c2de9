// A real browser for BROWSER="node test/helpers/chromium-browser.mjs": headless Chromium (Debian's
// /usr/bin/chromium, or CHROMIUM_PATH) through playwright-core, never a downloaded browser. Opens the
// URL (the last argument) in a fresh profile, signs in on the embedded server's login page as
// OAUTH_TEST_USER (default alice), allows the consent, and waits for the loopback callback page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const start = process.argv.at(-1);
const user = process.env.OAUTH_TEST_USER ?? 'alice';
const issuerOrigin = new URL(start).origin;
const profile = mkdtempSync(join(tmpdir(), 'oauth-chromium-'));

function fail(message) {
  process.stderr.write(`chromium-browser.mjs: ${message}\n`);
  process.exitCode = 1;
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  timeout: 30_000,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  await page.goto(start);
  for (let step = 0; step < 10; step++) {
    await page.waitForLoadState('load');
    if (new URL(page.url()).origin !== issuerOrigin) break; // the loopback callback page
    const login = page.locator('form[action$="/login"]');
    const consent = page.locator('form[action$="/confirm"]');
    if ((await login.count()) > 0) {
      await login.locator('input[name="login"]').fill(user);
      await Promise.all([page.waitForNavigation(), login.locator('button[type="submit"]').click()]);
    } else if ((await consent.count()) > 0) {
      await Promise.all([
        page.waitForNavigation(),
        consent.locator('button[type="submit"]').click(),
      ]);
    } else {
      fail(
        `no login or consent form at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 200)}`,
      );
      break;
    }
  }
  const text = (await page.textContent('body')) ?? '';
  if (!/Signed in/.test(text))
    fail(`ended at ${page.url()} without the success page: ${text.slice(0, 200)}`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
