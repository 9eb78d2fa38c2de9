// Shell completion scripts for bash, zsh, fish and PowerShell, generated from the command tree
// (src/cli/: commander's commands, options, .choices() and the values it suggests) so that they
// never drift from the real commands: nested commands, each command's options and the global
// ones, the values of options and arguments, and profile names read when TAB is pressed
// (`oauth __complete profiles`, which prints the names only).
import type { View } from './present.js';

/** The script is the same with --json: it is meant for the shell, not for people. */
export const completionView: View<string> = {
  human: (script) => ({ out: script }),
  json: (script) => ({ out: script }),
};

/** The names `oauth __complete profiles` prints, one a line (nothing else, never a secret). */
export const completionValuesView: View<string[]> = {
  human: (names) => ({ out: names.map((n) => `${n}\n`).join('') }),
  json: (names) => ({ out: names.map((n) => `${n}\n`).join('') }),
};

/** Fixed values, or the profile names of the store, read at completion time. */
export type Values = readonly string[] | 'profiles';

export interface OptionShape {
  /** Short and long flags, e.g. ['-v', '--verbose']. */
  flags: string[];
  description: string;
  takesValue: boolean;
  values?: Values | undefined;
}

export interface ArgumentShape {
  name: string;
  values?: Values | undefined;
}

export interface CommandShape {
  name: string;
  summary: string;
  options: OptionShape[];
  arguments?: ArgumentShape[];
  subcommands: CommandShape[];
}

/** A command with its path from the root: '' for oauth itself, 'profile add' for a subcommand. */
interface Node {
  path: string;
  command: CommandShape;
}

function nodes(root: CommandShape): Node[] {
  const walk = (command: CommandShape, path: string): Node[] => [
    { path, command },
    ...command.subcommands.flatMap((sub) =>
      walk(sub, path === '' ? sub.name : `${path} ${sub.name}`),
    ),
  ];
  return walk(root, '');
}

/** A POSIX single-quoted word (also read right by fish). */
const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A PowerShell single-quoted string. */
const pq = (text: string) => `'${text.replace(/'/g, "''")}'`;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The case functions bash and zsh share (both read POSIX `case`): which words are subcommands,
 * which options take a value, and the values of options and arguments. Keys are "path|word";
 * a global option matches under every path.
 */
function caseFunctions(root: CommandShape, profiles: string): string {
  const all = nodes(root);
  const globals = root.options;
  const pattern = (path: string, word: string) => q(`${path}|${word}`);
  const globalPattern = (word: string) => `*${q(`|${word}`)}`;
  const emit = (values: Values) =>
    values === 'profiles' ? profiles : `printf '%s\\n' ${values.map(q).join(' ')}`;

  const subcommands = all.flatMap(({ path, command }) =>
    command.subcommands.map((s) => pattern(path, s.name)),
  );
  const local = all.filter((n) => n.path !== '');
  const takesValue = [
    ...local.flatMap(({ path, command }) =>
      command.options
        .filter((o) => o.takesValue)
        .flatMap((o) => o.flags.map((f) => pattern(path, f))),
    ),
    ...globals.filter((o) => o.takesValue).flatMap((o) => o.flags.map(globalPattern)),
  ];
  const optionValues = [
    ...local.flatMap(({ path, command }) =>
      command.options.flatMap((o) =>
        o.values
          ? [`    ${o.flags.map((f) => pattern(path, f)).join('|')}) ${emit(o.values)} ;;`]
          : [],
      ),
    ),
    ...globals.flatMap((o) =>
      o.values ? [`    ${o.flags.map(globalPattern).join('|')}) ${emit(o.values)} ;;`] : [],
    ),
  ];
  const argumentValues = all.flatMap(({ path, command }) =>
    (command.arguments ?? []).flatMap((a, i) =>
      a.values ? [`    ${pattern(path, String(i))}) ${emit(a.values)} ;;`] : [],
    ),
  );
  const matches = (patterns: string[]) =>
    patterns.length > 0 ? `    ${patterns.join('|')}) return 0 ;;\n` : '';
  return `# Is $2 a subcommand of the command $1 ('' is oauth itself)?
_oauth_is_subcommand() {
  case "$1|$2" in
${matches(subcommands)}  esac
  return 1
}
# Does the option $2 of the command $1 take a value?
_oauth_takes_value() {
  case "$1|$2" in
${matches(takesValue)}  esac
  return 1
}
# The values of the option $2 of the command $1, one a line (none: any value, or a file).
_oauth_option_values() {
  case "$1|$2" in
${optionValues.join('\n')}
  esac
}
# The values of the argument at position $2 (from 0) of the command $1.
_oauth_argument_values() {
  case "$1|$2" in
${argumentValues.join('\n')}
  esac
}`;
}

