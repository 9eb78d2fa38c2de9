// Two projects: `unit` runs in process (milliseconds a test); `e2e` runs the built CLI or the
// embedded server as child processes, so it builds dist/ once first and has timeouts that fit a
// busy 2-core machine. `npm test` runs both; `npx vitest run --project unit` only the first.
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The test files that spawn bin/oauth.js (runCli, BIN, startOauthServer from test/helpers/): a
 * directory (ending in "/") or a file. test/architecture.test.ts checks that none is missing.
 */
export const E2E_FILES = ['test/e2e/', 'test/cli.test.ts', 'test/server/browser-helper.test.ts'];

const e2eGlobs = E2E_FILES.map((path) => (path.endsWith('/') ? `${path}**/*.test.ts` : path));

export default defineConfig({
  test: {
    // Two cores: one file per core. An e2e test spends most of its time in the child processes
    // it starts, which need the cores too; more workers only make every deadline tighter.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...e2eGlobs],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: e2eGlobs,
          globalSetup: ['test/helpers/build.ts'],
          // A login is several processes (the CLI, the browser helper, the server's work); on a
          // loaded machine each may take seconds to start.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
