// Where the config and token store live (README "The token store"): OAUTH_CONFIG_DIR, else $XDG_CONFIG_HOME/oauth,
// else ~/.config/oauth. Pure path arithmetic: nothing here touches the disk.
import { isAbsolute, join, resolve } from 'node:path';

export interface StorePaths {
  dir: string;
  tokens: string;
  profiles: string;
  /** Serializes every read-modify-write of the token file (and refreshes) across processes. */
  tokensLock: string;
  profilesLock: string;
  /** Clients registered by oauth (RFC 7591), one per authorization server. */
  registrations: string;
  registrationsLock: string;
}

export function configDir(env: NodeJS.ProcessEnv): string {
  const explicit = env.OAUTH_CONFIG_DIR;
  if (explicit) return resolve(explicit);
  // XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'oauth');
  // node:os on first use: a run given OAUTH_CONFIG_DIR or XDG_CONFIG_HOME does not load it.
  return join(process.getBuiltinModule('node:os').homedir(), '.config', 'oauth');
}

export function storePaths(env: NodeJS.ProcessEnv): StorePaths {
  const dir = configDir(env);
  return {
    dir,
    tokens: join(dir, 'tokens.json'),
    profiles: join(dir, 'profiles.json'),
    tokensLock: join(dir, 'tokens.json.lock'),
    profilesLock: join(dir, 'profiles.json.lock'),
    registrations: join(dir, 'registrations.json'),
    registrationsLock: join(dir, 'registrations.json.lock'),
  };
}
