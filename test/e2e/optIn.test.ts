/**
 * The opt-in fixes end to end: the sandbox serves a shipped scenario over HTTPS, the orchestrator runs
 * on the local durable host in fix mode, and the guest firewall allow (Run Command) and VM start are
 * applied only when PROBE_DOCTOR_OPT_IN_FIXES lists them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import type { AuditEvent } from '../../src/audit/events';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { defaultViews } from '../../src/sandbox/defaultViews';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { findGuest } from '../../src/sandbox/state';
import type { Report } from '../../src/model/report';
import { reportFromAudit } from '../../src/report/fromAudit';
import { renderText } from '../../src/report/text';

const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers';
const LB = `${RG}/Microsoft.Network/loadBalancers/lb-web-prod`;
const WEB1 = `${RG}/Microsoft.Compute/virtualMachines/web-1`;
const WEB2 = `${RG}/Microsoft.Compute/virtualMachines/web-2`;

const OPT_IN = {
  PROBE_DOCTOR_OPT_IN_FIXES: 'guest-firewall-allow,start-vm',
  PROBE_DOCTOR_APPROVAL_REQUIRED_FOR: 'none',
};

const probeAllow = { action: 'allow', protocol: 'tcp', port: 80, source: '168.63.129.16/32' };
const probeDeny = { action: 'deny', protocol: 'tcp', port: 80, source: '168.63.129.16/32' };
const sshAllow = { action: 'allow', protocol: 'tcp', port: 22, source: '10.10.255.0/26' };

interface Harness {
  sandbox: Sandbox;
  /** The first line of every Run Command script the sandbox ran, with the VM it ran on. */
  scripts: { vmId: string; marker: string; script: string[] }[];
}

async function open(file: string): Promise<Harness> {
  const path = join(__dirname, '../../scenarios', file);
  const scenario = parseScenario(JSON.parse(readFileSync(path, 'utf8')), file);
  const scripts: Harness['scripts'] = [];
  const sandbox = await startSandbox({
    scenario,
    views: {
      ...defaultViews,
      runCommandResult: (state, vmId, input) => {
        scripts.push({ vmId, marker: input.script?.[0] ?? '', script: input.script ?? [] });
        return defaultViews.runCommandResult(state, vmId, input);
      },
    },
  });
  return { sandbox, scripts };
}

async function run(h: Harness, env: Record<string, string>, loadBalancerId = LB) {
  const audit = new MemoryAuditSink();
  const { report } = await runLocally({
    input: { loadBalancerId, mode: 'fix' },
    target: { kind: 'sandbox', endpoint: h.sandbox.endpoint, ca: h.sandbox.ca, clock: h.sandbox.clock },
    config: loadConfig(env),
    auditSink: audit,
    remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
    evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
  });
  return { report, events: audit.events };
}

/** FixApplied outcomes for one fix kind, in order. */
const applied = (events: AuditEvent[], kind: string) =>
  events.flatMap((e) => (e.name === 'ProbeDoctor.FixApplied' && e.fixKind === kind ? [e.outcome] : []));

const writes = (h: Harness) =>
  h.sandbox.requestLog.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));

