// How `oauth userinfo` shows the claims: one per line for people (server text made safe), the
// response object as it came with --json.
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export function renderUserinfo(claims: Record<string, unknown>, s: Style): string {
  const names = Object.keys(claims);
  const width = Math.max(0, ...names.map((n) => n.length));
  return (
    names
      .map((name) => {
        const value = claims[name];
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return `${s.bold(safeText(name).padEnd(width))}  ${safeText(text, { max: 500 })}`;
      })
      .join('\n') + '\n'
  );
}

export function renderUserinfoJson(claims: Record<string, unknown>): string {
  return `${jsonText(claims)}\n`;
}

export const userinfoView: View<Record<string, unknown>> = {
  human: (claims, { io }) => ({ out: renderUserinfo(claims, io.outStyle) }),
  json: (claims) => ({ out: renderUserinfoJson(claims) }),
};
