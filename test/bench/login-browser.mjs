// BROWSER stand-in for the `oauth login` row of `npm run bench`: follows the authorization request
// (auto-login server) to the loopback callback, writes the time (ms, performance.timeOrigin based,
// comparable across processes) to BENCH_CALLBACK_FILE, then requests the callback like a browser.
import { writeFileSync } from 'node:fs';
import { callbackUrl } from './auth-redirect.mjs';

const callback = await callbackUrl(process.argv.at(-1) ?? '');
writeFileSync(
  process.env.BENCH_CALLBACK_FILE ?? '',
  String(performance.timeOrigin + performance.now()),
);
const res = await fetch(callback);
await res.arrayBuffer();
