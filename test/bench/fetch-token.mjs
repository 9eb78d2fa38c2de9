// A baseline of `npm run bench`: the least a node script does to get a client-credentials token,
// one fetch to the token endpoint (argv[2]) with HTTP Basic client authentication.
const [endpoint, clientId = 'ci'] = process.argv.slice(2);
const basic = Buffer.from(`${clientId}:${process.env.OAUTH_CLIENT_SECRET ?? ''}`).toString(
  'base64',
);
const response = await fetch(endpoint ?? '', {
  method: 'POST',
  headers: {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  },
  body: 'grant_type=client_credentials',
});
const body = await response.json();
if (!response.ok || typeof body.access_token !== 'string') process.exit(1);
process.stdout.write(`${body.access_token}\n`);
