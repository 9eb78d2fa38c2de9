// Logins where no browser can open here (README "oauth login", headless and SSH logins): over SSH, or on Linux
// with no display and no browser command. The URL is printed with the `ssh -L` line that carries
// the loopback redirect (RFC 8252 §7.3) back to this machine, and the URL the browser ended on may
// be pasted on stdin instead: checked by the listener's own callback check (state, iss, one use).
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Delivery, Loopback } from '../oauth/loopback.js';

/** What a headless wait says, rendered by the command's view (output/headless.ts). */
export interface HeadlessSay {
  /** Why no browser opens, the URL, the tunnel, the redirect URI, the paste prompt. */
  intro(view: {
    url: string;
    reason: string;
    tunnel: string;
    redirectUri: string;
    leftMs: number;
    hint: string | undefined;
  }): string;
  /** What became of one pasted line. */
  pasted(outcome: Delivery, redirectUri: string): string;
  /** A browser command that failed. */
  warn(message: string): string;
}

/** Why no browser can open here, or undefined when one can. `command`: --browser (false: --no-browser). */
export function headlessReason(
  env: NodeJS.ProcessEnv,
  command: string | false | undefined,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if ((env.SSH_CONNECTION ?? '') !== '' || (env.SSH_TTY ?? '') !== '') {
    return 'this session is over SSH';
  }
  const named = typeof command === 'string' || (command !== false && (env.BROWSER ?? '') !== '');
  if (platform === 'linux' && !named && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return 'there is no display here (DISPLAY and WAYLAND_DISPLAY are unset)';
  }
  return undefined;
}

const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;

/**
 * `ssh -L <port>:127.0.0.1:<port> <user>@<host>`, run where the browser is, forwards its loopback
 * port to this machine's. The host is the server address of SSH_CONNECTION ("client port server
 * port"), with -p when it is not 22; a placeholder where it is not known.
 */
export function sshTunnelCommand(port: number, env: NodeJS.ProcessEnv): string {
  const [, , host, sshPort] = (env.SSH_CONNECTION ?? '').trim().split(/\s+/);
  const user = env.USER ?? env.LOGNAME ?? '';
  const who = USER.test(user) ? user : '<user>';
  const where = host !== undefined && ADDRESS.test(host) ? host : '<this-host>';
  const portFlag =
    sshPort !== undefined && /^\d{1,5}$/.test(sshPort) && sshPort !== '22' ? ` -p ${sshPort}` : '';
  return `ssh -L ${port}:127.0.0.1:${port}${portFlag} ${who}@${where}`;
}

/**
 * Says why no browser opens, prints the URL, the tunnel and the paste prompt, and reads stdin one
 * line at a time, each line handed to the listener as a pasted redirect, until the wait ends (the
 * listener's or the paste's answer, the deadline, Ctrl-C). A line that is not this login's answer
 * is refused with a note and the wait goes on.
 */
export async function waitHeadless(
  ctx: Context,
  view: {
    url: string;
    reason: string;
    deadlineMs: number;
    /** --browser (false: --no-browser): a command named is still run, over SSH too. */
    command?: string | false | undefined;
    hint?: string | undefined;
  },
  waiting: Promise<string>,
  loopback: Pick<Loopback<string>, 'deliver' | 'port' | 'redirectUri'>,
  say: HeadlessSay,
): Promise<string> {
  const named =
    typeof view.command === 'string' || (view.command !== false && (ctx.env.BROWSER ?? '') !== '');
  ctx.io.err(
    say.intro({
      url: view.url,
      reason: view.reason,
      tunnel: sshTunnelCommand(loopback.port, ctx.env),
      redirectUri: loopback.redirectUri,
      leftMs: view.deadlineMs - ctx.now(),
      hint: view.hint,
    }),
  );
  if (named) {
    const { openBrowser } = await import('./browser.js');
    await openBrowser(ctx, view.url, view.command, (message) =>
      ctx.io.err(say.warn(`${message}; open the URL above yourself`)),
    );
  }
  const stop = new AbortController();
  const reading = (async () => {
    for await (const line of ctx.io.stdinLines(stop.signal)) {
      if (line.trim() === '') continue;
      const outcome: Delivery = loopback.deliver(line);
      ctx.io.err(say.pasted(outcome, loopback.redirectUri));
      if (outcome.kind === 'done' || outcome.kind === 'error' || outcome.kind === 'used') return;
    }
  })();
  reading.catch(() => {});
  try {
    return await waiting;
  } catch (err) {
    // Nothing reached the listener and nothing was pasted: here that says nothing of the server.
    if (err instanceof CliError && err.code === 'redirect_not_received') {
      throw new CliError(
        'login_timeout',
        ExitCode.authorization,
        `the login timed out: no redirect reached ${loopback.redirectUri} and no URL of it was pasted`,
        {
          hint: 'sign in at the URL above, then paste the URL the browser ends on (or run the ssh -L line first); more time with --wait <seconds>',
        },
      );
    }
    throw err;
  } finally {
    stop.abort();
  }
}
