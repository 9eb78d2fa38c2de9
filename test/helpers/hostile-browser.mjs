// A scripted "browser" for hostile callback tests, for BROWSER="node test/helpers/hostile-browser.mjs":
// takes the authorization URL (the last argument), then sends the requests listed in HOSTILE_STEPS
// (JSON) to the loopback redirect URI, and writes what each got to HOSTILE_OUT (JSON).
// A step: {"query": "code=x&state={state}&iss={iss}", "method"?, "host"?, "path"?}, or
// {"authorize": true}: GET the authorization URL and follow its redirect like a browser.
// {state}, {iss} and {port} are replaced with the flow's values; "host" overrides the Host header.
import { renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';

const start = new URL(process.argv.at(-1));
const steps = JSON.parse(process.env.HOSTILE_STEPS ?? '[]');
const out = process.env.HOSTILE_OUT;
const issuer = process.env.HOSTILE_ISSUER ?? '';

/** The PAR-less authorization request carries everything we need. */
const redirect = new URL(start.searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
const state = start.searchParams.get('state') ?? '';

function fill(text) {
  return text
    .replaceAll('{state}', encodeURIComponent(state))
    .replaceAll('{iss}', encodeURIComponent(issuer))
    .replaceAll('{port}', redirect.port);
}

function send(url, { method = 'GET', host } = {}) {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        headers: { host: host ?? target.host },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode, location: res.headers.location, body }),
        );
      },
    );
    req.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message }));
    req.end();
  });
}

const results = [];
for (const step of steps) {
  if (step.authorize) {
    const first = await send(start.href);
    results.push({ status: first.status });
    if (first.location) results.push(await send(new URL(first.location, start).href));
    continue;
  }
  const path = fill(step.path ?? redirect.pathname);
  const url = `${redirect.origin}${path}${step.query === undefined ? '' : `?${fill(step.query)}`}`;
  results.push(await send(url, { method: step.method, host: step.host && fill(step.host) }));
}
if (out) {
  // Atomic: the test may be polling for the file.
  writeFileSync(`${out}.tmp`, JSON.stringify(results));
  renameSync(`${out}.tmp`, out);
}
