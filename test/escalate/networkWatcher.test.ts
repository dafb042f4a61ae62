/**
 * Network Watcher evidence for backends nothing explained, through the whole run against the sandbox:
 * IP flow verify from 168.63.129.16 and a connectivity check from a healthy peer end up in the report
 * and the ticket; without a Network Watcher in the region they are recorded as not run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import { parseScenario, type ScenarioResource } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const FILE = join(__dirname, '../../scenarios/hidden-failure-unknown.json');

const WATCHER_TYPE = 'Microsoft.Network/networkWatchers';

/** The shipped scenario as it is (it holds the region's watcher), or with its watchers removed. */
async function observe(watchers: 'as-shipped' | 'none'): Promise<Report> {
  const json = JSON.parse(readFileSync(FILE, 'utf8')) as {
    resources: ScenarioResource[];
    expect: { loadBalancerId: string };
  };
  const lb = json.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers');
  const resources =
    watchers === 'none' ? json.resources.filter((r) => r.type !== WATCHER_TYPE) : json.resources;
  const scenario = parseScenario({ ...json, resources });
  const sandbox = await startSandbox({ scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'observe' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 2, runCommandRetryDelayMs: 1 },
    });
    expect(lb).toBeDefined();
    return report;
  } finally {
    await sandbox.stop();
  }
}

describe('Network Watcher evidence for an unexplained failure', () => {
  it('adds IP flow verify and a peer connectivity check to the report and the ticket', async () => {
    // Act: the shipped escalation scenario holds NetworkWatcher_<region>, as a real subscription does
    const report = await observe('as-shipped');

    // Assess
    const evidence = report.escalation?.networkWatcher ?? [];
    expect(evidence.length).toBeGreaterThan(0);
    for (const e of evidence) {
      // Nothing in the NSGs blocks the probe: Azure's own verdict agrees with probe-doctor's.
      expect(e.ipFlowVerify).toMatchObject({ access: 'Allow' });
      expect(e.connectivityCheck).toHaveProperty('connectionStatus');
      // From a healthy backend's VM, which observe mode's discovery did not read (no validation peer).
      expect(e.connectivityCheck).toHaveProperty(
        'fromVmId',
        expect.stringMatching(/\/virtualMachines\/web-0$/),
      );
    }
    const description = (report.escalation?.supportTicket as { properties: { description: string } })
      .properties.description;
    expect(description).toContain('Network Watcher:');
    expect(description).toContain('IP flow verify from 168.63.129.16: Allow');
  });

  it('records that Network Watcher could not run when the region has none', async () => {
    // Act
    const report = await observe('none');

    // Assess
    const evidence = report.escalation?.networkWatcher ?? [];
    expect(evidence.length).toBeGreaterThan(0);
    for (const e of evidence) expect(e.ipFlowVerify).toHaveProperty('error');
    // Observe mode never escalates: Microsoft must look, and the ticket is there to file.
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'microsoft']);
  });
});
