// How `oauth discover` looks: the endpoints and capabilities of a server for people, and the
// documented `{metadata, findings}` JSON for scripts.
import type { Finding } from '../findings.js';
import { ENDPOINT_FIELDS, stringList, type Discovery } from '../oauth/discovery.js';
import type { ResourceDiscovery } from '../oauth/resource-metadata.js';
import { renderFindings } from './findings.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

/** An issuer's metadata; for a resource URL also its resource metadata (RFC 9728). */
export interface DiscoverResult extends Discovery {
  resource?: ResourceDiscovery | undefined;
  /** For a resource: each finding with `source` ('resource' | 'authorization_server'). */
  findings: (Finding & { source?: string })[];
  /** --lint fapi2: the profile's findings about the authorization server. */
  lint?: { profile: 'fapi2'; findings: Finding[] } | undefined;
}

export function renderDiscoveryJson(result: DiscoverResult): string {
  const doc = result.resource
    ? {
        resource_metadata: result.resource.metadata,
        metadata: result.metadata,
        findings: result.findings,
      }
    : { metadata: result.metadata, findings: result.findings };
  return `${jsonText(result.lint ? { ...doc, lint: result.lint } : doc)}\n`;
}

export const discoverView: View<DiscoverResult> = {
  human: (result, { io }) => ({
    out:
      (result.resource
        ? renderResource(result, io.outStyle)
        : renderDiscovery(result, io.outStyle)) +
      (result.lint ? `\n${renderFindings(result.lint.findings, io.outStyle, LINT_TITLE)}\n` : ''),
  }),
  json: (result) => ({ out: renderDiscoveryJson(result) }),
};

const LINT_TITLE = 'FAPI 2.0 Security Profile';

const CAPABILITIES: [label: string, key: string][] = [
  ['grant types', 'grant_types_supported'],
  ['response types', 'response_types_supported'],
  ['response modes', 'response_modes_supported'],
  ['PKCE methods', 'code_challenge_methods_supported'],
  ['client auth', 'token_endpoint_auth_methods_supported'],
  ['client auth algs', 'token_endpoint_auth_signing_alg_values_supported'],
  ['ID token algs', 'id_token_signing_alg_values_supported'],
  ['userinfo algs', 'userinfo_signing_alg_values_supported'],
  ['request object algs', 'request_object_signing_alg_values_supported'],
  ['DPoP algs', 'dpop_signing_alg_values_supported'],
  ['RAR types', 'authorization_details_types_supported'],
  ['CIBA delivery modes', 'backchannel_token_delivery_modes_supported'],
  ['CIBA request algs', 'backchannel_authentication_request_signing_alg_values_supported'],
  ['scopes', 'scopes_supported'],
  ['subject types', 'subject_types_supported'],
];

/** A row of a section: label and value; a string alone is a line as it is (a title, "none"). */
type Line = string | [label: string, value: string];

