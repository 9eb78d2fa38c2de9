// Which bundle chunks (dist/*.cjs) a run of the built CLI loaded: a preload passed in NODE_OPTIONS
// prints their names on stderr at exit, and chunksOf reads them back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** NODE_OPTIONS that make the run print `chunks: a.cjs,b.cjs,...` on stderr when it exits. */
export function loadedChunks(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'oauth-chunks-')), 'chunks.cjs');
  writeFileSync(
    file,
    "process.on('exit', () => require('node:fs').writeSync(2, '\\nchunks: ' + " +
      'Object.keys(require.cache).filter((f) => /[\\\\/]dist[\\\\/]/.test(f))' +
      ".map((f) => require('node:path').basename(f)).join(',') + '\\n'));\n",
  );
  return `--require ${JSON.stringify(file)}`;
}

/** The chunk names a run with loadedChunks() printed, in load order. */
export const chunksOf = (stderr: string): string[] =>
  /chunks: (.*)/.exec(stderr)?.[1]?.split(',') ?? [];
