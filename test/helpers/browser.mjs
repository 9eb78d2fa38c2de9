// A stand-in for the user's browser, for BROWSER="node test/helpers/browser.mjs": opens the URL
// (the last argument), drives the embedded server's real login, consent and device pages with
// plain HTTP (a cookie jar, redirects followed by hand, forms submitted as a browser would), and
// finally requests the loopback redirect like a browser. User name: OAUTH_TEST_USER or "alice".
// OAUTH_TEST_DENY=1 presses Cancel/Deny (the form posting to .../abort) instead of going ahead.
// Exit 0 once the redirect (or a final page with no form) is reached; non-zero with a message.

const user = process.env.OAUTH_TEST_USER ?? 'alice';
const start = process.argv.at(-1);
const MAX_STEPS = 25;

function fail(message) {
  process.stderr.write(`browser.mjs: ${message}\n`);
  process.exit(1);
}

if (!start || !/^https?:\/\//.test(start))
  fail(`expected a URL as the last argument, got ${start}`);

/** One host's cookies (name -> value): enough for the embedded server. */
const jar = new Map();
function remember(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some(
      (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a),
    );
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

function decodeEntities(text) {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? m[4] ?? '') : undefined;
}

/** The first form of the page (the one that goes ahead: sign in, allow, continue), or the deny one. */
function firstForm(html) {
  const forms = [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)];
  const deny = process.env.OAUTH_TEST_DENY
    ? forms.find((f) => /action="[^"]*\/abort"/i.test(f[0]))
    : undefined;
  const m = deny ?? forms[0];
  if (!m) return undefined;
  const tag = m[0].slice(0, m[0].indexOf('>') + 1);
  const fields = new URLSearchParams();
  for (const input of m[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (!name) continue;
    const type = (attr(input, 'type') ?? 'text').toLowerCase();
    if (type === 'submit' || type === 'button') continue;
    const value = attr(input, 'value') ?? '';
    fields.append(name, type === 'hidden' || value !== '' ? value : user);
  }
  return {
    action: attr(tag, 'action') ?? '',
    method: (attr(tag, 'method') ?? 'get').toUpperCase(),
    fields,
  };
}

async function request(url, init = {}) {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    fail(`${init.method ?? 'GET'} ${url} failed: ${err.cause?.message ?? err.message}`);
  }
}

const origin = new URL(start).origin;
let url = start;
let init = {};
for (let step = 0; step < MAX_STEPS; step++) {
  const res = await request(url, {
    ...init,
    headers: { ...init.headers, cookie: cookieHeader(), accept: 'text/html' },
  });
  remember(res);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get('location');
    if (!location) fail(`${res.status} from ${url} without a Location`);
    const next = new URL(location, url);
    await res.body?.cancel();
    if (next.origin !== origin) {
      // The redirect back to the application: request it like a browser, then we are done.
      const final = await request(next.href, { headers: { accept: 'text/html' } });
      await final.body?.cancel();
      process.exit(0);
    }
    url = next.href;
    init = {};
    continue;
  }
  const html = await res.text();
  if (res.status !== 200) {
    const text = html
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300);
    fail(`${res.status} from ${url}: ${text}`);
  }
  const form = firstForm(html);
  if (!form) process.exit(0); // a final page, e.g. "the device is signed in"
  const target = new URL(form.action || url, url);
  if (form.method === 'POST') {
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.fields.toString(),
    };
    url = target.href;
  } else {
    target.search = form.fields.toString();
    url = target.href;
    init = {};
  }
}
fail(`gave up after ${MAX_STEPS} pages`);
