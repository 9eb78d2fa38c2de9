// Keeps the layering honest (README "Architecture"): protocol, token, HTTP, store and client code
// compute and never print, prompt, colour or exit; commands are verbs that never import each
// other; only main.ts ends the process; only output/prompt.ts prompts; only the composition root
// reads the process's arguments, environment and stdout. And every test that runs the built CLI
// is in the e2e project.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { E2E_FILES } from '../vitest.config.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
  const computeLayers = ['oauth/', 'token/', 'http/', 'store/', 'mcp/'];
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

  it('only output/qr.ts imports the QR encoder, and only the device flow loads it, lazily', () => {
    const encoder = all.filter((f) => imports(f.text).includes('uqr')).map((f) => f.path);
    expect(encoder).toEqual(['output/qr.ts']);
    const loaders = all.filter((f) => /output\/qr\.js/.test(f.text));
    expect(loaders.map((f) => f.path)).toEqual(['commands/login.ts']);
    expect(loaders[0]?.text).not.toMatch(/from\s+'\.\.\/output\/qr\.js'/);
  });

  it('no command imports another command', () => {
    const offenders = all
      .filter((f) => f.path.startsWith('commands/'))
      .flatMap((f) =>
        imports(f.text)
          .filter((spec) => spec.startsWith('./'))
          .map((spec) => `${f.path} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('src/commands/ holds verbs only: each exports run and the view of its result', async () => {
    const commands = all.filter((f) => f.path.startsWith('commands/'));
    expect(commands.length).toBeGreaterThan(10);
    for (const f of commands) {
      const module = (await import(`../src/${f.path.replace(/\.ts$/, '.js')}`)) as Record<
        string,
        unknown
      >;
      // profile's four subcommands are {run, view} pairs of their own
      const verbs = f.path === 'commands/profile.ts' ? ['add', 'list', 'show', 'remove'] : [null];
      for (const verb of verbs) {
        const entry = (verb === null ? module : module[verb]) as Record<string, unknown>;
        expect(typeof entry.run, `${f.path} ${verb ?? ''} run`).toBe('function');
        expect(typeof entry.view, `${f.path} ${verb ?? ''} view`).toBe('object');
      }
    }
  });

  it.each(all.filter((f) => f.path.startsWith('client/')))(
    '$path (client layer) imports no output, commander or inquirer',
    ({ text }) => {
      const bad = /^(chalk|commander|inquirer|@inquirer\/.*)$|\/output\/|^\.\.\/cli\//;
      expect(imports(text).filter((spec) => bad.test(spec))).toEqual([]);
      expect(text).not.toMatch(/process\.(stdout|stderr|exit)|console\./);
    },
  );

  it('only the composition root reads process.argv, process.env and process.stdout', () => {
    const roots = ['main.ts', 'cli/index.ts', 'output/io.ts', 'compile-cache.ts'];
    const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const offenders = all.filter(
      (f) => !roots.includes(f.path) && /process\.(argv|env|stdout)\b/.test(code(f.text)),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('commander is wired in src/cli/ only', () => {
    const offenders = all.filter(
      (f) => !f.path.startsWith('cli/') && imports(f.text).includes('commander'),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });
});

describe('test layout', () => {
  it('every test file that runs the built CLI is in the e2e project (its build, its timeouts)', () => {
    const spawnsCli =
      /import\s*\{[^}]*\b(runCli|BIN|startOauthServer)\b[^}]*\}\s*from\s*'[^']*helpers\/(cli|server)\.js'/;
    const tests = files(join(ROOT, 'test'))
      .map((path) => relative(ROOT, path).replaceAll('\\', '/'))
      .filter((path) => path.endsWith('.test.ts'));
    const covers = (entry: string, path: string) =>
      entry.endsWith('/') ? path.startsWith(entry) : path === entry;
    const missing = tests.filter(
      (path) =>
        !E2E_FILES.some((entry) => covers(entry, path)) &&
        spawnsCli.test(readFileSync(join(ROOT, path), 'utf8')),
    );
    expect(missing).toEqual([]);
    expect(E2E_FILES.filter((entry) => !tests.some((path) => covers(entry, path)))).toEqual([]);
  });
});
