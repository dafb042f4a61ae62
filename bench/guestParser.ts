/**
 * Benchmark 2: parseGuestOutput on the stdout of one guest check. The stdout is not invented: the
 * sandbox's guest simulator renders it for web-1 of scenarios/guest-firewall-drop.json (an iptables
 * DROP of the probe), answering the very script probe-doctor sends, and the Run Command result is
 * unwrapped with the same parser the reader uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGuestOutput, parseRunCommandResult } from '../src/guest/parse';
import { buildGuestScript, type ScriptProbe } from '../src/guest/scripts';
import { runCommandResult } from '../src/sandbox/guest';
import { parseScenario } from '../src/sandbox/scenario';
import { createSandboxState } from '../src/sandbox/state';
import { timed, type BenchRow } from './measure';

const SCENARIO_FILE = join(__dirname, '..', '..', 'scenarios', 'guest-firewall-drop.json');
const VM_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers/Microsoft.Compute/virtualMachines/web-1';
/** web-1's NIC address and the load balancer's probe, as the scenario declares them. */
const NIC_ADDRESS = '10.10.1.5';
const PROBE: ScriptProbe = { protocol: 'Http', port: 80, requestPath: '/healthz' };

/** The Linux guest check's stdout for web-1, rendered by the sandbox from the script probe-doctor sends. */
export function renderedGuestStdout(): string {
  const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO_FILE, 'utf8')), SCENARIO_FILE);
  const state = createSandboxState(scenario);
  const script = buildGuestScript('linux', PROBE, NIC_ADDRESS);
  return parseRunCommandResult(runCommandResult(state, VM_ID, script)).stdout;
}

/** Parses the same stdout `n` times; counts the verdicts so the work cannot be skipped. */
export async function benchGuestParser(n = 10_000): Promise<BenchRow> {
  const stdout = renderedGuestStdout();
  let denied = 0;
  let listening = 0;
  const { ms } = await timed(() => {
    for (let i = 0; i < n; i++) {
      const evidence = parseGuestOutput('linux', stdout, PROBE, NIC_ADDRESS);
      if (evidence.firewall.some((f) => f.decision === 'deny')) denied += 1;
      listening += evidence.listening.length;
    }
  });
  return {
    name: 'guest: parseGuestOutput, iptables guest',
    n,
    totalMs: ms,
    counts: {
      stdoutBytes: Buffer.byteLength(stdout),
      firewallDeny: denied,
      socketsPerParse: listening / n,
    },
  };
}
