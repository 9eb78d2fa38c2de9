// What an interactive `oauth login` completes (README "oauth login"): a missing issuer asked for at
// a terminal, then a scope from the server's scopes_supported, and the profile the user named,
// written once the server accepted the client, so that no later failure loses it. A missing client
// id is clientForServer's (client/registration.ts): registered, else asked for, else exit 2.
import type { Context } from '../context.js';
import type { Warn } from '../findings.js';
import type { Metadata } from '../oauth/discovery.js';
import { validateIssuer, validateProfileName } from '../store/profiles.js';
import { missingClientId, requireValues } from './required.js';
import { metadataList, missingIssuer, type EndpointName } from './server.js';
import type { Settings } from './settings.js';
import { profileStore } from './stores.js';

/** The questions, as output/prompt.ts asks them (passed in: this layer never prompts itself). */
export interface Asker {
  askText(message: string, validate: (value: string) => string | true): Promise<string>;
  askConfirm(message: string): Promise<boolean>;
  askScopes(offered: readonly string[] | undefined): Promise<string[]>;
}

export interface LoginSettings {
  settings: Settings;
  /**
   * After discovery, in a run that asked for the issuer or client id: the scope when none is
   * given (from the metadata's scopes_supported), then whether to save a profile, and its name.
   */
  withServer(metadata: Metadata | undefined): Promise<Settings>;
  /** The settings the login goes on with (the issuer the metadata names, the client id to use). */
  chose(settings: Settings): void;
  /**
   * The server accepted the client: its authorization response reached the redirect URI with the
   * flow's state (`scopes`: with a code, so the scopes too), or it answered the device request.
   */
  accepted(scopes: boolean): void;
  /** Writes the profile, if one was named and the server accepted the client: the name written. */
  settle(): Promise<string | undefined>;
}

/** The validation of an answer: the CliError's message, or true. */
function check(fn: () => unknown): string | true {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The settings of a login: what is missing asked for at a terminal (CI unset), else exit 2
 * naming every missing value. `asker` loads the prompts only when there is something to ask.
 */
export async function loginSettings(
  ctx: Context,
  given: Settings,
  needed: readonly EndpointName[],
  warn: Warn,
  asker: () => Promise<Asker>,
): Promise<LoginSettings> {
  const issuerMissing = missingIssuer(given.issuer, given.endpoints, needed);
  const clientMissing = missingClientId(given.clientId);
  if (!ctx.io.canPrompt || (issuerMissing === undefined && clientMissing === undefined)) {
    // With no issuer nothing can register a client, so both are named; with one, a missing
    // client id may still be registered there (clientForServer).
    requireValues(
      issuerMissing === undefined
        ? []
        : [
            issuerMissing,
            clientMissing && {
              ...clientMissing,
              label:
                'the client id (--client-id or OAUTH_CLIENT_ID, unless the server registers one)',
            },
          ],
    );
    return {
      settings: given,
      withServer: async () => given,
      chose: () => {},
      accepted: () => {},
      settle: async () => undefined,
    };
  }
  const ask = await asker();
  const next: Settings = { ...given, sources: { ...given.sources } };
  if (issuerMissing) {
    next.issuer = await ask.askText('Issuer URL (the authorization server):', (v) =>
      check(() => validateIssuer(v, 'the issuer')),
    );
  }
  let profileName: string | undefined;
  let final: Settings = next;
  let accepted: 'client' | 'scopes' | undefined;
  return {
    settings: next,
    withServer: async (metadata) => {
      if (next.scopes.length === 0) {
        next.scopes = await ask.askScopes(metadataList(metadata, 'scopes_supported'));
      }
      if (given.profile === undefined && (await ask.askConfirm('Save these as a profile?'))) {
        profileName = await ask.askText('Profile name:', (v) =>
          check(() => validateProfileName(v)),
        );
      }
      return next;
    },
    chose: (settings) => {
      final = settings;
    },
    accepted: (scopes) => {
      if (accepted !== 'scopes') accepted = scopes ? 'scopes' : 'client';
    },
    settle: async () => {
      if (profileName === undefined || accepted === undefined) return undefined;
      const name = profileName;
      // An error at the redirect URI proves the issuer and client, not the scopes it refused.
      const withScopes = accepted === 'scopes';
      try {
        await profileStore(ctx, warn).update((file) => {
          const profile: Record<string, unknown> = { ...file.profiles[name] };
          if (final.issuer !== undefined) profile.issuer = final.issuer;
          if (final.clientId !== undefined) profile.clientId = final.clientId;
          if (withScopes && final.scopes.length > 0) profile.scopes = final.scopes;
          if (final.redirectUri !== undefined) profile.redirectUri = final.redirectUri;
          file.profiles[name] = profile;
        });
      } catch (err) {
        // Never in place of the login's own outcome: said, and the login's result stands.
        const why = err instanceof Error ? err.message : String(err);
        warn({
          level: 'warning',
          code: 'profile_not_saved',
          message: `the profile ${name} was not saved: ${why}`,
        });
        return undefined;
      }
      return name;
    },
  };
}
