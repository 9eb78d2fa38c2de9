// `oauth logout`: delete cached tokens: the current login, the selected issuer/client/profile, or
// with --all the whole token file (also the way out of a corrupt store).
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { entryMatches, resolveSettings, usesCurrentLogin } from '../store/settings.js';
import type { TokenEntry } from '../store/tokens.js';
import { safeText } from '../output/text.js';
import { openStores } from './store-context.js';

export interface LogoutOptions {
  options: Record<string, unknown> & { all?: boolean; revoke?: boolean };
  sourceOf?: (option: string) => string | undefined;
}

function summary(entry: TokenEntry) {
  return {
    issuer: entry.issuer,
    client_id: entry.client_id,
    scopes: entry.scopes,
    resources: entry.resources,
    profile: entry.profile ?? null,
  };
}

export async function logoutCommand(input: LogoutOptions, ctx: Context): Promise<number> {
  const { options } = input;
  if (options.revoke) {
    // TODO(issue 3, revocation): discover revocation_endpoint, authenticate the client and POST
    // each refresh/access token (RFC 7009 §2.1) via ctx.http() before deleting. Until the HTTP and
    // client-authentication layers land, refuse before touching the store.
    throw new CliError(
      'not_implemented',
      ExitCode.internal,
      'logout --revoke is not implemented yet',
      {
        hint: 'run `oauth revoke <token>` for each token, then `oauth logout` without --revoke',
      },
    );
  }
  const { tokens, profiles } = openStores(ctx);
  const s = ctx.io.errStyle;
  let removed: TokenEntry[];
  if (options.all) {
    // Best effort for the summary only: a corrupt file is deleted all the same.
    let before: TokenEntry[] = [];
    try {
      before = tokens.list().map((l) => l.entry);
    } catch {
      before = [];
    }
    const existed = await tokens.removeAll();
    removed = existed ? before : [];
  } else {
    const settings = resolveSettings({
      options,
      sourceOf: input.sourceOf,
      profileName: ctx.globals.profile,
      loadProfile: (name) => profiles.get(name),
    });
    const current = usesCurrentLogin(settings);
    removed = await tokens.update((tx) => {
      let target = settings;
      if (current) {
        const login = tx.current()?.entry;
        if (!login) return [];
        target = { ...settings, issuer: login.issuer, clientId: login.client_id };
      }
      return tx.delete((entry) => entryMatches(entry, target));
    });
  }
  if (ctx.globals.json) {
    ctx.io.out(
      `${JSON.stringify({ removed: removed.map(summary), store: tokens.path }, null, 2)}\n`,
    );
  }
  if (removed.length === 0) {
    ctx.io.err(`not logged in: no cached tokens to remove\n`);
    return 0;
  }
  const logins = [...new Set(removed.map((e) => safeText(`${e.client_id} at ${e.issuer}`)))];
  const count = removed.length === 1 ? '1 cached token' : `${removed.length} cached tokens`;
  ctx.io.err(`Logged out: removed ${count} (${logins.join('; ')})\n`);
  ctx.io.err(
    s.dim(
      'the tokens stay valid at the server until they expire (oauth revoke <token> ends them)\n',
    ),
  );
  return 0;
}
