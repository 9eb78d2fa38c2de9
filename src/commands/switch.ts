// `oauth switch [id]`: make another cached login the current one, explicitly (as `gh auth switch`):
// by the id `oauth status` shows, or by --issuer/--client-id/--profile. The current login never
// changes by itself (README "The token store").
import { noUsableTokenError } from '../client/cached-token.js';
import { statusEntry } from '../client/entry-summary.js';
import {
  clientSettings,
  entryMatches,
  usesCurrentLogin,
  type ClientInput,
  type Settings,
} from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import { shellCommand } from '../shell.js';
import type { SwitchResult } from '../output/switch.js';
import { entryIds, holdsToken, isUsable, type ListedEntry } from '../store/tokens.js';

export interface SwitchInput {
  /** The id `oauth status` shows, or a prefix of it (4 characters or more). */
  id: string | undefined;
  /** --issuer and --client-id (and --profile) select the login instead. */
  client: ClientInput;
}

export { switchView as view } from '../output/switch.js';

/** The shortest id prefix `oauth switch` takes. */
const MIN_PREFIX = 4;

/** "1a2b3c4d (app at https://idp.example, scopes openid), ...": the candidates of an error. */
function candidates(listed: readonly ListedEntry[], ids: Map<string, string>): string {
  return listed
    .map(({ key, entry }) => {
      const scopes = entry.scopes.length > 0 ? `, scopes ${entry.scopes.join(' ')}` : '';
      const profile = entry.profile === undefined ? '' : `, profile ${entry.profile}`;
      return `${ids.get(key) ?? ''} (${entry.client_id} at ${entry.issuer}${scopes}${profile})`;
    })
    .join('; ');
}

/** `oauth switch` with the --issuer / --client-id given (placeholders for what is not). */
function switchByFlags(settings: Settings): string {
  const words = ['oauth', 'switch'];
  if (settings.issuer !== undefined) words.push('--issuer', settings.issuer);
  if (settings.clientId !== undefined) words.push('--client-id', settings.clientId);
  const command = shellCommand(words);
  if (settings.issuer === undefined && settings.clientId === undefined) {
    return `${command} --issuer <url> --client-id <id>`;
  }
  return command;
}

export async function run(input: SwitchInput, ctx: Context): Promise<Outcome<SwitchResult>> {
  const warn = findingReporter(ctx);
  const tokens = tokenStore(ctx, warn);
  const settings = clientSettings(ctx, input.client, warn);
  const byFlags =
    settings.sources.issuer === 'flag' ||
    settings.sources.clientId === 'flag' ||
    (input.id === undefined && !usesCurrentLogin(settings));
  if (input.id !== undefined && byFlags) {
    throw usageError(
      'switch_selection_twice',
      'oauth switch: an id and --issuer/--client-id both select the login',
      `give one: \`${shellCommand(['oauth', 'switch', input.id])}\`, or \`${switchByFlags(settings)}\``,
    );
  }
  return tokens.update((tx) => {
    const all = tx.list().filter((l) => l.current || holdsToken(l.entry));
    const ids = entryIds(all.map((l) => l.key));
    const list = () =>
      all.length === 0 ? 'none is cached' : `the cached logins: ${candidates(all, ids)}`;
    if (all.length === 0) {
      throw usageError(
        'switch_nothing_cached',
        'oauth switch: no login is cached',
        'log in first: `oauth login`, or `oauth token --grant client_credentials ...`',
      );
    }
    let matches: ListedEntry[];
    let asked: string;
    if (input.id !== undefined) {
      const id = input.id.trim().toLowerCase();
      if (!/^[0-9a-f]+$/.test(id) || id.length < MIN_PREFIX) {
        throw usageError(
          'switch_id_invalid',
          `oauth switch: ${JSON.stringify(input.id)} is not an id (${MIN_PREFIX} or more hex digits, as \`oauth status\` shows)`,
          list(),
        );
      }
      matches = all.filter((l) => ids.get(l.key)?.startsWith(id));
      asked = `the id ${id}`;
    } else if (byFlags) {
      matches = all.filter((l) => entryMatches(l.entry, settings));
      // --profile: of the entries of its issuer and client, the ones stored with it.
      const ofProfile = matches.filter((l) => l.entry.profile === settings.profile);
      if (settings.profile !== undefined && ofProfile.length > 0) matches = ofProfile;
      const what = [
        settings.issuer === undefined ? undefined : `issuer ${settings.issuer}`,
        settings.clientId === undefined ? undefined : `client ${settings.clientId}`,
      ].filter((w) => w !== undefined);
      asked = what.join(' and ') || `profile ${settings.profile ?? ''}`;
    } else {
      throw usageError(
        'switch_nothing_selected',
        'oauth switch: which login? give its id, or --issuer/--client-id/--profile',
        list(),
      );
    }
    if (matches.length === 0) {
      throw usageError('switch_unknown', `oauth switch: no cached login has ${asked}`, list());
    }
    const [chosen, ...more] = matches;
    if (chosen === undefined || more.length > 0) {
      throw usageError(
        'switch_ambiguous',
        `oauth switch: ${matches.length} cached logins have ${asked}`,
        `give the id of one: ${candidates(matches, ids)}`,
      );
    }
    const previous = tx.current();
    const nowMs = ctx.now();
    if (previous?.key !== chosen.key) tx.switchTo(chosen.key);
    const now = { ...chosen, current: true };
    const usable = isUsable(chosen.entry, nowMs) || chosen.entry.refresh_token !== undefined;
    return {
      exitCode: ExitCode.ok,
      result: {
        entry: statusEntry(now, ids.get(chosen.key) ?? '', nowMs, tokens.path),
        previous: previous === undefined ? null : (ids.get(previous.key) ?? null),
        changed: previous?.key !== chosen.key,
        // switchTo drops a current login that held no token any more: it was kept only for that.
        droppedPrevious:
          previous !== undefined && previous.key !== chosen.key && !holdsToken(previous.entry)
            ? `${previous.entry.client_id} at ${previous.entry.issuer}`
            : undefined,
        unusable: usable ? undefined : noUsableTokenError(now, nowMs),
      },
    };
  });
}
