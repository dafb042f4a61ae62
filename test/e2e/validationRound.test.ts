/**
 * Validation in one round, end to end (sandbox over HTTPS, the real SDK clients, the local durable
 * host): several backends of one virtual network fixed at once are proven from their network's peer
 * by ONE Run Command holding every target, not one Run Command per target. Azure runs one script per
 * VM at a time, about 20 s each (Run Command restrictions), so a script per target would put that many
 * times 20 s on the run's critical path. Each target still gets its own result from its own line.
 *
 * The scenario is the scale benchmark's: scenarios/nsg-deny-all-blocks-probe.json grown to 6 backends,
 * the first 4 in snet-app-a, whose NSG denies the probe (a fix mode repair), the rest healthy.
 */
import { scaledScenario } from '../../bench/scaledScenario';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Scenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const BACKENDS = 6;
const FAILING = 4;

async function runFix(mutate: (scenario: Scenario) => void = () => undefined) {
  const scaled = scaledScenario(BACKENDS, { failing: FAILING });
  mutate(scaled.scenario);
  const sandbox = await startSandbox({ scenario: scaled.scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: scaled.loadBalancerId, mode: 'fix' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({ PROBE_DOCTOR_MODE: 'fix', PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope }),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const requests = [...sandbox.requestLog];
    // Validation's Run Commands: every one after the fix's write (the guest checks come before it).
    const write = requests.map((r) => r.method).lastIndexOf('PUT');
    const validationRunCommands = requests
      .slice(write + 1)
      .filter((r) => r.method === 'POST' && /\/runCommand$/i.test(r.path))
      .map((r) => (/\/virtualMachines\/([^/]+)\/runCommand$/i.exec(r.path)?.[1] ?? r.path).toLowerCase());
    return { report, write, validationRunCommands };
  } finally {
    await sandbox.stop();
  }
}

describe('validation in one round', () => {
  it('proves every fixed backend of one network from ONE Run Command on its peer, each with its own result', async () => {
    // Act
    const { report, write, validationRunCommands } = await runFix();

    // Assess
    expect(write).toBeGreaterThan(0);
    expect(report.verdict).toBe('resolved');
    const validation = report.validation ?? [];
    expect(validation).toHaveLength(FAILING);
    // One script per peer VM: one peer in this network, so one Run Command for all four targets.
    expect(validationRunCommands).toHaveLength(1);
    expect(new Set(validationRunCommands).size).toBe(validationRunCommands.length);
    const peer = validation[0]?.tcp?.peerVmId ?? '';
    expect(peer.toLowerCase().endsWith(`/${validationRunCommands[0]}`)).toBe(true);
    // Each target its own result: its own address, reached from that peer, agreeing with the health.
    expect(new Set(validation.map((v) => v.ipAddress)).size).toBe(FAILING);
    for (const v of validation) {
      expect(v).toMatchObject({
        health: 'Up',
        agree: true,
        tcp: { reachable: true, tool: 'bash-dev-tcp', peerVmId: peer },
      });
    }
  }, 60_000);

  it('keeps a target still blocked after the fix not-Up while the others come out Up', async () => {
    // Prepare: the second failing backend's own firewall also drops the probe port, from every source.
    let blockedVm = '';
    const mutate = (scenario: Scenario) => {
      const [vmId, guest] = Object.entries(scenario.guests)[1] as [string, Scenario['guests'][string]];
      blockedVm = vmId.split('/').pop() ?? '';
      guest.firewall = [{ action: 'deny', protocol: 'tcp', port: 8080 }];
    };

    // Act
    const { report, validationRunCommands } = await runFix(mutate);

    // Assess
    expect(validationRunCommands).toHaveLength(1);
    const validation = report.validation ?? [];
    expect(validation).toHaveLength(FAILING);
    const blocked = validation.filter((v) => v.backendKey.toLowerCase().includes(blockedVm.toLowerCase()));
    const others = validation.filter((v) => !blocked.includes(v));
    expect(blocked).toEqual([
      expect.objectContaining({
        health: 'Down',
        tcp: expect.objectContaining({ reachable: false, detail: 'timed out' }),
      }),
    ]);
    expect(others.map((v) => [v.health, v.tcp?.reachable])).toEqual(others.map(() => ['Up', true]));
    expect(report.verdict).not.toBe('resolved');
  }, 60_000);
});
