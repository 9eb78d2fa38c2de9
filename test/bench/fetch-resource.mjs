// Baseline of the `oauth call` row of `npm run bench`: one fetch of the resource URL (argv[2]) with
// the bearer token (argv[3]), the body printed as it came.
const [url = '', token = ''] = process.argv.slice(2);
const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
const body = await response.text();
if (!response.ok) process.exit(7);
process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
