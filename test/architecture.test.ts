// Keeps the layering of DESIGN.md honest: protocol, token, HTTP and store code compute and never
// print, prompt, colour or exit; only main.ts ends the process; only output/prompt.ts prompts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const all = files(SRC).map((path) => ({
  path: relative(SRC, path).replaceAll('\\', '/'),
  text: readFileSync(path, 'utf8'),
}));

function imports(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

describe('architecture', () => {
  const computeLayers = ['oauth/', 'token/', 'http/', 'store/'];
  const forbidden = /^(chalk|commander|open|inquirer|@inquirer\/.*)$|\/output\//;

  it.each(all.filter((f) => computeLayers.some((layer) => f.path.startsWith(layer))))(
    '$path neither prints, prompts nor exits',
    ({ text }) => {
      expect(imports(text).filter((spec) => forbidden.test(spec))).toEqual([]);
      expect(text).not.toMatch(/process\.(stdout|stderr|exit)|console\./);
    },
  );

  it('only main.ts ends the process or sets its exit code', () => {
    const offenders = all.filter(
      (f) => f.path !== 'main.ts' && /process\.(exit\b|exitCode)/.test(f.text),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('only output/prompt.ts imports inquirer', () => {
    const offenders = all.filter(
      (f) => f.path !== 'output/prompt.ts' && imports(f.text).some((s) => /inquirer/.test(s)),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('only server/ and the commands that start it import oidc-provider', () => {
    const offenders = all.filter(
      (f) => !f.path.startsWith('server/') && imports(f.text).includes('oidc-provider'),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('commander is wired in cli.ts only', () => {
    const offenders = all.filter(
      (f) => f.path !== 'cli.ts' && imports(f.text).includes('commander'),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });
});
