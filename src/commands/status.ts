// `oauth status`: what is in the token cache (never the tokens themselves): whose, for what, until
// when; and OAUTH_TOKEN first when it is set, since the commands use it before the cache.
import type { Context } from '../context.js';
import {
  clientSettings,
  entryMatches,
  usesCurrentLogin,
  type ClientInput,
} from '../client/settings.js';
import { envTokenStatus } from '../client/env-token.js';
import { statusEntry } from '../client/entry-summary.js';
import { registrationStore, tokenStore } from '../client/stores.js';
import { ExitCode } from '../errors.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import type { StatusResult } from '../output/status.js';
import { forIssuer } from '../store/registrations.js';
import { entryIds } from '../store/tokens.js';

export interface StatusInput {
  /** --issuer and --client-id narrow the list (so does --profile). */
  client: ClientInput;
}

export { statusView as view } from '../output/status.js';

export async function run(input: StatusInput, ctx: Context): Promise<Outcome<StatusResult>> {
  const warn = findingReporter(ctx);
  const tokens = tokenStore(ctx, warn);
  const settings = clientSettings(ctx, input.client, warn);
  const all = tokens.list();
  // Everything cached, the current login first; narrowed to an issuer/client/profile when given.
  const shown = (
    usesCurrentLogin(settings) ? all : all.filter((l) => entryMatches(l.entry, settings))
  ).toSorted((a, b) => Number(b.current) - Number(a.current));
  const nowMs = ctx.now();
  const ids = entryIds(all.map((l) => l.key));
  const entries = shown.map((l) => statusEntry(l, ids.get(l.key) ?? '', nowMs, tokens.path));
  // The clients oauth registered (RFC 7591): shown to people; --json keeps its array of entries.
  const registrations = registrationStore(ctx, warn)
    .read()
    .registrations.filter(
      (r) => settings.issuer === undefined || forIssuer(settings.issuer, r.issuer),
    );
  return {
    exitCode: ExitCode.ok,
    result: {
      entries,
      cached: all.length,
      hasCurrent: all.some((l) => l.current),
      nowMs,
      registrations,
      envToken: envTokenStatus(ctx, nowMs),
    },
  };
}
