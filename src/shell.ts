// Commands that people paste: every value placed into a suggested command is quoted for a POSIX
// shell, so a server's text in a hint can never run (single quotes, a quote as '\'').

/** One word for a POSIX shell: as is when it is plainly safe, else in single quotes. */
export function shellQuote(value: string): string {
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, each quoted as needed. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
