// Ages the token store of a config directory instead of waiting: for tests that need a cached
// token to have expired (the format is src/store/tokens.ts's TokenFile).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sets expires_at of every cached token in `configDir`/tokens.json a minute in the past. */
export function expireCachedTokens(configDir: string): void {
  const path = join(configDir, 'tokens.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as { entries: { expires_at?: string }[] };
  if (file.entries.length === 0) throw new Error(`${path} holds no token to expire`);
  const past = new Date(Date.now() - 60_000).toISOString();
  for (const entry of file.entries) entry.expires_at = past;
  // Written in place, as the store writes it: the file keeps its 0600 mode.
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
