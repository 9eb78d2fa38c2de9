// What `oauth server` prints: the issuer URL as the first line of stdout (or one JSON line), and
// for people at a terminal a short summary of what is built in, on stderr.
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface ServerStarted {
  issuer: string;
  api: string;
  /** The MCP endpoint, with --mcp. */
  mcp?: string | undefined;
  clients: {
    client_id: string;
    client_secret?: string;
    token_endpoint_auth_method?: string;
    grant_types: string[];
  }[];
  /** With --mtls: the generated CA and certificates. */
  mtls?: MtlsPaths | undefined;
}

interface MtlsPaths {
  ca: string;
  clientCert: string;
  clientKey: string;
  selfSignedCert: string;
  selfSignedKey: string;
}

/** The first line of stdout, which scripts read to learn the issuer; at a terminal, a summary. */
export const serverStartView: View<{ started: ServerStarted; autoLogin: string | undefined }> = {
  human: ({ started, autoLogin }, { io }) => ({
    // With --mcp, the second line is the MCP endpoint's URL.
    out: `${started.issuer}\n${started.mcp === undefined ? '' : `${started.mcp}\n`}`,
    // The certificates' paths are needed to use the server at all: always said.
    err: io.stderrIsTTY
      ? renderServerSummary(started, io.errStyle, autoLogin)
      : started.mtls
        ? renderMtls(started.mtls, started.issuer)
        : undefined,
  }),
  json: ({ started }) => ({
    out: `${jsonText(
      {
        issuer: started.issuer,
        clients: started.clients,
        api: started.api,
        ...(started.mcp === undefined ? {} : { mcp: started.mcp }),
        ...(started.mtls === undefined
          ? {}
          : {
              mtls: {
                ca: started.mtls.ca,
                client_cert: started.mtls.clientCert,
                client_key: started.mtls.clientKey,
                self_signed_cert: started.mtls.selfSignedCert,
                self_signed_key: started.mtls.selfSignedKey,
              },
            }),
      },
      0,
    )}\n`,
  }),
};

export function renderServerSummary(
  started: ServerStarted,
  s: Style,
  autoLogin: string | undefined,
): string {
  const clients = started.clients.map((c) => {
    const secret =
      c.client_secret !== undefined
        ? `secret ${safeText(c.client_secret)}`
        : c.token_endpoint_auth_method?.endsWith('tls_client_auth')
          ? c.token_endpoint_auth_method
          : 'public, PKCE';
    return `  ${s.bold(safeText(c.client_id))} (${secret}): ${c.grant_types.join(', ')}`;
  });
  return [
    `${s.green('oauth server')} listening on ${s.bold(started.issuer)}`,
    `discovery ${started.issuer}/.well-known/openid-configuration`,
    `resource  ${started.api}/... (scopes api:read, api:write)`,
    ...(started.mcp === undefined
      ? []
      : [`mcp       ${started.mcp} (tokens with resource=${started.mcp}; tool whoami)`]),
    'clients:',
    ...clients,
    ...(started.mtls ? [renderMtls(started.mtls, started.issuer).trimEnd()] : []),
    autoLogin === undefined
      ? 'login: any user name on the login page'
      : `login: automatic as ${safeText(autoLogin)}`,
    autoLogin === undefined
      ? `ciba:  confidential clients; each request waits for POST ${started.issuer}/ciba/approve or /deny`
      : 'ciba:  confidential clients; every request approved at once',
    s.dim('Ctrl-C to stop'),
    '',
  ].join('\n');
}

/** RFC 8705: where the certificates are, and the command that uses them. */
function renderMtls(m: MtlsPaths, issuer: string): string {
  return [
    `mtls (RFC 8705): CA ${m.ca} (pass it as --cacert)`,
    `  client mtls (tls_client_auth): --client-cert ${m.clientCert} --client-key ${m.clientKey}`,
    `  client mtls-self (self_signed_tls_client_auth): --client-cert ${m.selfSignedCert} --client-key ${m.selfSignedKey}`,
    `  e.g. oauth token --cacert ${m.ca} --issuer ${issuer} --client-id mtls --client-cert ${m.clientCert} --client-key ${m.clientKey} --grant client_credentials --scope api:read`,
    '',
  ].join('\n');
}

export function renderRequestLine(
  line: { method: string; path: string; status: number },
  s: Style,
): string {
  const status = line.status >= 400 ? s.red(String(line.status)) : s.green(String(line.status));
  return `${s.dim(new Date().toISOString())} ${safeText(line.method)} ${safeText(line.path)} ${status}\n`;
}

/** A CIBA request waiting for its user (server/ciba.ts): how to approve or deny it. */
export function renderCibaWaiting(
  request: { auth_req_id: string; user: string; client_id: string; binding_message?: string },
  issuer: string,
  s: Style,
): string {
  const message =
    request.binding_message === undefined
      ? ''
      : ` (binding message ${safeText(request.binding_message)})`;
  const form = `-d auth_req_id=${safeText(request.auth_req_id)}`;
  return [
    `${s.cyan('ciba:')} ${safeText(request.client_id)} asks ${s.bold(safeText(request.user))} to approve a login${message}`,
    `  approve: curl ${form} ${issuer}/ciba/approve`,
    `  deny:    curl ${form} ${issuer}/ciba/deny`,
    '',
  ].join('\n');
}
