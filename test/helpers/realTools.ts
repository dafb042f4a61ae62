/**
 * Where the real tools some tests run are, as `.ci/install-tools` installs them: the Bicep CLI (from
 * NuGet, under .tools/), PowerShell 7 (a .NET global tool) and, for the network-namespace tests, root
 * with iproute2, iptables, nftables, ufw and curl.
 *
 * A test whose tool is missing skips with a message naming what is missing and how to install it —
 * except under CI (`CI=true`), where .ci/install-tools has run and a missing tool is a failure.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The Bicep CLI version .ci/tools/tools.csproj downloads. */
export const BICEP_VERSION = '0.49.2';

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first executable `name` on PATH or in `extraDirs`, or undefined. */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((d) => join(d, name)).find(isExecutable);
}

/** The Bicep CLI: `PROBE_DOCTOR_BICEP`, else the one .ci/install-tools restores, else undefined. */
export function bicepPath(): string | undefined {
  const candidates = [
    process.env.PROBE_DOCTOR_BICEP,
    join(ROOT, '.tools', 'nuget', 'azure.bicep.commandline.linux-x64', BICEP_VERSION, 'tools', 'bicep'),
  ];
  return candidates.find((c): c is string => c !== undefined && isExecutable(c));
}

/** PowerShell 7 (`pwsh`) on PATH or where `dotnet tool install --global` puts it. */
export function pwshPath(): string | undefined {
  return findExecutable('pwsh', [join(homedir(), '.dotnet', 'tools')]);
}

/** Why the network-namespace tests cannot run here (not root, a tool missing), or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (ip netns needs root)';
  const sbin = ['/usr/sbin', '/sbin', '/usr/bin'];
  const missing = ['ip', 'iptables', 'nft', 'ufw', 'curl', 'ss'].filter((t) => !findExecutable(t, sbin));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch (err) {
    return `ip netns does not work here (${(err as Error).message})`;
  }
  return undefined;
}

/**
 * `describe` when `missing` is undefined; otherwise, outside CI, a skipped describe whose title says
 * what is missing (and a warning on stderr); under CI, a describe with one failing test, because CI
 * installs every tool and a silent skip there would hide a check that no longer runs.
 */
export function describeWithTool(title: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  const why = `${missing}; run .ci/install-tools`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has its tool under CI', () => {
        throw new Error(`CI must run "${title}" but: ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`SKIPPED "${title}": ${why}\n`);
  describe.skip(`${title} — SKIPPED: ${why}`, body);
}
