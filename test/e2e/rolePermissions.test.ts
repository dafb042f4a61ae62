/**
 * probe-doctor run by someone whose role is not probe-doctor's (infra/app/role-actions.json): the
 * built-in Reader, which is what a person trying the tool often has, and a custom role without the
 * rules' list. The sandbox refuses what the role does not allow as ARM does (a scenario's
 * `permissions`, src/sandbox/permissions.ts). What must hold, whatever the role: a guest that could
 * not be checked is looked at before anyone files a ticket with Microsoft; a write ARM refused is
 * reported as refused (not as a lost answer to validate), with the action the role lacks; what could
 * not be read is said; and a role that only loses the rules' list gets the same diagnosis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeFor } from '../../src/cli/commands/diagnose';
import { whoMustAct } from '../../src/report/facts';
import { renderText } from '../../src/report/text';
import type { Scenario } from '../../src/sandbox/scenario';
import { runScenarioDocument } from '../helpers/shippedRun';

/** The built-in Reader's permissions, as its role definition lists them (learn.microsoft.com, built-in roles, General). */
const READER = [{ actions: ['*/read'], notActions: [] }];

/** A shipped scenario's document, with the caller's role when one is given. */
function shipped(name: string, permissions?: Scenario['permissions']) {
  const file = join(__dirname, '../../scenarios', `${name}.json`);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { expect?: { loadBalancerId: string } };
  return { name, doc: permissions ? { ...doc, permissions } : doc };
}

const run = (scenario: ReturnType<typeof shipped>, mode: 'observe' | 'fix') =>
  runScenarioDocument(scenario.doc, mode, scenario.name);

describe('a Reader runs probe-doctor', () => {
  it('on a guest firewall drop: asks for the guest to be checked first, never for a ticket', async () => {
    // Act
    const { report } = await run(shipped('guest-firewall-drop', READER), 'observe');

    // Assess
    const web1 = report.backends.find((b) => b.vmId?.endsWith('/web-1'));
    expect(web1?.causes.map((c) => [c.id, c.evidence?.guestChecked])).toEqual([['unknown', false]]);
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.escalation).toBeUndefined();
    expect(whoMustAct(report)).toBe('the VM owner (its guest could not be checked)');
    expect(report.nextSteps).toEqual([
      expect.stringMatching(
        /^check the guest of web-1: the signed-in principal lacks Microsoft\.Compute\/virtualMachines\/runCommand\/action: /,
      ),
    ]);
    // The per-rule health was refused: said, and the metric stood in.
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'forbidden',
        message: expect.stringContaining('Microsoft.Network/loadBalancers/loadBalancingRules/health/action'),
      }),
    ]);
    expect(web1?.healthSource).toBe('metric');
  });

  it('with --fix on an NSG deny: the refused write is reported with the action it lacks, and nothing is validated', async () => {
    // Act
    const { report, requests, events } = await run(shipped('nsg-deny-all-blocks-probe', READER), 'fix');

    // Assess
    expect(report.fixes.map((f) => [f.kind, f.status])).toEqual([['nsg-allow-probe', 'failed']]);
    const fix = report.fixes[0];
    expect(fix?.reason).toContain('403 AuthorizationFailed');
    expect(fix?.reason).not.toContain('may be in place');
    expect(fix?.detail.writeOutcome).toBeUndefined();
    // ARM said no to the one PUT: sent once, nothing to settle, no wait for the probe, no validation.
    expect(requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([403]);
    expect(report.validation).toBeUndefined();
    expect(events.filter((e) => e.name === 'ProbeDoctor.ValidationResult')).toEqual([]);
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.nextSteps?.[0]).toContain(
      'probe-doctor could not: the signed-in principal lacks Microsoft.Network/networkSecurityGroups/securityRules/write',
    );
    // The command to make the change by hand is still given: nothing of it was written.
    expect(renderText(report)).toMatch(/To apply what is recommended:\n {2}az network nsg rule create /);
  });
});

describe('a custom role without the rules list (loadBalancingRules/read)', () => {
  it('gets the same diagnosis as a full role: the list only lost its head start', async () => {
    // Prepare
    const withoutList = [
      { actions: ['*'], notActions: ['Microsoft.Network/loadBalancers/loadBalancingRules/read'] },
    ];

    // Act
    const full = await run(shipped('nsg-deny-all-blocks-probe'), 'observe');
    const limited = await run(shipped('nsg-deny-all-blocks-probe', withoutList), 'observe');

    // Assess
    const causes = (r: typeof full) =>
      r.report.backends.map((b) => [b.vmId, b.probeState, b.causes.map((c) => c.id)]);
    expect(causes(limited)).toEqual(causes(full));
    expect([limited.report.verdict, limited.report.whoMustAct]).toEqual([
      full.report.verdict,
      full.report.whoMustAct,
    ]);
    expect(
      limited.requests.filter((r) => /\/loadBalancingRules$/i.test(r.path)).map((r) => r.status),
    ).toEqual([403]);
    // The health is still read per rule (from the load balancer's answer), once.
    expect(limited.requests.filter((r) => r.method === 'POST' && /\/health$/i.test(r.path)).length).toBe(1);
    expect(limited.report.problems).toBeUndefined();
  });
});

