// How `oauth discover` looks: the endpoints and capabilities of a server for people, and the
// documented `{metadata, findings}` JSON for scripts.
import { ENDPOINT_FIELDS, stringList, type Discovery } from '../oauth/discovery.js';
import { renderFindings } from './findings.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export function renderDiscoveryJson(result: Discovery): string {
  return `${jsonText({ metadata: result.metadata, findings: result.findings })}\n`;
}

export const discoverView: View<Discovery> = {
  human: (result, { io }) => ({ out: renderDiscovery(result, io.outStyle) }),
  json: (result) => ({ out: renderDiscoveryJson(result) }),
};

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
  ];
  for (const [label, key] of flags) {
    lines.push([label, m[key] === true ? 'yes' : 'no']);
  }

  lines.push('', renderFindings(result.findings, s));
  // One label column for both sections, as wide as the longest label shown.
  const width = Math.max(...lines.map((line) => (typeof line === 'string' ? 0 : line[0].length)));
  const text = lines.map((line) =>
    typeof line === 'string' ? line : `  ${s.dim(line[0].padEnd(width))}  ${line[1]}`,
  );
  return `${text.join('\n')}\n`;
}
