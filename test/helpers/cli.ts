/**
 * Runs the CLI in-process the way `node bin/probe-doctor.js ...args` would, collecting what it writes:
 * the exit code, stdout and stderr. `deps` are main's injected dependencies (a live credential).
 */
import { main } from '../../src/cli/main';

export type CliDeps = Parameters<typeof main>[2];

export async function runCli(
  args: readonly string[],
  deps: CliDeps = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['node', 'probe-doctor', ...args],
    { out: (t) => void (out += t), err: (t) => void (err += t) },
    deps,
  );
  return { code, out, err };
}
