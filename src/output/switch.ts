// What `oauth switch` says: which login is current now (stderr), and with --json the status entry
// of that login plus the id of the one before.
import type { StatusEntry } from '../client/entry-summary.js';
import type { CliError } from '../errors.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface SwitchResult {
  /** The login that is current now, as `oauth status --json` shows it. */
  entry: StatusEntry;
  /** The id of the login that was current before, or null when none was. */
  previous: string | null;
  /** false when it already was the current login. */
  changed: boolean;
  /** The login that was current and held no token any more: removed now ("app at https://..."). */
  droppedPrevious: string | undefined;
  /** Set when the login has nothing usable left: what `oauth token` will say. */
  unusable: CliError | undefined;
}

export function renderSwitch(result: SwitchResult, s: Style): string {
  const { entry } = result;
  const who = safeText(`${entry.client_id} at ${entry.issuer}`);
  const profile = entry.profile === null ? '' : ` (profile ${safeText(entry.profile)})`;
  let out = result.changed
    ? `${s.green('Switched')} the current login to ${who}${profile} ${s.dim(`(id ${entry.id})`)}\n`
    : `already the current login: ${who}${profile} ${s.dim(`(id ${entry.id})`)}\n`;
  if (result.droppedPrevious !== undefined) {
    out += `${s.dim('note:')} the login that was current (${safeText(result.droppedPrevious)}) held no token any more and was removed\n`;
  }
  if (result.unusable) {
    out += `${s.yellow('warning:')} ${safeText(result.unusable.message)}\n`;
    if (result.unusable.hint) out += `${s.dim('hint:')} ${safeText(result.unusable.hint)}\n`;
  }
  return out;
}

export const switchView: View<SwitchResult> = {
  human: (result, { io }) => ({ err: renderSwitch(result, io.errStyle) }),
  json: (result, { io }) => ({
    out: `${jsonText({ ...result.entry, previous: result.previous, changed: result.changed })}\n`,
    err: renderSwitch(result, io.errStyle),
  }),
};
