// `oauth introspect [token]`: ask the server whether a token is active and what it stands for
// (RFC 7662); exit 4 when it is not. The token is the argument, stdin, or the cached one.
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenCall, type TargetInput } from '../client/target-token.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { introspect, type IntrospectionResult } from '../oauth/introspect-revoke.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';

export interface IntrospectInput extends TargetInput {
  client: ClientInput;
}

export { introspectView as view } from '../output/introspect.js';

export async function run(
  input: IntrospectInput,
  ctx: Context,
): Promise<Outcome<IntrospectionResult & { nowMs: number }>> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, input.client, warn);
  const call = await tokenCall(ctx, input, settings, 'introspection', warn);
  const result = await call.server.explained(introspect(await ctx.http(), call));
  return {
    exitCode: result.active ? ExitCode.ok : ExitCode.invalidToken,
    result: { ...result, nowMs: ctx.now() },
  };
}
