// The server's own HTML: login, consent, device and logout pages. Fixed markup, one inline style
// allowed by hash, no scripts, fonts or links to anywhere: nothing leaves the machine.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

const CSS =
  'body{font:16px/1.4 system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'h1{font-size:1.4rem}input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}' +
  'button{font:inherit;padding:.4rem 1rem;margin:.5rem .5rem 0 0}code{font-size:1.2rem}' +
  '.error{color:#b00020}ul{padding-left:1.2rem}form{display:inline}';

const STYLE_HASH = createHash('sha256').update(CSS).digest('base64');

/** form-action also covers the redirect after a form post, hence the loopback callbacks. */
export const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self' http://127.0.0.1:* http://localhost:* http://[::1]:*",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CSP,
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );
}

export function page(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}

export function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(page(title, body));
}

export function loginPage(uid: string, clientId: string, error?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return (
    `<p>Sign in to continue to <b>${escapeHtml(clientId)}</b>. Any user name works.</p>` +
    (error ? `<p class="error">${escapeHtml(error)}</p>` : '') +
    `<form method="post" action="${action}/login">` +
    `<label for="login">User name</label>` +
    `<input type="text" id="login" name="login" autocomplete="username" autofocus required maxlength="64">` +
    `<button type="submit">Sign in</button></form>` +
    `<form method="post" action="${action}/abort"><button type="submit">Cancel</button></form>`
  );
}

export function consentPage(
  uid: string,
  clientId: string,
  accountId: string,
  scopes: string[],
): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const list = scopes.length
    ? `<ul>${scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<p>No scopes.</p>';
  return (
    `<p>Signed in as <b>${escapeHtml(accountId)}</b>.</p>` +
    `<p><b>${escapeHtml(clientId)}</b> asks for:</p>${list}` +
    `<form method="post" action="${action}/confirm"><button type="submit">Allow</button></form>` +
    `<form method="post" action="${action}/abort"><button type="submit">Deny</button></form>`
  );
}

/** The Koa context oidc-provider hands to its page hooks (only what the pages set). */
interface HookContext {
  body: unknown;
  type: string;
  set(name: string, value: string): void;
  oidc: { client?: { clientId: string } | undefined };
}

function render(ctx: HookContext, title: string, body: string): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
  ctx.type = 'html';
  ctx.body = page(title, body);
}

/** oidc-provider's page hooks (device flow, logout, errors) rendered with the same fixed page. */
export const providerPages = {
  // RFC 8628 §3.3: the user enters the code shown on the device.
  async userCodeInputSource(ctx: HookContext, form: string, _out: unknown, err: unknown) {
    const message = err
      ? '<p class="error">That code is not valid. Try again.</p>'
      : '<p>Enter the code shown on your device.</p>';
    render(
      ctx,
      'Device sign-in',
      `${message}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },
  async userCodeConfirmSource(
    ctx: HookContext,
    form: string,
    client: { clientId: string },
    _deviceInfo: unknown,
    userCode: string,
  ) {
    render(
      ctx,
      'Confirm device',
      `<p><b>${escapeHtml(client.clientId)}</b> on a device shows this code:</p>` +
        `<p><code>${escapeHtml(userCode)}</code></p><p>Continue only if it matches.</p>${form}` +
        `<button type="submit" form="op.deviceConfirmForm">Continue</button>` +
        `<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
    );
  },
  async successSource(ctx: HookContext) {
    render(ctx, 'Device signed in', '<p>The device is signed in. You can close this page.</p>');
  },
  async logoutSource(ctx: HookContext, form: string) {
    render(
      ctx,
      'Sign out',
      `<p>Sign out of this server?</p>${form}` +
        `<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>` +
        `<button type="submit" form="op.logoutForm">Stay signed in</button>`,
    );
  },
  async postLogoutSuccessSource(ctx: HookContext) {
    render(ctx, 'Signed out', '<p>You are signed out. You can close this page.</p>');
  },
  async renderError(ctx: HookContext, out: Record<string, unknown>) {
    const rows = Object.entries(out)
      .map(([key, value]) => `<li><b>${escapeHtml(key)}</b>: ${escapeHtml(value)}</li>`)
      .join('');
    render(ctx, 'Something went wrong', `<ul>${rows}</ul>`);
  },
};
