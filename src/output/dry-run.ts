// --dry-run's output: the request that was built and not sent. People get the runnable curl
// command on stdout; --json gets {"requests": [{method, url, headers, body}]}, secrets redacted
// unless --show-secrets (README "Reproducible requests").
import type { Context } from '../context.js';
import type { BuiltRequest } from '../http/dry-run.js';
import { collectSecrets, redactForm, redactHeaders, redactUrl, scrub } from '../http/redact.js';
import { renderCurl } from './curl.js';
import { renderNote } from './findings.js';
import type { Printed } from './present.js';
import { jsonText } from './text.js';

export interface DryRun {
  purpose: string;
  request: BuiltRequest;
}

function isForm(request: BuiltRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** One request for --json: every header as it would be sent, the body as text or null. */
function requestJson(request: BuiltRequest, showSecrets: boolean) {
  if (showSecrets) return { ...request, body: request.body ?? null };
  const body =
    request.body === undefined
      ? null
      : isForm(request)
        ? redactForm(request.body)
        : scrub(request.body, collectSecrets({ headers: request.headers, url: request.url }));
  return {
    method: request.method,
    url: redactUrl(request.url),
    headers: redactHeaders(request.headers),
    body,
  };
}

export function renderDryRun(run: DryRun, ctx: Pick<Context, 'io' | 'globals'>): Printed {
  const { globals, io } = ctx;
  const note = renderNote(`dry run: the ${run.purpose} request was built, not sent`, io.errStyle);
  if (globals.json) {
    const requests = [requestJson(run.request, globals.showSecrets)];
    return { out: `${jsonText({ requests })}\n`, err: note };
  }
  const curl = renderCurl(run.purpose, run.request, {
    showSecrets: globals.showSecrets,
    insecure: globals.insecure,
    cacert: globals.cacert,
  });
  return { out: curl, err: note };
}