describe('opt-in fixes end to end (PROBE_DOCTOR_OPT_IN_FIXES=guest-firewall-allow,start-vm)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.sandbox.stop();
    h = undefined;
  });

  it('guest-firewall-drop: the allow is added in the guest, the run resolves, a second run changes nothing', async () => {
    // Prepare
    h = await open('guest-firewall-drop.json');

    // Act
    const first = await run(h, OPT_IN);
    const firewallAfterFirst = structuredClone(findGuest(h.sandbox.state, WEB1)?.firewall);
    const versionAfterFirst = h.sandbox.state.version;
    const second = await run(h, OPT_IN);

    // Assess
    expect(first.report.verdict).toBe('resolved');
    expect(first.report.fixes.map((f) => [f.kind, f.target.toLowerCase(), f.status])).toEqual([
      ['guest-firewall-allow', WEB1.toLowerCase(), 'applied'],
    ]);
    expect(first.report.fixes[0]?.detail).toMatchObject({ result: 'added' });
    expect(applied(first.events, 'guest-firewall-allow')).toEqual(['started', 'applied']);
    expect(firewallAfterFirst).toEqual([probeAllow, sshAllow, probeDeny]);
    expect(
      h.scripts.filter((s) => s.marker === '# probe-doctor guest firewall allow').map((s) => s.vmId),
    ).toEqual([WEB1]);
    expect(writes(h)).toEqual([]);
    // The second run finds every backend healthy: nothing is planned, nothing written.
    expect(second.report.verdict).toBe('healthy');
    expect(second.report.fixes).toEqual([]);
    expect(applied(second.events, 'guest-firewall-allow')).toEqual([]);
    expect(findGuest(h.sandbox.state, WEB1)?.firewall).toEqual(firewallAfterFirst);
    expect(h.sandbox.state.version).toBe(versionAfterFirst);
  });

  it('vmss-backend: the DROP sits in ufw-user-input, so the allow goes through ufw, not a raw iptables rule', async () => {
    // Prepare: the guest check finds the probe dropped in ufw's own chain (ufw rebuilds it from /etc/ufw).
    h = await open('vmss-backend.json');
    const lb = (
      JSON.parse(readFileSync(join(__dirname, '../../scenarios/vmss-backend.json'), 'utf8')) as {
        expect: { loadBalancerId: string };
      }
    ).expect.loadBalancerId;

    // Act
    const { report } = await run(h, OPT_IN, lb);

    // Assess: the fix names ufw and the script it ran is told to use ufw.
    const fix = report.fixes.find((f) => f.kind === 'guest-firewall-allow');
    expect(fix?.detail.tool).toBe('ufw');
    const allow = h.scripts.filter((s) => s.marker === '# probe-doctor guest firewall allow');
    expect(allow.length).toBeGreaterThan(0);
    for (const s of allow) expect(s.script).toContain("PD_TOOL='ufw'");
  });

  it('vm-stopped: start-vm is applied, the VM runs, its probe passes and the run resolves', async () => {
    // Prepare
    h = await open('vm-stopped.json');

    // Act
    const { report, events } = await run(h, OPT_IN);

    // Assess
    expect(report.verdict).toBe('resolved');
    expect(report.fixes.map((f) => [f.kind, f.target.toLowerCase(), f.status])).toEqual([
      ['start-vm', WEB2.toLowerCase(), 'applied'],
    ]);
    expect(report.fixes[0]?.detail).toMatchObject({
      started: true,
      powerStateBefore: 'deallocated',
      powerStateAfter: 'running',
    });
    expect(applied(events, 'start-vm')).toEqual(['started', 'applied']);
    expect(findGuest(h.sandbox.state, WEB2)?.powerState).toBe('running');
    // Before: what the health said of a deallocated VM (Azure does not probe it), in the run's own
    // report and in the one rebuilt from its trail alike; never a guessed "down".
    const web2 = (r: Report) => r.backends.find((b) => b.vmId?.toLowerCase() === WEB2.toLowerCase());
    expect([web2(report)?.probeStateBefore, web2(report)?.probeState]).toEqual(['unknown', 'up']);
    const rebuilt = reportFromAudit(events, 'run.jsonl').report;
    expect([web2(rebuilt)?.probeStateBefore, web2(rebuilt)?.probeState]).toEqual(['unknown', 'up']);
    expect(renderText(report)).toMatch(/^web-2 .* unknown +up +Up_Probe_Success/m);
    expect(
      h.sandbox.requestLog
        .filter((r) => r.method === 'POST' && /\/start$/i.test(r.path))
        .map((r) => r.status),
    ).toEqual([202]);
  });
});

describe('the same scenarios with the default config (no opt-in)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.sandbox.stop();
    h = undefined;
  });

  it.each([
    ['guest-firewall-drop.json', WEB1, 'guest-firewall-allow'],
    ['vm-stopped.json', WEB2, 'start-vm'],
  ])(
    '%s asks the customer to act, with recommendations only and nothing changed',
    async (file, vmId, kind) => {
      // Prepare
      h = await open(file);
      const guestBefore = structuredClone(findGuest(h.sandbox.state, vmId));

      // Act
      const { report, events } = await run(h, {});

      // Assess: the customer's own guest or VM; no support ticket.
      expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
      expect(report.escalation).toBeUndefined();
      expect(report.fixes.length).toBeGreaterThan(0);
      expect(report.fixes.every((f) => f.status !== 'applied')).toBe(true);
      expect(report.fixes.filter((f) => f.kind !== 'recommendation')).toEqual([]);
      expect(applied(events, kind)).toEqual([]);
      expect(h.scripts.filter((s) => s.marker === '# probe-doctor guest firewall allow')).toEqual([]);
      expect(h.sandbox.requestLog.filter((r) => r.method === 'POST' && /\/start$/i.test(r.path))).toEqual([]);
      expect(writes(h)).toEqual([]);
      expect(findGuest(h.sandbox.state, vmId)).toEqual(guestBefore);
      expect(h.sandbox.state.version).toBe(0);
    },
  );
});
