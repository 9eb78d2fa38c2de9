# zsh -f zsh-complete.zsh <script> <line>: the matches that zsh's own completion system offers
# for <line> once <script> is sourced: an interactive zsh in a pseudo-terminal (zpty), compadd
# wrapped to print what it is given, between two NUL lines, then the shell exits.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''"
zpty -w z "autoload -U compinit; compinit -u -D"
zpty -w z "source ${(q)1}"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits == 0 )) && return 1
  print -rl -- HIT:${^__hits}
}'
zpty -w z "bindkey '^I' complete-word"
zpty -w z "null-line () { echo -E - \$'\\0' }"
zpty -w z 'compprefuncs=( null-line ); comppostfuncs=( null-line exit )'
zpty -n -w z "$2"$'\t'
local all="" chunk
while [[ ${#${all//[^$'\0']/}} -lt 2 ]] && zpty -r z chunk; do all+=$chunk; done
zpty -d z
all=${all#*$'\0'}
all=${all%%$'\0'*}
for line in ${(f)all}; do [[ $line == HIT:* ]] && print -r -- ${line#HIT:} | tr -d '\r'; done
