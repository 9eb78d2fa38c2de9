// How `oauth call --mcp` shows an MCP server: its name, version, protocol revision and tools; with
// --json {"server": {"name", "version"}, "protocol_version", "tools": [{"name", "description"}]}.
import type { McpServerReport } from '../mcp/streamable-http.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface McpResult {
  mcp: McpServerReport;
}

export const mcpView: View<McpResult> = {
  human: ({ mcp }, { io }) => {
    const s = io.outStyle;
    const name =
      mcp.server.name === undefined ? s.dim('(no name)') : safeText(mcp.server.name, { max: 120 });
    const version =
      mcp.server.version === undefined ? '' : ` ${safeText(mcp.server.version, { max: 40 })}`;
    const width = Math.max(0, ...mcp.tools.map((t) => Math.min(t.name.length, 40)));
    const tools = mcp.tools.map((t) => {
      const toolName = safeText(t.name, { max: 40 });
      const description =
        t.description === undefined
          ? ''
          : safeText(t.description.split('\n')[0] ?? '', { max: 200 });
      return `  ${s.bold(toolName)}${' '.repeat(Math.max(0, width - toolName.length))}  ${description}`.trimEnd();
    });
    return {
      out: [
        `${s.dim('MCP server')}  ${s.bold(name)}${version}`,
        `${s.dim('protocol  ')}  ${safeText(mcp.protocolVersion ?? '(none)', { max: 40 })}`,
        `${s.dim('session   ')}  ${mcp.session ? 'yes (Mcp-Session-Id)' : 'none'}`,
        `${s.dim('tools     ')}  ${mcp.tools.length}`,
        ...tools,
        '',
      ].join('\n'),
    };
  },
  json: ({ mcp }) => ({
    out: `${jsonText({
      server: { name: mcp.server.name ?? null, version: mcp.server.version ?? null },
      protocol_version: mcp.protocolVersion ?? null,
      tools: mcp.tools.map((t) => ({ name: t.name, description: t.description ?? null })),
    })}\n`,
  }),
};
