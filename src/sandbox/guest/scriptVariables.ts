/**
 * Reads the `PD_*` variables at the top of a probe-doctor script (bash `PD_X='v'`, PowerShell
 * `$PD_X = 'v'`), undoing the quoting. The simulator answers from these, as the real script would.
 */
export function parseScriptVariables(script: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of script) {
    const bash = /^(PD_[A-Z0-9_]+)='((?:[^']|'\\'')*)'$/.exec(line);
    if (bash) {
      vars[bash[1] as string] = (bash[2] as string).replace(/'\\''/g, "'");
      continue;
    }
    const ps =
      /^\$(PD_[A-Z0-9_]+) = '((?:[^'\u2018\u2019\u201A\u201B]|['\u2018\u2019\u201A\u201B]{2})*)'$/.exec(line);
    if (ps) vars[ps[1] as string] = (ps[2] as string).replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1');
  }
  return vars;
}