describe('a role that keeps probe-doctor from seeing a backend', () => {
  it('without the health action and the metric: no backend is called healthy, and the step names both actions', async () => {
    // Prepare
    const noHealth = [
      {
        actions: ['*'],
        notActions: [
          'Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
          'Microsoft.Insights/metrics/read',
        ],
      },
    ];

    // Act
    const { report } = await run(shipped('hidden-failure-unknown', noHealth), 'observe');

    // Assess
    expect([report.verdict, report.whoMustAct, exitCodeFor(report)]).toEqual([
      'action-required',
      'customer',
      1,
    ]);
    expect(report.escalation).toBeUndefined();
    expect(report.backends.map((b) => b.probeState)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(report.nextSteps).toEqual([
      'find out whether web-0, web-1, web-2 pass the probe: the signed-in principal lacks Microsoft.Network/loadBalancers/loadBalancingRules/health/action, Microsoft.Insights/metrics/read: assign it a role with those actions (infra/app/role-actions.json lists every action probe-doctor needs) and run again',
    ]);
  });

  it('without any compute access: a stopped VM that cannot be read is not called healthy', async () => {
    // Prepare: Network Contributor's reach, nothing of Microsoft.Compute.
    const noCompute = [{ actions: ['*'], notActions: ['Microsoft.Compute/*'] }];

    // Act
    const full = await run(shipped('vm-stopped'), 'observe');
    const limited = await run(shipped('vm-stopped', noCompute), 'observe');

    // Assess
    const web2 = (r: typeof full) => r.report.backends.find((b) => b.vmId?.endsWith('/web-2'));
    expect(web2(full)?.causes.map((c) => c.id)).toEqual(['vm-not-running']);
    expect([limited.report.verdict, limited.report.whoMustAct, exitCodeFor(limited.report)]).toEqual([
      'action-required',
      'customer',
      1,
    ]);
    expect(web2(limited)?.notes?.map((n) => n.id)).toContain('unverified');
    expect(limited.report.nextSteps).toEqual([
      expect.stringMatching(
        /^find out whether web-2 passes the probe: the signed-in principal lacks Microsoft\.Compute\/virtualMachines\/read/,
      ),
    ]);
  });

  it('without compute access, with --fix: validation names the peer it could not read and the action, not "no peer"', async () => {
    // Prepare: the network team's reach; vm-orders-03 is the healthy peer in the same network.
    const noCompute = [{ actions: ['*'], notActions: ['Microsoft.Compute/*'] }];

    // Act
    const { report } = await run(shipped('nsg-deny-all-blocks-probe', noCompute), 'fix');

    // Assess
    expect(report.validation?.map((v) => [v.tcp, v.explanation])).toEqual([
      [
        undefined,
        'no peer VM in the same virtual network can run the test: vm-orders-03 could not be read (the signed-in principal lacks Microsoft.Compute/virtualMachines/read); per-rule health decides',
      ],
      [undefined, expect.stringContaining('vm-orders-03 could not be read')],
    ]);
  });

  it("without compute access: the NICs' effective rules are still asked, so a security admin rule is found", async () => {
    // Prepare: the network team's reach (Network Contributor has Microsoft.Network/*, no compute).
    const noCompute = [{ actions: ['*'], notActions: ['Microsoft.Compute/*'] }];

    // Act
    const full = await run(shipped('admin-rule-blocks-probe'), 'observe');
    const limited = await run(shipped('admin-rule-blocks-probe', noCompute), 'observe');

    // Assess
    const causes = (r: typeof full) =>
      r.report.backends.map((b) => b.causes.map((c) => [c.id, c.evidence?.adminRule ?? c.evidence?.level]));
    expect(causes(limited)).toEqual(causes(full));
    expect(whoMustAct(limited.report)).toBe('the network manager administrator');
  });
});

/** The role probe-doctor is deployed with (infra/app/role-actions.json), with the phases given. */
function deployedRole(
  phases: ('diagnose' | 'fix')[],
  without: string[] = [],
): NonNullable<Scenario['permissions']> {
  const file = join(__dirname, '../../infra/app/role-actions.json');
  const actions = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>;
  return [{ actions: phases.flatMap((phase) => actions[phase] ?? []), notActions: without }];
}

const ASG_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-api-prod/providers/Microsoft.Network/applicationSecurityGroups/asg-api';

const JOIN = 'Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action';

describe('the deployed role on a deny aimed at an application security group', () => {
  it('with the diagnose and fix phases: the allow naming the group is written, and the probe recovers', async () => {
    // Act
    const { report, requests } = await run(
      shipped('vmss-asg-deny-blocks-probe', deployedRole(['diagnose', 'fix'])),
      'fix',
    );

    // Assess: the allow names the group the deny names, so ARM checked the join action on it.
    expect(report.fixes.map((f) => [f.kind, f.status])).toEqual([['nsg-allow-probe', 'applied']]);
    expect(report.fixes[0]?.detail.destinationApplicationSecurityGroupIds).toEqual([ASG_ID]);
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.status < 300, r.linkedOperations])).toEqual([[true, [JOIN]]]);
    expect(report.verdict).toBe('resolved');
  });

  it('without the join action: ARM refuses the write, nothing is written, and the step names the action', async () => {
    // Act
    const { report, requests } = await run(
      shipped('vmss-asg-deny-blocks-probe', deployedRole(['diagnose', 'fix'], [JOIN])),
      'fix',
    );

    // Assess
    expect(report.fixes.map((f) => [f.kind, f.status])).toEqual([['nsg-allow-probe', 'failed']]);
    expect(report.fixes[0]?.reason).toContain('403 LinkedAuthorizationFailed');
    expect(requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([403]);
    expect(report.validation).toBeUndefined();
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.nextSteps?.[0]).toContain(`lacks ${JOIN}`);
    // The command to make the change by hand, naming the group: nothing of it was written.
    expect(renderText(report)).toMatch(
      /To apply what is recommended:\n {2}az network nsg rule create .*--destination-asgs [^\n]*asg-api/,
    );
  });
});
