/**
 * What ran in the customer's guest is in the audit trail: each failing backend's BackendChecked names
 * the Run Command its check sent (command id, SHA-256 of the script as sent), and those are exactly the
 * commands the VMs received, as the sandbox hashed them from the requests (src/sandbox/requestLog.ts).
 * End to end through the sandbox, the real SDK clients and the local durable host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import type { AuditEvent } from '../../src/audit/events';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { formatTimeline } from '../../src/audit/timeline';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const scenarioFile = (name: string) => join(__dirname, '../../scenarios', `${name}.json`);

type ScenarioDoc = Record<string, unknown> & {
  expect: { loadBalancerId: string };
  guests?: Record<string, Record<string, unknown>>;
};

/** A sink that refuses RunCommandAccepted (a full disk, a closed exporter) and keeps the rest. */
class RefusingAcceptedSink extends MemoryAuditSink {
  override emit(event: AuditEvent): Promise<void> {
    if (event.name === 'ProbeDoctor.RunCommandAccepted') return Promise.reject(new Error('disk full'));
    return super.emit(event);
  }
}

/** Runs a shipped scenario, changed by `edit` first (a role, a busy guest), in observe mode or as asked. */
async function run(
  name: string,
  edit: (doc: ScenarioDoc) => void = () => undefined,
  mode: 'observe' | 'fix' = 'observe',
  env: Record<string, string> = {},
  auditSink: MemoryAuditSink = new MemoryAuditSink(),
) {
  const doc = JSON.parse(readFileSync(scenarioFile(name), 'utf8')) as ScenarioDoc;
  edit(doc);
  const lbId = doc.expect.loadBalancerId;
  const sandbox = await startSandbox({ scenario: parseScenario(doc, name) });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: lbId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({ ...(mode === 'fix' ? { PROBE_DOCTOR_MODE: 'fix' } : {}), ...env }),
      decideApproval: () => ({ decision: 'approve', by: 'test' }),
      auditSink,
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    return { events: auditSink.events, requests: [...sandbox.requestLog], report };
  } finally {
    await sandbox.stop();
  }
}

/** `vm|commandId|sha256`, lower-cased VM name, for comparing the trail with what the VMs received. */
const vmName = (path: string): string =>
  (/\/virtualMachines\/([^/]+)(?:\/virtualMachines\/([^/]+))?/i.exec(path) ?? [])
    .slice(1)
    .filter(Boolean)
    .join('/')
    .toLowerCase();

/** `vm|commandId|sha256` of every RunCommandAccepted event. */
const acceptedIn = (events: readonly AuditEvent[]): string[] =>
  events.flatMap((e) =>
    e.name === 'ProbeDoctor.RunCommandAccepted'
      ? [`${vmName(e.vmId)}|${e.runCommand}|${e.scriptSha256}`]
      : [],
  );

