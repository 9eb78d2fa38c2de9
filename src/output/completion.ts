// Shell completion scripts for bash, zsh and fish, generated from the command tree so they never
// drift from the real commands and options.
import type { View } from './present.js';

/** The script is the same with --json: it is meant for the shell, not for people. */
export const completionView: View<string> = {
  human: (script) => ({ out: script }),
  json: (script) => ({ out: script }),
};

export interface CommandShape {
  name: string;
  summary: string;
  /** Long and short option flags, e.g. ['--json', '-v', '--verbose']. */
  options: { flags: string[]; description: string; takesValue: boolean }[];
  subcommands: CommandShape[];
}

const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(root: CommandShape): string {
  const globals = root.options.flatMap((o) => o.flags).join(' ');
  const cases = root.subcommands
    .map((cmd) => {
      const subs = cmd.subcommands.map((s) => s.name).join(' ');
      const opts = cmd.options.flatMap((o) => o.flags).join(' ');
      return `    ${cmd.name}) words_=${q(`${subs} ${opts} ${globals}`.trim())} ;;`;
    })
    .join('\n');
  const names = root.subcommands.map((c) => c.name).join(' ');
  return `# bash completion for oauth: eval "$(oauth completion bash)"
_oauth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" i words_
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$cmd" in
    "") words_=${q(`${names} ${globals}`)} ;;
${cases}
    *) words_=${q(globals)} ;;
  esac
  COMPREPLY=($(compgen -W "$words_" -- "$cur"))
}
complete -o default -F _oauth oauth
`;
}

export function zshCompletion(root: CommandShape): string {
  const commands = root.subcommands.map((c) => `    ${q(`${c.name}:${c.summary}`)}`).join('\n');
  const optionLine = (o: CommandShape['options'][number]) =>
    o.flags.map(
      (f) =>
        `    ${q(`${f}[${o.description.replace(/[[\]:]/g, ' ')}]${o.takesValue ? ':value:_default' : ''}`)}`,
    );
  const cases = root.subcommands
    .map((cmd) => {
      const lines = [...cmd.options, ...root.options].flatMap(optionLine);
      const subs = cmd.subcommands.map((s) => q(`${s.name}:${s.summary}`)).join(' ');
      const subLine = subs
        ? `\n    '1: :((${cmd.subcommands.map((s) => s.name).join(' ')}))' \\`
        : '';
      return `  (${cmd.name})\n    _arguments -s \\${subLine}\n${lines.join(' \\\n')} \\\n    '*:file:_files' ;;`;
    })
    .join('\n');
  return `#compdef oauth
# zsh completion for oauth: oauth completion zsh > "\${fpath[1]}/_oauth"
_oauth() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _oauth oauth
`;
}

export function fishCompletion(root: CommandShape): string {
  const lines = ['# fish completion for oauth: oauth completion fish | source'];
  const optionArgs = (o: CommandShape['options'][number]) =>
    o.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ') +
    `${o.takesValue ? ' -r' : ''} -d ${q(o.description)}`;
  for (const o of root.options) lines.push(`complete -c oauth ${optionArgs(o)}`);
  for (const cmd of root.subcommands) {
    lines.push(`complete -c oauth -f -n __fish_use_subcommand -a ${cmd.name} -d ${q(cmd.summary)}`);
    const seen = `'__fish_seen_subcommand_from ${cmd.name}'`;
    for (const sub of cmd.subcommands) {
      lines.push(`complete -c oauth -f -n ${seen} -a ${sub.name} -d ${q(sub.summary)}`);
    }
    for (const o of cmd.options) lines.push(`complete -c oauth -n ${seen} ${optionArgs(o)}`);
  }
  return `${lines.join('\n')}\n`;
}