export function renderDiscovery(result: Discovery, s: Style): string {
  const m = result.metadata;
  const lines: Line[] = [];
  lines.push(`${s.bold('issuer')}  ${safeText(m.issuer)}`);
  const source =
    result.kind === 'openid-configuration' ? 'OpenID Connect Discovery' : 'RFC 8414 metadata';
  lines.push(s.dim(`from ${safeText(result.url)} (${source})`));

  lines.push('', s.bold('Endpoints'));
  let endpoints = 0;
  for (const key of ENDPOINT_FIELDS) {
    const value = m[key];
    if (typeof value !== 'string') continue;
    endpoints++;
    lines.push([key.replace(/_endpoint$/, '').replace(/_/g, ' '), safeText(value, { max: 300 })]);
  }
  if (endpoints === 0) lines.push(s.dim('  none'));

  lines.push('', s.bold('Capabilities'));
  for (const [label, key] of CAPABILITIES) {
    const list = stringList(m, key);
    if (list === undefined) {
      if (key === 'grant_types_supported') {
        lines.push([label, s.dim('not listed (default: authorization_code, implicit)')]);
      } else if (key === 'token_endpoint_auth_methods_supported') {
        lines.push([label, s.dim('not listed (default: client_secret_basic)')]);
      } else if (key === 'code_challenge_methods_supported') {
        lines.push([label, s.dim('not listed')]);
      }
      continue;
    }
    lines.push([label, safeText(list.join(', ') || '(empty)', { max: 400 })]);
  }
  const flags: [string, string][] = [
    ['iss in response', 'authorization_response_iss_parameter_supported'],
    ['PAR required', 'require_pushed_authorization_requests'],
    ['JAR required', 'require_signed_request_object'],
    ['mTLS tokens', 'tls_client_certificate_bound_access_tokens'],
  ];
  for (const [label, key] of flags) {
    lines.push([label, m[key] === true ? 'yes' : 'no']);
  }
  if (typeof m.backchannel_authentication_endpoint === 'string') {
    lines.push([
      'CIBA user code',
      m.backchannel_user_code_parameter_supported === true ? 'yes' : 'no',
    ]);
  }
  // RFC 8705 §5: the endpoints that take a client certificate, when they differ.
  const aliases = m.mtls_endpoint_aliases;
  if (aliases !== null && typeof aliases === 'object' && !Array.isArray(aliases)) {
    lines.push('', s.bold('mTLS endpoint aliases'));
    for (const [key, value] of Object.entries(aliases)) {
      lines.push([
        safeText(key.replace(/_endpoint$/, '').replace(/_/g, ' '), { max: 60 }),
        safeText(String(value), { max: 300 }),
      ]);
    }
  }

  lines.push('', renderFindings(result.findings, s));
  // One label column for both sections, as wide as the longest label shown.
  const width = Math.max(...lines.map((line) => (typeof line === 'string' ? 0 : line[0].length)));
  const text = lines.map((line) =>
    typeof line === 'string' ? line : `  ${s.dim(line[0].padEnd(width))}  ${line[1]}`,
  );
  return `${text.join('\n')}\n`;
}

const RESOURCE_FIELDS: [label: string, key: string][] = [
  ['authorization servers', 'authorization_servers'],
  ['scopes', 'scopes_supported'],
  ['bearer methods', 'bearer_methods_supported'],
  ['signing algs', 'resource_signing_alg_values_supported'],
];

/** A resource (RFC 9728): its metadata and findings, then its authorization server's. */
function renderResource(result: DiscoverResult, s: Style): string {
  const resource = result.resource as ResourceDiscovery;
  const m = resource.metadata;
  const lines: string[] = [];
  lines.push(`${s.bold('resource')}  ${safeText(m.resource)}`);
  lines.push(
    s.dim(
      `from ${safeText(resource.url)} (RFC 9728 protected resource metadata${resource.via === 'challenge' ? ", named by the 401's resource_metadata" : ''})`,
    ),
  );
  const rows: [string, string][] = [];
  for (const [label, key] of RESOURCE_FIELDS) {
    const value = m[key];
    if (Array.isArray(value)) {
      rows.push([label, safeText(value.map(String).join(', ') || '(empty)', { max: 400 })]);
    } else if (key !== 'resource_signing_alg_values_supported')
      rows.push([label, s.dim('not listed')]);
  }
  rows.push(['DPoP required', m.dpop_bound_access_tokens_required === true ? 'yes' : 'no']);
  rows.push(['signed metadata', typeof m.signed_metadata === 'string' ? 'yes' : 'no']);
  if (typeof m.resource_documentation === 'string') {
    rows.push(['documentation', safeText(m.resource_documentation, { max: 300 })]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [label, value] of rows) lines.push(`  ${s.dim(label.padEnd(width))}  ${value}`);
  const own = result.findings.filter((f) => f.source === 'resource');
  lines.push('', renderFindings(own, s), '', s.bold('Authorization server'), '');
  const server: Discovery = {
    ...result,
    findings: result.findings.filter((f) => f.source !== 'resource'),
  };
  return `${lines.join('\n')}\n${renderDiscovery(server, s)}`;
}