/** `_oauth_subcommands` and `_oauth_options` of each path, one a line, `format`ted per shell. */
function listFunctions(root: CommandShape, format: (name: string, description: string) => string) {
  const all = nodes(root);
  const lines = (items: [string, string][]) =>
    `printf '%s\\n' ${items.map(([n, d]) => q(format(n, oneLine(d)))).join(' ')}`;
  const subs = all
    .filter((n) => n.command.subcommands.length > 0)
    .map(
      ({ path, command }) =>
        `    ${q(path)}) ${lines(command.subcommands.map((s) => [s.name, s.summary]))} ;;`,
    );
  const opts = all.map(({ path, command }) => {
    const options = path === '' ? root.options : [...command.options, ...root.options];
    const items = options.flatMap((o) => o.flags.map((f): [string, string] => [f, o.description]));
    return `    ${q(path)}) ${lines(items)} ;;`;
  });
  return `_oauth_subcommands() {
  case "$1" in
${subs.join('\n')}
  esac
}
_oauth_options() {
  case "$1" in
${opts.join('\n')}
  esac
}`;
}

export function bashCompletion(root: CommandShape): string {
  const profiles = '_oauth_profiles';
  return `# bash completion for oauth: eval "$(oauth completion bash)"
${caseFunctions(root, profiles)}
${listFunctions(root, (name) => name)}
# The profile names, from the store as it is now (never a secret).
_oauth_profiles() {
  local oauth="\${COMP_WORDS[0]}"
  [[ $oauth == "~/"* ]] && oauth="$HOME/\${oauth#"~/"}"
  "$oauth" __complete profiles 2>/dev/null
}
_oauth() {
  local -a words=()
  local i cword=0 word cur cmd="" opt="" skip=0 pos=0
  # readline splits urn:ietf:params:... at ':' (COMP_WORDBREAKS): join the pieces again
  for ((i = 0; i < \${#COMP_WORDS[@]}; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((i > 1)) && [[ $word == : || \${COMP_WORDS[i - 1]} == : ]]; then
      words[\${#words[@]} - 1]+="$word"
    else
      words+=("$word")
    fi
    ((i == COMP_CWORD)) && cword=$((\${#words[@]} - 1))
  done
  cur="\${words[cword]}"
  for ((i = 1; i < cword; i++)); do
    word="\${words[i]}"
    # --grant=x comes as --grant, =, x
    if [[ $word == = ]]; then skip=1; continue; fi
    if ((skip)); then skip=0; continue; fi
    case "$word" in
      -*=*) ;;
      -*) if _oauth_takes_value "$cmd" "$word"; then skip=1; opt="$word"; fi ;;
      *) if _oauth_is_subcommand "$cmd" "$word"; then cmd="\${cmd:+$cmd }$word"; pos=0; else pos=$((pos + 1)); fi ;;
    esac
  done
  [[ $cur == = ]] && cur=""
  local list
  if ((skip)); then
    list="$(_oauth_option_values "$cmd" "$opt")"
  elif [[ $cur == -* ]]; then
    list="$(_oauth_options "$cmd")"
  else
    list="$(_oauth_subcommands "$cmd")"
    [[ -z $list ]] && list="$(_oauth_argument_values "$cmd" "$pos")"
  fi
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$list" -- "$cur"))
  # a reply for urn:ietf:pa replaces only what follows the last ':' readline split at
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local prefix="\${cur%"\${cur##*:}"}"
    COMPREPLY=("\${COMPREPLY[@]#"$prefix"}")
  fi
}
complete -o default -F _oauth oauth
`;
}

export function zshCompletion(root: CommandShape): string {
  const escape = (name: string) => name.replace(/:/g, '\\:');
  return `#compdef oauth
# zsh completion for oauth: oauth completion zsh > "\${fpath[1]}/_oauth" (or: source <(oauth completion zsh))
${caseFunctions(root, '_oauth_profiles')}
${listFunctions(root, (name, description) => `${escape(name)}:${description}`)}
# The profile names, from the store as it is now (never a secret).
_oauth_profiles() {
  \${words[1]/#\\~/$HOME} __complete profiles 2>/dev/null
}
_oauth() {
  local cmd="" opt="" word cur="\${words[CURRENT]}"
  integer i skip=0 pos=0
  local -a list
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$word" in
      -*=*) ;;
      -*) if _oauth_takes_value "$cmd" "$word"; then skip=1; opt="$word"; fi ;;
      *) if _oauth_is_subcommand "$cmd" "$word"; then cmd="\${cmd:+$cmd }$word"; pos=0; else pos+=1; fi ;;
    esac
  done
  if ((!skip)) && [[ $cur == -*=* ]] && _oauth_takes_value "$cmd" "\${cur%%=*}"; then
    opt="\${cur%%=*}"; skip=1; compset -P '*='
  fi
  if ((skip)); then
    list=(\${(f)"$(_oauth_option_values "$cmd" "$opt")"})
    if (( $#list )); then compadd -a list; else _files; fi
  elif [[ $cur == -* ]]; then
    list=(\${(f)"$(_oauth_options "$cmd")"})
    _describe -t options option list
  else
    list=(\${(f)"$(_oauth_subcommands "$cmd")"})
    if (( $#list )); then _describe -t commands command list; return; fi
    list=(\${(f)"$(_oauth_argument_values "$cmd" "$pos")"})
    if (( $#list )); then compadd -a list; else _files; fi
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _oauth "$@"; else compdef _oauth oauth; fi
`;
}