describe('Run Commands in the audit trail', () => {
  it.each([
    ['nsg-deny-all-blocks-probe', 'RunShellScript'],
    ['guest-firewall-drop', 'RunShellScript'],
    ['http-probe-500', 'RunPowerShellScript'],
    ['vmss-backend', 'RunShellScript'],
  ])(
    '%s: every command a VM received is named, with its script hash, on its backend',
    async (name, commandId) => {
      // Act
      const { events, requests } = await run(name);

      // Assess: what the VMs received (accepted commands; a 409 ran nothing) ...
      const received = requests
        .filter((r) => r.runCommand && r.status < 300)
        .map((r) => `${vmName(r.path)}|${r.runCommand!.commandId}|${r.runCommand!.scriptSha256}`)
        .sort();
      // ... is what the trail says ran, one per checked backend.
      const audited = events
        .filter(
          (e): e is Extract<AuditEvent, { name: 'ProbeDoctor.BackendChecked' }> =>
            e.name === 'ProbeDoctor.BackendChecked',
        )
        .filter((e) => e.runCommand !== undefined)
        .map((e) => `${vmName(e.vmId ?? '')}|${e.runCommand}|${e.scriptSha256}`)
        .sort();
      expect(received.length).toBeGreaterThan(0);
      expect(received.every((r) => r.includes(`|${commandId}|`))).toBe(true);
      expect(audited).toEqual(received);
      expect(acceptedIn(events).sort()).toEqual(received);
      // The timeline a reviewer reads (`probe-doctor audit`) shows it too.
      const firstHash = received[0]?.split('|')[2] ?? '';
      expect(formatTimeline(events)).toContain(`ran=${commandId}:${firstHash.slice(0, 12)}`);
    },
  );

  it.each([
    [
      'the role lacks runCommand/action (403)',
      (doc: ScenarioDoc) => {
        doc.permissions = [
          { actions: ['*'], notActions: ['Microsoft.Compute/virtualMachines/runCommand/action'] },
        ];
      },
    ],
    [
      'another script holds every VM through all attempts (409)',
      (doc: ScenarioDoc) => {
        for (const guest of Object.values(doc.guests ?? {})) guest.runCommandBusyTimes = 10;
      },
    ],
  ])('a command Azure refused is named nowhere: %s', async (_case, edit) => {
    // Act
    const { events, requests } = await run('nsg-deny-all-blocks-probe', edit);

    // Assess: no VM took a command, and the trail says none ran.
    expect(requests.filter((r) => r.runCommand && r.status < 300)).toEqual([]);
    const checked = events.filter((e) => e.name === 'ProbeDoctor.BackendChecked');
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((e) => 'runCommand' in e && e.runCommand !== undefined)).toEqual([]);
    expect(formatTimeline(events)).not.toContain('ran=');
    expect(acceptedIn(events)).toEqual([]);
  });

  it("names a guest firewall fix's script on its FixApplied, as the VM received it", async () => {
    // Act
    const { events, requests } = await run('guest-firewall-drop', () => undefined, 'fix', {
      PROBE_DOCTOR_OPT_IN_FIXES: 'guest-firewall-allow',
    });

    // Assess: the applied fix names its command, and the fix's VM took exactly that script.
    const applied = events.filter(
      (e): e is Extract<AuditEvent, { name: 'ProbeDoctor.FixApplied' }> =>
        e.name === 'ProbeDoctor.FixApplied' && e.outcome === 'applied',
    );
    expect(applied).toHaveLength(1);
    const after = JSON.parse(applied[0]!.after) as { runCommand?: string; scriptSha256?: string };
    expect(after.runCommand).toBe('RunShellScript');
    const received = requests
      .filter((r) => r.runCommand && r.status < 300)
      .map((r) => `${vmName(r.path)}|${r.runCommand!.commandId}|${r.runCommand!.scriptSha256}`);
    expect(received).toContain(`${vmName(applied[0]!.target)}|RunShellScript|${after.scriptSha256}`);
    // Every command any VM took in the run is named in the trail: the checks' on BackendChecked, the
    // fix's on FixApplied, the validation's peer test on ValidationResult (on the peer, not the target).
    const named = events.flatMap((e) => {
      if (e.name === 'ProbeDoctor.BackendChecked' && e.runCommand)
        return [`${vmName(e.vmId ?? '')}|${e.runCommand}|${e.scriptSha256}`];
      if (e.name === 'ProbeDoctor.ValidationResult' && e.runCommand) {
        const peerVm = /^from (\S+) to port/.exec(e.detail ?? '')?.[1] ?? '';
        return [`${vmName(peerVm)}|${e.runCommand}|${e.scriptSha256}`];
      }
      return [];
    });
    const fixed = `${vmName(applied[0]!.target)}|RunShellScript|${after.scriptSha256}`;
    expect([...new Set([...named, fixed])].sort()).toEqual([...new Set(received)].sort());
    expect(events.some((e) => e.name === 'ProbeDoctor.ValidationResult' && e.runCommand !== undefined)).toBe(
      true,
    );
    // And each was written the moment Azure took it, whatever it was for.
    expect(acceptedIn(events).sort()).toEqual([...received].sort());
    expect(
      events
        .filter((e) => e.name === 'ProbeDoctor.RunCommandAccepted')
        .map((e) => ('purpose' in e ? e.purpose : '')),
    ).toEqual(expect.arrayContaining(['guest-check', 'guest-fix', 'peer-test']));
  });

  it('a RunCommandAccepted the sink refuses fails nothing: the fix is applied and validated', async () => {
    // Act
    const { report } = await run(
      'guest-firewall-drop',
      () => undefined,
      'fix',
      { PROBE_DOCTOR_OPT_IN_FIXES: 'guest-firewall-allow' },
      new RefusingAcceptedSink(),
    );

    // Assess: as without the refusal.
    expect(report.verdict).toBe('resolved');
    expect(report.fixes.find((f) => f.kind === 'guest-firewall-allow')?.status).toBe('applied');
    expect(report.backends.flatMap((b) => b.causes.map((c) => c.id))).toContain(
      'guest-firewall-blocks-probe',
    );
  });

  it('a backend whose VM is stopped got no command, and its event names none', async () => {
    // Act
    const { events, requests } = await run('vm-stopped');

    // Assess
    const checked = events.filter((e) => e.name === 'ProbeDoctor.BackendChecked');
    expect(checked.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.runCommand)).toEqual([]);
    expect(checked.map((e) => ('runCommand' in e ? e.runCommand : undefined))).toEqual(
      checked.map(() => undefined),
    );
  });
});
