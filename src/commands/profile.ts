// `oauth profile add|list|show|remove`: named settings that --profile / OAUTH_PROFILE select.
import { accessSync, constants } from 'node:fs';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import {
  displayProfile,
  renderProfile,
  renderProfileJson,
  renderProfileList,
  type NamedProfile,
} from '../output/profile.js';
import {
  absolutePath,
  validateAuthMethod,
  validateIssuer,
  validateProfileName,
  validateRedirectUri,
  validateResource,
  type Profile,
} from '../store/profiles.js';
import { openStores } from './store-context.js';

export interface ProfileAddOptions {
  issuer?: string;
  clientId?: string;
  authMethod?: string;
  privateKey?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  saveSecret?: boolean;
  scope?: string[];
  resource?: string[];
  audience?: string;
  redirectUri?: string;
  force?: boolean;
  /** --client-secret was typed on the command line (visible in the process list). */
  secretFromFlag?: boolean;
}

function readableFile(file: string, flag: string): string {
  if (file === '-') {
    throw usageError(
      'profile_stdin',
      `${flag} - (stdin) cannot be saved in a profile`,
      `pass a file path to ${flag}`,
    );
  }
  const path = absolutePath(file);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw usageError('file_not_found', `${flag}: cannot read ${path}`, 'check the path');
  }
  return path;
}

function buildProfile(options: ProfileAddOptions, ctx: Context): Profile {
  const profile: Profile = {};
  if (options.issuer !== undefined) profile.issuer = validateIssuer(options.issuer);
  if (options.clientId !== undefined) profile.clientId = options.clientId;
  if (options.authMethod !== undefined) profile.authMethod = validateAuthMethod(options.authMethod);
  if (options.privateKey !== undefined) {
    profile.privateKey = readableFile(options.privateKey, '--private-key');
  }
  if (options.clientSecretFile !== undefined) {
    profile.clientSecretFile = readableFile(options.clientSecretFile, '--client-secret-file');
  }
  const secret =
    options.clientSecret ?? (options.saveSecret ? ctx.env.OAUTH_CLIENT_SECRET : undefined);
  if (options.saveSecret) {
    if (secret === undefined || secret === '') {
      throw usageError(
        'secret_missing',
        '--save-secret needs a secret: --client-secret or OAUTH_CLIENT_SECRET',
        'or save only its location with --client-secret-file <file>',
      );
    }
    profile.clientSecret = secret;
  } else if (options.clientSecret !== undefined) {
    throw usageError(
      'secret_not_saved',
      'a client secret is not saved in a profile unless you ask with --save-secret',
      'add --save-secret (the file is 0600), or use --client-secret-file <file> to save only its path',
    );
  }
  if (options.scope && options.scope.length > 0) profile.scopes = options.scope;
  if (options.resource && options.resource.length > 0) {
    profile.resources = options.resource.map((r) => validateResource(r));
  }
  if (options.audience !== undefined) profile.audience = options.audience;
  if (options.redirectUri !== undefined) {
    profile.redirectUri = validateRedirectUri(options.redirectUri);
  }
  if (Object.keys(profile).length === 0) {
    throw usageError(
      'profile_empty',
      'nothing to save: give at least one setting',
      'e.g. oauth profile add work --issuer https://idp.example --client-id my-app',
    );
  }
  return profile;
}

export async function profileAddCommand(
  name: string,
  options: ProfileAddOptions,
  ctx: Context,
): Promise<number> {
  validateProfileName(name);
  const profile = buildProfile(options, ctx);
  const s = ctx.io.errStyle;
  if (options.secretFromFlag && profile.clientSecret !== undefined) {
    ctx.io.err(
      `${s.yellow('warning:')} --client-secret on the command line is visible in the process list and shell history; prefer OAUTH_CLIENT_SECRET\n`,
    );
  }
  const { profiles } = openStores(ctx);
  const replaced = await profiles.update((file) => {
    const exists = Object.hasOwn(file.profiles, name);
    if (exists && !options.force) {
      throw usageError(
        'profile_exists',
        `a profile named ${JSON.stringify(name)} already exists`,
        'add --force to replace it, or `oauth profile remove` it first',
      );
    }
    file.profiles[name] = profile;
    return exists;
  });
  if (ctx.globals.json) {
    ctx.io.out(renderProfileJson(displayProfile({ name, ...profile }, ctx.globals.showSecrets)));
  }
  ctx.io.err(`${replaced ? 'Replaced' : 'Saved'} profile ${s.bold(name)} in ${profiles.path}\n`);
  if (!ctx.globals.json) ctx.io.err(s.dim(`use it with: oauth --profile ${name} <command>\n`));
  return 0;
}

function named(profiles: Record<string, Profile>): NamedProfile[] {
  return Object.entries(profiles)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, profile]) => ({ name, ...profile }));
}

export async function profileListCommand(ctx: Context): Promise<number> {
  const { profiles } = openStores(ctx);
  const list = named(profiles.read().profiles).map((p) =>
    displayProfile(p, ctx.globals.showSecrets),
  );
  if (ctx.globals.json) {
    ctx.io.out(renderProfileJson(list));
  } else if (list.length === 0) {
    ctx.io.err('no profiles\n');
    ctx.io.err(
      ctx.io.errStyle.dim('hint: oauth profile add <name> --issuer <url> --client-id <id>\n'),
    );
  } else {
    ctx.io.out(renderProfileList(list, ctx.globals.profile, ctx.io.outStyle));
  }
  return 0;
}

export async function profileShowCommand(name: string | undefined, ctx: Context): Promise<number> {
  const which = name ?? ctx.globals.profile;
  if (which === undefined) {
    throw usageError(
      'profile_missing',
      'which profile? give a name, --profile or OAUTH_PROFILE',
      '`oauth profile list` shows the profiles',
    );
  }
  const { profiles } = openStores(ctx);
  const shown = displayProfile({ name: which, ...profiles.get(which) }, ctx.globals.showSecrets);
  ctx.io.out(ctx.globals.json ? renderProfileJson(shown) : renderProfile(shown, ctx.io.outStyle));
  return 0;
}

export async function profileRemoveCommand(name: string, ctx: Context): Promise<number> {
  const { profiles } = openStores(ctx);
  profiles.get(name); // exit 2 before taking the lock when there is no such profile
  await profiles.update((file) => {
    if (!Object.hasOwn(file.profiles, name)) profiles.get(name);
    delete file.profiles[name];
  });
  if (ctx.globals.json) ctx.io.out(`${JSON.stringify({ removed: name })}\n`);
  ctx.io.err(`Removed profile ${ctx.io.errStyle.bold(name)}\n`);
  return 0;
}