/** A fish single-quoted string: fish reads \\' and \\\\ inside. */
const fq = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishCompletion(root: CommandShape): string {
  const all = nodes(root);
  const key = (path: string, word: string) => fq(`${path}|${word}`);
  const globalKey = (word: string) => `'*'${fq(`|${word}`)}`;
  const subcommands = all.flatMap(({ path, command }) =>
    command.subcommands.map((s) => key(path, s.name)),
  );
  const takesValue = [
    ...all
      .filter((n) => n.path !== '')
      .flatMap(({ path, command }) =>
        command.options
          .filter((o) => o.takesValue)
          .flatMap((o) => o.flags.map((f) => key(path, f))),
      ),
    ...root.options.filter((o) => o.takesValue).flatMap((o) => o.flags.map(globalKey)),
  ];
  const values = (v: Values) => (v === 'profiles' ? "'(__oauth_profiles)'" : fq(v.join(' ')));
  const optionArgs = (o: OptionShape) =>
    o.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ') +
    (o.values ? ` -x -a ${values(o.values)}` : o.takesValue ? ' -r' : '') +
    ` -d ${fq(oneLine(o.description))}`;
  const when = (path: string) => `-n ${fq(`__oauth_is ${path}`.trim())}`;
  const lines = [
    '# fish completion for oauth: oauth completion fish | source',
    '# (or: oauth completion fish > ~/.config/fish/completions/oauth.fish)',
    'function __oauth_is_subcommand',
    '    switch "$argv[1]|$argv[2]"',
    ...(subcommands.length > 0
      ? [`        case ${subcommands.join(' ')}`, '            return 0']
      : []),
    '    end',
    '    return 1',
    'end',
    'function __oauth_takes_value',
    '    switch "$argv[1]|$argv[2]"',
    ...(takesValue.length > 0
      ? [`        case ${takesValue.join(' ')}`, '            return 0']
      : []),
    '    end',
    '    return 1',
    'end',
    '# The command being typed: "" for oauth itself, "profile add" for a subcommand.',
    'function __oauth_command',
    '    set -l cmd ""',
    '    set -l skip 0',
    '    for word in (commandline -opc)[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $word',
    "            case '-*=*'",
    "            case '-*'",
    '                __oauth_takes_value "$cmd" $word; and set skip 1',
    "            case '*'",
    '                __oauth_is_subcommand "$cmd" $word; and set cmd (string trim -- "$cmd $word")',
    '        end',
    '    end',
    '    echo $cmd',
    'end',
    'function __oauth_is',
    '    test (__oauth_command) = "$argv"',
    'end',
    '# The profile names, from the store as it is now (never a secret).',
    'function __oauth_profiles',
    '    set -l oauth (commandline -opc)[1]',
    '    command $oauth __complete profiles 2>/dev/null',
    'end',
    'complete -c oauth -e',
  ];
  for (const o of root.options) lines.push(`complete -c oauth ${optionArgs(o)}`);
  for (const { path, command } of all) {
    for (const sub of command.subcommands) {
      lines.push(
        `complete -c oauth -f ${when(path)} -a ${fq(sub.name)} -d ${fq(oneLine(sub.summary))}`,
      );
    }
    if (path === '') continue;
    for (const o of command.options) lines.push(`complete -c oauth ${when(path)} ${optionArgs(o)}`);
    const withValues = (command.arguments ?? []).filter((a) => a.values);
    for (const a of withValues) {
      lines.push(`complete -c oauth -f ${when(path)} -a ${values(a.values ?? [])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function powershellCompletion(root: CommandShape): string {
  const all = nodes(root);
  const array = (items: readonly string[]) => `@(${items.map(pq).join(', ')})`;
  const table = (entries: [string, string][]) =>
    `@{\n${entries.map(([k, v]) => `    ${pq(k)} = ${v}`).join('\n')}\n  }`;
  const values = (v: Values) => (v === 'profiles' ? pq('@profiles') : array(v));
  const local = all.filter((n) => n.path !== '');
  const subcommands = table(
    all
      .filter((n) => n.command.subcommands.length > 0)
      .map(({ path, command }) => [path, array(command.subcommands.map((s) => s.name))]),
  );
  const options = table(
    all.map(({ path, command }) => [
      path,
      array((path === '' ? [] : command.options).flatMap((o) => o.flags)),
    ]),
  );
  const descriptions = table(
    all.flatMap(({ path, command }) => [
      ...command.subcommands.map((s): [string, string] => [
        path === '' ? s.name : `${path} ${s.name}`,
        pq(oneLine(s.summary) || s.name),
      ]),
      ...command.options.flatMap((o) =>
        o.flags.map((f): [string, string] => [`${path}|${f}`, pq(oneLine(o.description) || f)]),
      ),
    ]),
  );
  const takesValue = array(
    local.flatMap(({ path, command }) =>
      command.options
        .filter((o) => o.takesValue)
        .flatMap((o) => o.flags.map((f) => `${path}|${f}`)),
    ),
  );
  const globalsTakingValue = array(
    root.options.filter((o) => o.takesValue).flatMap((o) => o.flags),
  );
  const optionValues = table([
    ...local.flatMap(({ path, command }) =>
      command.options.flatMap((o) =>
        o.values
          ? o.flags.map((f): [string, string] => [`${path}|${f}`, values(o.values ?? [])])
          : [],
      ),
    ),
    ...root.options.flatMap((o) =>
      o.values ? o.flags.map((f): [string, string] => [`*|${f}`, values(o.values ?? [])]) : [],
    ),
  ]);
  const argumentValues = table(
    all.flatMap(({ path, command }) =>
      (command.arguments ?? []).flatMap((a, i): [string, string][] =>
        a.values ? [[`${path}|${i}`, values(a.values)]] : [],
      ),
    ),
  );
  return `# PowerShell completion for oauth: oauth completion pwsh | Out-String | Invoke-Expression
# (in your $PROFILE to keep it)
Register-ArgumentCompleter -Native -CommandName oauth -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $subcommands = ${subcommands}
  $options = ${options}
  $globalOptions = ${array(root.options.flatMap((o) => o.flags))}
  $descriptions = ${descriptions}
  $takesValue = ${takesValue}
  $globalsTakingValue = ${globalsTakingValue}
  $optionValues = ${optionValues}
  $argumentValues = ${argumentValues}
  $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.Extent.Text })
  $end = $words.Count
  if ($wordToComplete -ne '') { $end-- }
  $cmd = ''; $opt = ''; $skip = $false; $pos = 0
  for ($i = 1; $i -lt $end; $i++) {
    $word = $words[$i]
    if ($skip) { $skip = $false; continue }
    if ($word -like '-*=*') { continue }
    if ($word -like '-*') {
      if (($takesValue -contains "$cmd|$word") -or ($globalsTakingValue -contains $word)) { $skip = $true; $opt = $word }
      continue
    }
    if ($subcommands.ContainsKey($cmd) -and ($subcommands[$cmd] -contains $word)) {
      if ($cmd -eq '') { $cmd = $word } else { $cmd = "$cmd $word" }
      $pos = 0
    } else { $pos++ }
  }
  $kind = 'ParameterValue'
  $candidates = @()
  if ($skip) {
    $candidates = $optionValues["$cmd|$opt"]
    if ($null -eq $candidates) { $candidates = $optionValues["*|$opt"] }
  } elseif ($wordToComplete -like '-*') {
    $kind = 'ParameterName'
    $candidates = @($options[$cmd]) + $globalOptions
  } elseif ($subcommands.ContainsKey($cmd)) {
    $kind = 'Command'
    $candidates = $subcommands[$cmd]
  } else {
    $candidates = $argumentValues["$cmd|$pos"]
  }
  if ($candidates -eq '@profiles') {
    # the profile names, from the store as it is now (never a secret)
    $candidates = @(& $words[0] __complete profiles 2>$null)
  }
  foreach ($candidate in @($candidates)) {
    if ($null -eq $candidate -or $candidate -notlike "$wordToComplete*") { continue }
    $key = if ($kind -eq 'Command') { if ($cmd -eq '') { $candidate } else { "$cmd $candidate" } } elseif ($kind -eq 'ParameterName') { if ($descriptions.ContainsKey("$cmd|$candidate")) { "$cmd|$candidate" } else { "|$candidate" } } else { '' }
    $tip = $descriptions[$key]
    if (-not $tip) { $tip = $candidate }
    [System.Management.Automation.CompletionResult]::new($candidate, $candidate, $kind, $tip)
  }
}
`;
}
