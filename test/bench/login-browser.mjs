// BROWSER stand-in for the `oauth login` row of `npm run bench`: follows the authorization request
// (auto-login server) to the loopback callback, connects to the listener, writes the time (ms,
// performance.timeOrigin based, comparable across processes) to BENCH_CALLBACK_FILE, then sends
// the callback request on that connection. The span starts as the request reaches the listener:
// this process's own HTTP client and the TCP handshake, which a browser has done by then, are
// outside it.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { callbackRequest, callbackUrl } from './auth-redirect.mjs';

const callback = await callbackUrl(process.argv.at(-1) ?? '');
const socket = connect({
  host: callback.hostname.replace(/^\[|\]$/g, ''),
  port: Number(callback.port),
});
await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
const request = callbackRequest(callback);
const at = performance.timeOrigin + performance.now();
socket.write(request);
writeFileSync(process.env.BENCH_CALLBACK_FILE ?? '', String(at));
socket.resume();
await new Promise((resolve) => socket.once('close', resolve));
