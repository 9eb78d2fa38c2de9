// `oauth call`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import type { Command } from 'commander';
import { Option } from 'commander';
import type { LoginRunner } from '../client/resource-chain.js';
import {
  collect,
  addClientOptions,
  str,
  strs,
  clientInput,
  examples,
  DRY_RUN,
  type Wiring,
} from './shared.js';

export function register({ program, wire, ctx }: Wiring): void {
  /** `call --login`: the login command with the call's client options and what the call asks for. */
  const loginRunner =
    (c: Command): LoginRunner =>
    async (request) => {
      const client = clientInput(c);
      const flag = <T>(value: T) => ({ value, source: 'flag' as const });
      const { run } = await import('../commands/login.js');
      const outcome = await run(
        {
          client: {
            ...client,
            ...(request.resource ? { resources: flag([request.resource]) } : {}),
            ...(request.issuer && !request.resource ? { issuer: flag(request.issuer) } : {}),
            ...(request.clientId ? { clientId: flag(request.clientId) } : {}),
            scopes: flag(request.scopes),
          },
          port: undefined,
          browser: undefined,
          wait: 300,
          prompt: undefined,
          loginHint: undefined,
          maxAge: request.maxAge,
          acrValues: request.acrValues,
          cache: true,
          device: false,
          par: false,
          dpop: request.dpop,
        },
        ctx,
      );
      await outcome.after?.();
    };
  addClientOptions(
    program
      .command('call')
      .summary('call a resource API with the access token attached')
      .description(
        'Send an HTTP request to a resource API with an access token in the Authorization header ' +
          '(never in the URL): --token, or the cached token of the current login (refreshed when ' +
          'expired). A DPoP-bound token goes with a fresh DPoP proof (RFC 9449), and a nonce the ' +
          'server demands is sent on a retry. The body goes to stdout (pretty JSON at a terminal, ' +
          'exact when piped). On 401/403 the WWW-Authenticate challenge is explained on stderr. ' +
          'Redirects: within the origin the token goes along; to another origin it is dropped; ' +
          'https to http is refused (exit 5). A cached token goes only to the origin of its issuer, ' +
          'audience or resources, or one allowed with --allow-origin; elsewhere the request is ' +
          'sent without it. An event stream (text/event-stream) is shown event by event, and read ' +
          'until --timeout when it does not end (then exit 5). --mcp checks an MCP server ' +
          '(initialize, tools/list) with the same token, chain and --login. Exit 7 when the API answers HTTP >= 400 ' +
          'or a JSON-RPC error.',
      )
      .argument('<url>', 'the resource URL (https, or http to loopback)'),
  )
    .option(
      '-X, --method <method>',
      'GET (default; POST with -d), PUT, PATCH, DELETE, HEAD, OPTIONS',
    )
    .option(
      '-H, --header <header>',
      'request header "Name: value" (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('-d, --data <body>', 'request body: the text, @file, or @- for stdin')
    .option('--token <token>', 'the access token (default: $OAUTH_TOKEN, else the cached one)')
    .option(
      '--allow-origin <origin>',
      'also send the cached token to this origin (repeatable; remembered with the token)',
      collect,
    )
    .option('-i, --include', 'print the status line and the response headers before the body')
    .option(
      '--login',
      'when the resource asks for a token (a 401 naming its metadata, RFC 9728) or for more scope or a stronger sign-in, log in for it and call again once',
    )
    .addOption(
      new Option('--dpop', 'require a DPoP-bound token (automatic when the cached one is)').env(
        'OAUTH_DPOP',
      ),
    )
    .option('--dry-run', DRY_RUN)
    .option('--mcp', 'check an MCP server (Streamable HTTP): initialize, then list its tools')
    .addHelpText(
      'after',
      examples([
        "oauth call https://api.example.com/me                 # the current login's token",
        'oauth call --mcp https://mcp.example.com/mcp           # server, protocol, tools',
        'oauth call --mcp --login https://mcp.example.com/mcp   # the chain, log in, then the check',
        'oauth call --allow-origin https://api.example.com https://api.example.com/me',
        'oauth call --token "$TOKEN" -i https://api.example.com/me',
        'oauth call -X POST -H "Content-Type: application/json" -d @body.json https://api.example.com/items',
        'echo \'{"name":"x"}\' | oauth call -d @- https://api.example.com/items',
        'oauth call --json https://api.example.com/me | jq .status',
        'oauth --profile work call --scope api:read https://api.example.com/me',
        'oauth token --grant client_credentials --dpop --issuer "$ISSUER" --client-id ci --scope api:read',
        'oauth call "$ISSUER/api/me"                            # with a fresh DPoP proof',
        'oauth call --login https://mcp.example.com/mcp         # RFC 9728 chain, login, call',
      ]) +
        '\nExit codes: 0 for HTTP < 400, 7 for HTTP >= 400 (the body is still printed), 3 no token\n' +
        '(also a 401 naming resource metadata: the hint is the login to run).\n',
    )
    .action(
      wire(
        () => import('../commands/call.js'),
        (c) => {
          const o = c.opts();
          return {
            url: str(c.processedArgs[0]) ?? '',
            client: clientInput(c),
            method: str(o.method),
            headers: strs(o.header) ?? [],
            data: str(o.data),
            token: str(o.token),
            include: o.include === true,
            dpop: o.dpop === true,
            mcp: o.mcp === true,
            login: o.login === true ? loginRunner(c) : undefined,
          };
        },
      ),
    );
}
