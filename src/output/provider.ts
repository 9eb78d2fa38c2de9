// How `oauth provider list` looks: each preset's discovery URL or endpoints and its notes (the
// same data with --json: [{name, discovery|endpoints, token_info?, notes}]).
import type { View } from './present.js';
import { jsonText } from './text.js';

export interface ListedProvider {
  name: string;
  discovery?: string;
  endpoints?: Record<string, string>;
  /** Where the provider answers for its opaque access tokens (Google's token-info endpoint). */
  token_info?: string;
  notes: string[];
}
export type ProviderListResult = ListedProvider[];

export const providerView: View<ProviderListResult> = {
  human: (result) => ({
    out: result
      .map((p) =>
        [
          p.name,
          ...(p.discovery !== undefined
            ? [`  discovery: ${p.discovery}`]
            : Object.entries(p.endpoints ?? {}).map(([k, v]) => `  ${k}: ${v}`)),
          ...(p.token_info !== undefined ? [`  token info: ${p.token_info}`] : []),
          ...p.notes.map((n) => `  ${n}`),
        ].join('\n'),
      )
      .join('\n\n')
      .concat('\n'),
  }),
  json: (result) => ({ out: `${jsonText(result)}\n` }),
};
