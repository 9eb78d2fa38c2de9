// For the login rows of `npm run bench`: follows an authorization request through an embedded
// server started with --auto-login (redirects and cookies only, no pages to fill in) until it
// redirects to another origin, the client's loopback redirect URI, and returns that URL unrequested.
export async function callbackUrl(authorizeUrl) {
  const jar = new Map();
  let url = new URL(authorizeUrl);
  for (let step = 0; step < 20; step++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      throw new Error(`${url.pathname} answered ${res.status} without a redirect (--auto-login?)`);
    }
    const next = new URL(location, url);
    if (next.origin !== new URL(authorizeUrl).origin) return next;
    url = next;
  }
  throw new Error('no redirect to the client after 20 steps');
}

/** The callback request a browser sends to the loopback listener, as raw HTTP/1.1. */
export function callbackRequest(callback) {
  return (
    `GET ${callback.pathname}${callback.search} HTTP/1.1\r\n` +
    `Host: ${callback.host}\r\nConnection: close\r\n\r\n`
  );
}
