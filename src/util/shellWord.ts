/**
 * One word of a shell command a person pastes: as it is when it holds only characters no POSIX shell
 * treats specially, else in single quotes (each quote inside written `'\''`), so nothing in it expands
 * or runs.
 */
export function shellWord(value: string): string {
  return /^[\w./:@=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
