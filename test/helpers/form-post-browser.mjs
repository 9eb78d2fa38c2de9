// A stand-in for the user's browser with form_post servers, for
// BROWSER="node test/helpers/form-post-browser.mjs": GETs the authorization URL (the last argument);
// a redirect is followed once, like a browser; a page with a form (the auto-submitting form of the
// OAuth 2.0 Form Post Response Mode, §2) is submitted as a browser would: a POST of its fields to its
// action, as application/x-www-form-urlencoded unless FORM_CONTENT_TYPE says otherwise. What the
// last request got ({status, allow, body}) is written to FORM_OUT (JSON). Always exits 0: the CLI is
// what the tests check.
import { renameSync, writeFileSync } from 'node:fs';

const start = process.argv.at(-1);
const out = process.env.FORM_OUT;
const contentType = process.env.FORM_CONTENT_TYPE ?? 'application/x-www-form-urlencoded';

function decodeEntities(text) {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return m ? decodeEntities(m[1]) : undefined;
}

async function done(res) {
  const result = { status: res.status, allow: res.headers.get('allow'), body: await res.text() };
  if (out) {
    writeFileSync(`${out}.tmp`, JSON.stringify(result));
    renameSync(`${out}.tmp`, out);
  }
  process.exit(0);
}

const opts = { redirect: 'manual', signal: AbortSignal.timeout(15_000) };
try {
  const first = await fetch(start, opts);
  const location = first.headers.get('location');
  if (first.status >= 300 && first.status < 400 && location) {
    await first.body?.cancel();
    await done(await fetch(new URL(location, start), opts));
  }
  const html = await first.text();
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) {
    await done(new Response(html, { status: first.status }));
  }
  const tag = form[0].slice(0, form[0].indexOf('>') + 1);
  const fields = new URLSearchParams();
  for (const input of form[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields.append(name, attr(input, 'value') ?? '');
  }
  const action = new URL(attr(tag, 'action') ?? start, start);
  await done(
    await fetch(action, {
      ...opts,
      method: (attr(tag, 'method') ?? 'get').toUpperCase(),
      headers: { 'content-type': contentType },
      body: fields.toString(),
    }),
  );
} catch (err) {
  process.stderr.write(`form-post-browser.mjs: ${err.cause?.message ?? err.message}\n`);
  process.exit(0);
}
