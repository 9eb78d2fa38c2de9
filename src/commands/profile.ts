// `oauth profile add|list|show|remove`: named settings that --profile / OAUTH_PROFILE select.
import { accessSync, constants } from 'node:fs';
import type { Context } from '../context.js';
import { profileStore } from '../client/stores.js';
import { ExitCode, usageError } from '../errors.js';
import { validateAuthMethod } from '../oauth/client-auth.js';
import { checkedPresetChoice, type PresetParts } from '../client/providers.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import {
  profileAddView,
  profileListView,
  profileRemoveView,
  profileShowView,
  type NamedProfile,
  type ProfileList,
  type ProfileSaved,
} from '../output/profile.js';
import {
  absolutePath,
  validateIssuer,
  validateProfileName,
  validateOrigin,
  validateRedirectUri,
  validateResource,
  type Profile,
} from '../store/profiles.js';

export interface ProfileAddInput {
  name: string;
  issuer?: string | undefined;
  clientId?: string | undefined;
  authMethod?: string | undefined;
  privateKey?: string | undefined;
  clientSecret?: string | undefined;
  clientSecretFile?: string | undefined;
  saveSecret: boolean;
  scope?: string[] | undefined;
  resource?: string[] | undefined;
  audience?: string | undefined;
  redirectUri?: string | undefined;
  allowOrigin?: string[] | undefined;
  /** --provider and the preset's parts (src/client/providers.ts). */
  provider?: string | undefined;
  providerParts?: PresetParts | undefined;
  force: boolean;
  /** --client-secret was typed on the command line (visible in the process list). */
  secretFromFlag: boolean;
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

function buildProfile(options: ProfileAddInput, ctx: Context): Profile {
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
  if (options.allowOrigin && options.allowOrigin.length > 0) {
    profile.allowOrigins = options.allowOrigin.map((o) => validateOrigin(o));
  }
  if (options.redirectUri !== undefined) {
    profile.redirectUri = validateRedirectUri(options.redirectUri);
  }
  Object.assign(profile, presetChoice(options));
  if (Object.keys(profile).length === 0) {
    throw usageError(
      'profile_empty',
      'nothing to save: give at least one setting',
      'e.g. oauth profile add work --issuer https://idp.example --client-id my-app',
    );
  }
  return profile;
}

/** --provider and its parts, checked as a login would use them (exit 2 naming what is wrong). */
function presetChoice(options: ProfileAddInput): Partial<Profile> {
  const parts = options.providerParts ?? {};
  const given = (Object.keys(parts) as (keyof PresetParts)[]).filter(
    (part) => parts[part] !== undefined,
  );
  if (options.provider === undefined) {
    const part = given[0];
    if (part === undefined) return {};
    const flag = `--${part.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw usageError(
      'provider_missing',
      `${flag} is a part of a --provider preset, and no --provider is given`,
      `add --provider <name> (\`oauth provider list\`), or leave ${flag} out`,
    );
  }
  const chosen: Partial<Profile> = { provider: checkedPresetChoice(options.provider, parts) };
  for (const part of given) chosen[part] = parts[part];
  return chosen;
}

async function runAdd(input: ProfileAddInput, ctx: Context): Promise<Outcome<ProfileSaved>> {
  const { name } = input;
  validateProfileName(name);
  const profile = buildProfile(input, ctx);
  const warn = findingReporter(ctx);
  if (input.secretFromFlag && profile.clientSecret !== undefined) {
    warn({
      level: 'warning',
      code: 'secret_on_command_line',
      message:
        '--client-secret on the command line is visible in the process list and shell history; prefer OAUTH_CLIENT_SECRET',
    });
  }
  const profiles = profileStore(ctx, warn);
  const replaced = await profiles.update((file) => {
    const exists = Object.hasOwn(file.profiles, name);
    if (exists && !input.force) {
      throw usageError(
        'profile_exists',
        `a profile named ${JSON.stringify(name)} already exists`,
        'add --force to replace it, or `oauth profile remove` it first',
      );
    }
    file.profiles[name] = profile;
    return exists;
  });
  return {
    exitCode: ExitCode.ok,
    result: { profile: { name, ...profile }, replaced, path: profiles.path },
  };
}

function named(profiles: Record<string, Profile>): NamedProfile[] {
  return Object.entries(profiles)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, profile]) => ({ name, ...profile }));
}

async function runList(_input: object, ctx: Context): Promise<Outcome<ProfileList>> {
  const profiles = profileStore(ctx, findingReporter(ctx));
  return {
    exitCode: ExitCode.ok,
    result: { profiles: named(profiles.read().profiles), active: ctx.globals.profile },
  };
}

async function runShow(
  input: { name: string | undefined },
  ctx: Context,
): Promise<Outcome<NamedProfile>> {
  const which = input.name ?? ctx.globals.profile;
  if (which === undefined) {
    throw usageError(
      'profile_missing',
      'which profile? give a name, --profile or OAUTH_PROFILE',
      '`oauth profile list` shows the profiles',
    );
  }
  const profiles = profileStore(ctx, findingReporter(ctx));
  return { exitCode: ExitCode.ok, result: { name: which, ...profiles.get(which) } };
}

async function runRemove(input: { name: string }, ctx: Context): Promise<Outcome<string>> {
  const { name } = input;
  const profiles = profileStore(ctx, findingReporter(ctx));
  profiles.get(name); // exit 2 before taking the lock when there is no such profile
  await profiles.update((file) => {
    if (!Object.hasOwn(file.profiles, name)) profiles.get(name);
    delete file.profiles[name];
  });
  return { exitCode: ExitCode.ok, result: name };
}

export const add = { run: runAdd, view: profileAddView };
export const list = { run: runList, view: profileListView };
export const show = { run: runShow, view: profileShowView };
export const remove = { run: runRemove, view: profileRemoveView };
