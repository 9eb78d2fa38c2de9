// globalSetup of the e2e project (vitest.config.ts): builds dist/ once, as `npm run build` does,
// before any test runs the CLI, and again before each re-run in watch mode, so that no test ever
// runs a stale build.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
}

export default async function setup(project: TestProject): Promise<void> {
  await build();
  project.onTestsRerun(build);
}
