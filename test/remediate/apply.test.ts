import { evaluateProbeInbound } from '../../src/diagnose/nsg/index';
import type { Topology } from '../../src/model/topology';
import { applyFixes, rollbackFixes } from '../../src/remediate/apply';
import { KeyedLock } from '../../src/remediate/keyedLock';
import { allowRuleName } from '../../src/remediate/naming';
import { mayHaveWritten } from '../../src/remediate/nsgApply';
import { AzureCallError } from '../../src/errors';
import { planFixes } from '../../src/remediate/plan';
import type { ApplyDeps, NsgRuleWriter, RemediationAuditEvent } from '../../src/remediate/ports';
import { probesOf } from '../../src/remediate/recommend';
import type { PlannedFix } from '../../src/model/fixPlan';
import {
  discover,
  loadScenario,
  nsgDiagnosis,
  rulesOf,
  startRemediationSandbox,
  type RemediationSandbox,
} from './sandboxRun';
import { ids, webTopology } from '../helpers/topologyBuilder';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const ORDERS_LB = `${SUB}/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod`;
const WEB_LB = `${SUB}/resourceGroups/rg-shop-prod/providers/Microsoft.Network/loadBalancers/lbi-web`;
const API_LB = `${SUB}/resourceGroups/rg-shop-prod/providers/Microsoft.Network/loadBalancers/lbi-api`;
const RUN = 'pd-run-1';
const noSleep = () => Promise.resolve();
const noAudit = () => Promise.resolve();

async function planFor(s: RemediationSandbox, lbId: string) {
  const topology = await discover(s, lbId);
  const fixes = planFixes({
    mode: 'fix',
    topology,
    diagnosis: nsgDiagnosis(topology),
    policy: { optInFixes: [], approvalRequiredFor: [] },
    runId: RUN,
  });
  return { topology, fixes };
}

async function applyPlan(
  s: RemediationSandbox,
  lbId: string,
  deps: Partial<ApplyDeps> = {},
  fixes?: PlannedFix[],
) {
  const plan = await planFor(s, lbId);
  return applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: noSleep, ...deps }, fixes ?? plan.fixes, {
    runId: RUN,
    loadBalancerId: lbId,
    mode: 'fix',
    topology: plan.topology,
  });
}

describe('applyFixes against the sandbox (nsg-deny-all-blocks-probe)', () => {
  let s: RemediationSandbox;
  beforeEach(async () => {
    s = await startRemediationSandbox(await loadScenario('nsg-deny-all-blocks-probe'));
  });
  afterEach(() => s.stop());

  it('ends with exactly one new rule right above the Deny All, nothing else changed', async () => {
    // Prepare
    const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
    const audit: RemediationAuditEvent[] = [];

    // Act
    const reports = await applyPlan(s, ORDERS_LB, { audit: (e) => Promise.resolve(void audit.push(e)) });

    // Assess
    const after = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
    const name = allowRuleName(ORDERS_LB, 8080);
    expect(reports.map((r) => [r.kind, r.status, r.detail.priority, r.detail.written])).toEqual([
      ['nsg-allow-probe', 'applied', 3999, true],
    ]);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), name].sort());
    for (const [ruleName, rule] of Object.entries(before)) expect(after[ruleName]).toEqual(rule);
    expect(after[name]).toMatchObject({
      priority: 3999,
      access: 'Allow',
      direction: 'Inbound',
      protocol: 'Tcp',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationPortRange: '8080',
    });
    expect(audit.map((e) => [e.phase, e.action])).toEqual([
      ['before', 'create-rule'],
      ['after', 'create-rule'],
    ]);
    expect(audit[0]!.before).toBeNull();
  });

  it('adds nothing when run twice', async () => {
    // Prepare: the same plan applied twice (an activity retry), then planned again (a second run).
    const { fixes } = await planFor(s, ORDERS_LB);
    await applyPlan(s, ORDERS_LB, {}, fixes);
    const once = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
    const writesBefore = s.t.sandbox.requestLog.filter((e) => e.method === 'PUT').length;

    // Act
    const second = await applyPlan(s, ORDERS_LB, {}, fixes);
    const replanned = await planFor(s, ORDERS_LB);

    // Assess
    expect(second.map((r) => [r.status, r.detail.written, r.reason])).toEqual([
      ['applied', false, 'the rule was already in place; nothing written'],
    ]);
    expect(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a')).toEqual(once);
    expect(s.t.sandbox.requestLog.filter((e) => e.method === 'PUT').length).toBe(writesBefore);
    expect(replanned.fixes).toEqual([]);
  });

  it.each([1, 2, 3, 4, 9, 12, 13])(
    'still ends right under injected 429, 500/503 and 409 AnotherOperationInProgress (seed %d)',
    async (seed) => {
      // Prepare
      const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
      const { fixes, topology } = await planFor(s, ORDERS_LB);
      const logged = s.t.sandbox.requestLog.length;
      s.t.sandbox.setFaults({
        seed,
        throttleRate: 0.3,
        serverErrorRate: 0.2,
        conflictRate: 0.4,
        retryAfterSeconds: 0,
      });
      const waits: number[] = [];

      // Act
      const reports = await applyFixes(
        {
          nsgWriter: s.writer,
          audit: noAudit,
          maxAttempts: 20,
          sleep: (ms) => Promise.resolve(void waits.push(ms)),
        },
        fixes,
        { runId: RUN, loadBalancerId: ORDERS_LB, mode: 'fix', topology },
      );

      // Assess
      s.t.sandbox.setFaults(undefined);
      const statuses = s.t.sandbox.requestLog.slice(logged).map((e) => e.status);
      expect(statuses.some((st) => st === 429 || st === 409 || st >= 500)).toBe(true);
      // The write loop waits only on a 409 (the pipeline never retries one); 429/5xx are the SDK's.
      expect(waits.length > 0).toBe(statuses.includes(409));
      expect([reports[0]!.status, reports[0]!.reason]).toEqual(['applied', undefined]);
      const after = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
      expect(Object.keys(after).sort()).toEqual(
        [...Object.keys(before), allowRuleName(ORDERS_LB, 8080)].sort(),
      );
    },
  );

  it('reports failed after the bounded attempts when the NSG stays busy', async () => {
    // Prepare
    const { fixes, topology } = await planFor(s, ORDERS_LB);
    s.t.sandbox.setFaults({ conflictRate: 1 });

    // Act
    const reports = await applyFixes(
      { nsgWriter: s.writer, audit: noAudit, maxAttempts: 3, sleep: noSleep },
      fixes,
      {
        runId: RUN,
        loadBalancerId: ORDERS_LB,
        mode: 'fix',
        topology,
      },
    );

    // Assess
    expect(reports[0]!.status).toBe('failed');
    expect(reports[0]!.reason).toMatch(
      /^writing rule probe-doctor-allow-probe-8080-[0-9a-f]{8} gave up after 3 attempts: .* failed \(409 AnotherOperationInProgress\)/,
    );
  });

  it('keeps a PUT whose answer was lost in doubt when a later PUT is refused for want of a role', async () => {
    // Prepare: the first PUT's operation is lost while it may still land (its poll fails with a
    // conflict); the second PUT, sent after a re-read that shows no rule yet, is refused 403.
    const { fixes, topology } = await planFor(s, ORDERS_LB);
    const refusal = (method: 'GET' | 'PUT', status: number, code: string) =>
      new AzureCallError(`write security rule failed (${status} ${code})`, ORDERS_LB, status, code, {
        cause: Object.assign(new Error(`${method} answered ${status}`), {
          request: { method },
          statusCode: status,
        }),
      });
    const puts: string[] = [];
    const writer: NsgRuleWriter = {
      ...s.writer,
      createSecurityRule: () => {
        puts.push(puts.length === 0 ? 'lost' : 'refused');
        return Promise.reject(
          puts.length === 1
            ? refusal('GET', 409, 'AnotherOperationInProgress')
            : refusal('PUT', 403, 'AuthorizationFailed'),
        );
      },
    };

    // Act
    const reports = await applyFixes(
      { nsgWriter: writer, audit: noAudit, maxAttempts: 2, sleep: noSleep },
      fixes,
      { runId: RUN, loadBalancerId: ORDERS_LB, mode: 'fix', topology },
    );

    // Assess
    expect(puts).toEqual(['lost', 'refused']);
    expect(reports[0]!.status).toBe('failed');
    expect(reports[0]!.detail.writeOutcome).toBe('unknown');
    expect(mayHaveWritten(reports[0]!)).toBe(true);
  });

  it.each([
    [412, 'PreconditionFailed'],
    [409, 'AnotherOperationInProgress'],
  ])("claims a PUT that landed though the pipeline's retry of it was answered %d", async (status, code) => {
    // Prepare: the first try lands but its answer is lost; the pipeline's retry (same If-None-Match)
    // is refused because the rule is now there.
    const { fixes, topology } = await planFor(s, ORDERS_LB);
    let tries = 0;
    const writer: NsgRuleWriter = {
      ...s.writer,
      createSecurityRule: async (nsgId, name, rule, conditions) => {
        tries += 1;
        if (tries > 1) return s.writer.createSecurityRule(nsgId, name, rule, conditions);
        await s.writer.createSecurityRule(nsgId, name, rule, conditions);
        throw new AzureCallError(`write security rule failed (${status} ${code})`, nsgId, status, code, {
          cause: Object.assign(new Error(`PUT answered ${status}`), {
            request: { method: 'PUT' },
            statusCode: status,
          }),
        });
      },
    };
    const audit: RemediationAuditEvent[] = [];

    // Act
    const reports = await applyFixes(
      {
        nsgWriter: writer,
        audit: (e) => Promise.resolve(void audit.push(e)),
        maxAttempts: 3,
        sleep: noSleep,
      },
      fixes,
      { runId: RUN, loadBalancerId: ORDERS_LB, mode: 'fix', topology },
    );

    // Assess: the rule is this run's, recorded before and after, and found by a rollback.
    expect([reports[0]!.status, reports[0]!.detail.written]).toEqual(['applied', true]);
    expect(audit.map((e) => `${e.phase}/${e.action}`)).toEqual(['before/create-rule', 'after/create-rule']);
    expect(mayHaveWritten(reports[0]!)).toBe(true);
  });

  it('reports a throttling that outlasts the SDK pipeline once, without retrying it again', async () => {
    // Prepare
    const { fixes, topology } = await planFor(s, ORDERS_LB);
    s.t.sandbox.setFaults({ throttleRate: 1, retryAfterSeconds: 0 });
    const logged = s.t.sandbox.requestLog.length;

    // Act
    const reports = await applyFixes(
      { nsgWriter: s.writer, audit: noAudit, maxAttempts: 3, sleep: noSleep },
      fixes,
      { runId: RUN, loadBalancerId: ORDERS_LB, mode: 'fix', topology },
    );

    // Assess: one NSG read, 1 + 5 pipeline attempts, no second round.
    expect(s.t.sandbox.requestLog.slice(logged).map((e) => `${e.method} ${e.status}`)).toEqual(
      Array<string>(6).fill('GET 429'),
    );
    expect(reports[0]!.reason).toMatch(
      /^writing rule probe-doctor-allow-probe-8080-[0-9a-f]{8} failed: read network security group .* failed \(429 .*\(still failing after the SDK's retries\)$/,
    );
  });

  it('never touches a rule with our name that probe-doctor did not create', async () => {
    // Prepare
    const name = allowRuleName(ORDERS_LB, 8080);
    await s.t.network.securityRules.beginCreateOrUpdateAndWait('rg-orders-prod', 'nsg-snet-app-a', name, {
      priority: 500,
      direction: 'Inbound',
      access: 'Deny',
      protocol: 'Tcp',
      sourceAddressPrefix: '10.9.0.0/16',
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: '22',
      description: 'a person wrote this',
    });
    const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');

    // Act
    const reports = await applyPlan(s, ORDERS_LB);

    // Assess
    expect(reports[0]!.status).toBe('skipped');
    expect(reports[0]!.reason).toBe(
      `NSG nsg-snet-app-a already has a rule named ${name} that probe-doctor did not create; it is left untouched`,
    );
    expect(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a')).toEqual(before);
  });

  it('writes nothing when the before-audit fails', async () => {
    // Prepare
    const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');

    // Act
    const reports = await applyPlan(s, ORDERS_LB, { audit: () => Promise.reject(new Error('sink down')) });

    // Assess
    expect(reports[0]!.status).toBe('failed');
    expect(reports[0]!.reason).toBe(
      'the audit record could not be written, so nothing was changed: sink down',
    );
    expect(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a')).toEqual(before);
  });

  it('writes nothing in observe mode and reports the plan', async () => {
    // Prepare
    const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
    const { fixes, topology } = await planFor(s, ORDERS_LB);

    // Act
    const reports = await applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: noSleep }, fixes, {
      runId: RUN,
      loadBalancerId: ORDERS_LB,
      mode: 'observe',
      topology,
    });

    // Assess
    expect(reports.map((r) => r.status)).toEqual(['planned']);
    expect(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a')).toEqual(before);
  });

  it('rolls back only the rule it added, when its backends stay down', async () => {
    // Prepare
    const before = await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a');
    const applied = await applyPlan(s, ORDERS_LB);
    const keys = applied[0]!.detail.backendKeys as string[];
    const foreign = {
      ...applied[0]!,
      detail: { ...applied[0]!.detail, ruleName: 'DenyAllInbound-Baseline' },
    };

    // Act
    const rolled = await rollbackFixes(
      { nsgWriter: s.writer, audit: noAudit, sleep: noSleep },
      [...applied, foreign],
      {
        runId: RUN,
        loadBalancerId: ORDERS_LB,
        stillDown: keys,
        rollbackOnFailure: true,
      },
    );

    // Assess
    expect(rolled.map((r) => r.status)).toEqual(['rolled-back', 'applied']);
    expect(rolled[0]!.reason).toBe(
      `the rule did not bring ${keys.length} of ${keys.length} backend(s) back, so it was removed (rollbackOnFailure)`,
    );
    expect(rolled[1]!.reason).toBe(
      "rule DenyAllInbound-Baseline is not probe-doctor's any more; left untouched",
    );
    expect(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a')).toEqual(before);
  });

  it('keeps the rule when rollbackOnFailure is off', async () => {
    // Prepare
    const applied = await applyPlan(s, ORDERS_LB);

    // Act
    const rolled = await rollbackFixes({ nsgWriter: s.writer, audit: noAudit, sleep: noSleep }, applied, {
      runId: RUN,
      loadBalancerId: ORDERS_LB,
      stillDown: applied[0]!.detail.backendKeys as string[],
      rollbackOnFailure: false,
    });

    // Assess
    expect(rolled).toEqual(applied);
    expect(Object.keys(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a'))).toContain(
      allowRuleName(ORDERS_LB, 8080),
    );
  });
});

describe('applyFixes: two load balancers sharing one NSG (shared-nsg-two-lbs)', () => {
  let s: RemediationSandbox;
  beforeEach(async () => {
    s = await startRemediationSandbox(await loadScenario('shared-nsg-two-lbs'));
  });
  afterEach(() => s.stop());

  it.each<[string, () => Partial<ApplyDeps>[]]>([
    ['one host (shared in-process lock)', () => [{}, {}]],
    [
      'two hosts (separate locks: ETags and conflict retries only)',
      () => [{ lock: new KeyedLock() }, { lock: new KeyedLock() }],
    ],
  ])(
    'concurrent applies end with both rules, no conflict, duplicate or lost rule: %s',
    async (_case, depsOf) => {
      // Prepare
      const before = await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared');
      const [webDeps, apiDeps] = depsOf();
      const web = await planFor(s, WEB_LB);
      const api = await planFor(s, API_LB);

      // Act
      const [webReports, apiReports] = await Promise.all([
        applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: noSleep, ...webDeps }, web.fixes, {
          runId: RUN,
          loadBalancerId: WEB_LB,
          mode: 'fix',
          topology: web.topology,
        }),
        applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: noSleep, ...apiDeps }, api.fixes, {
          runId: RUN,
          loadBalancerId: API_LB,
          mode: 'fix',
          topology: api.topology,
        }),
      ]);

      // Assess
      expect([...webReports, ...apiReports].map((r) => r.status)).toEqual(['applied', 'applied']);
      const after = await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared');
      const added = Object.keys(after)
        .filter((n) => !(n in before))
        .sort();
      expect(added).toEqual([allowRuleName(WEB_LB, 80), allowRuleName(API_LB, 8443)].sort());
      expect(added.map((n) => after[n]!.priority).sort()).toEqual([2998, 2999]);
      for (const [ruleName, rule] of Object.entries(before)) expect(after[ruleName]).toEqual(rule);
    },
  );
});

describe('applyFixes: a second run and rollbacks on one rule (shared-nsg-two-lbs, lbi-web)', () => {
  let s: RemediationSandbox;
  beforeEach(async () => {
    s = await startRemediationSandbox(await loadScenario('shared-nsg-two-lbs'));
  });
  afterEach(() => s.stop());

  const ctx = (topology: Topology) => ({
    runId: RUN,
    loadBalancerId: WEB_LB,
    mode: 'fix' as const,
    topology,
  });

  /** Plans as a run that sees only the backends at `indexes` down (the others already fixed or healthy). */
  async function runFor(indexes: number[], audit: ApplyDeps['audit'] = noAudit) {
    const topology = await discover(s, WEB_LB);
    const full = nsgDiagnosis(topology);
    const diagnosis = {
      ...full,
      backends: full.backends.map((b, i) => (indexes.includes(i) ? b : { ...b, causes: [] })),
    };
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis,
      policy: { optInFixes: [], approvalRequiredFor: [] },
      runId: RUN,
    });
    const reports = await applyFixes({ nsgWriter: s.writer, sleep: noSleep, audit }, fixes, ctx(topology));
    return { topology, reports };
  }

  const ruleName = () => allowRuleName(WEB_LB, 80);

  it('widens our rule to the union on a second run, so backends an earlier run fixed stay allowed', async () => {
    // Prepare: run 1 fixes web-0 only.
    await runFor([0]);

    // Act: run 2 sees only web-1 down.
    const { reports } = await runFor([1]);

    // Assess
    const after = await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared');
    const rule = after[ruleName()]!;
    expect(reports.map((r) => [r.status, r.detail.written, r.detail.created])).toEqual([
      ['applied', true, false],
    ]);
    expect([...(rule.destinationAddressPrefixes ?? [])].sort()).toEqual(
      (reports[0]!.detail.destinationAddressPrefixes as string[]).slice().sort(),
    );
    expect(rule.destinationAddressPrefixes).toHaveLength(2);
    const fresh = await discover(s, WEB_LB);
    for (const backend of fresh.backends) {
      expect(evaluateProbeInbound(fresh, backend, probesOf(fresh, backend)[0]!).allowed).toBe(true);
    }
  });

  it('keeps a rule this run created when one of its backends came back', async () => {
    // Prepare
    const { reports } = await runFor([0, 1]);
    const keys = reports[0]!.detail.backendKeys as string[];

    // Act
    const rolled = await rollbackFixes({ nsgWriter: s.writer, sleep: noSleep, audit: noAudit }, reports, {
      runId: RUN,
      loadBalancerId: WEB_LB,
      stillDown: keys.slice(0, 1),
      rollbackOnFailure: true,
    });

    // Assess
    expect(rolled).toEqual(reports);
    expect(Object.keys(await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared'))).toContain(ruleName());
  });

  it('restores the version from before the run, never deletes, when this run only widened the rule', async () => {
    // Prepare
    await runFor([0]);
    const before = (await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared'))[ruleName()]!;
    const audit: RemediationAuditEvent[] = [];
    const { reports } = await runFor([1]);

    // Act
    const rolled = await rollbackFixes(
      { nsgWriter: s.writer, sleep: noSleep, audit: (e) => Promise.resolve(void audit.push(e)) },
      reports,
      {
        runId: RUN,
        loadBalancerId: WEB_LB,
        stillDown: reports[0]!.detail.backendKeys as string[],
        rollbackOnFailure: true,
      },
    );

    // Assess
    const after = (await rulesOf(s, 'rg-shop-prod', 'nsg-snet-shared'))[ruleName()];
    expect(rolled.map((r) => [r.status, r.reason])).toEqual([
      [
        'rolled-back',
        'the rule did not bring 1 of 1 backend(s) back, so the version from before this run was restored (rollbackOnFailure)',
      ],
    ]);
    expect(after?.destinationAddressPrefixes).toEqual(before.destinationAddressPrefixes);
    expect(after?.priority).toBe(before.priority);
    expect(audit.map((e) => [e.phase, e.action])).toEqual([
      ['before', 'update-rule'],
      ['after', 'update-rule'],
    ]);
    expect(s.t.sandbox.requestLog.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('reports a failed after-audit as the reason of the applied fix', async () => {
    // Act
    const { reports } = await runFor([0], (e) =>
      e.phase === 'after' ? Promise.reject(new Error('sink down')) : Promise.resolve(),
    );

    // Assess
    expect(reports.map((r) => [r.status, r.reason])).toEqual([
      ['applied', 'written, but the after-audit failed: sink down'],
    ]);
  });

  it('reports a malformed fix detail in one line naming the field, writing nothing', async () => {
    // Prepare
    const topology = await discover(s, WEB_LB);
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: nsgDiagnosis(topology),
      policy: { optInFixes: [], approvalRequiredFor: [] },
      runId: RUN,
    });
    const broken = { ...fixes[0]!, detail: { ...fixes[0]!.detail, priority: 'high' } };

    // Act
    const reports = await applyFixes(
      { nsgWriter: s.writer, sleep: noSleep, audit: noAudit },
      [broken],
      ctx(topology),
    );

    // Assess
    expect(reports.map((r) => [r.status, r.reason])).toEqual([
      [
        'failed',
        'the fix detail is not a valid allow rule: priority: Invalid input: expected number, received string',
      ],
    ]);
    expect(s.t.sandbox.requestLog.filter((e) => e.method === 'PUT')).toEqual([]);
  });
});

const VM = ids.vm('vm-web-1');
const fix: PlannedFix = {
  kind: 'start-vm',
  target: VM,
  status: 'planned',
  needsApproval: false,
  detail: { vmId: VM, powerState: 'deallocated' },
  backendKeys: [ids.ipConfig('vm-web-1-nic0')],
};
const unusedNsgWriter = {} as NsgRuleWriter;

/** A VM whose power state reads come from `states` in order, and whose start is recorded. */
function vmFake(states: string[], audit: ApplyDeps['audit'] = () => Promise.resolve()) {
  const started: string[] = [];
  const events: RemediationAuditEvent[] = [];
  const deps: ApplyDeps = {
    nsgWriter: unusedNsgWriter,
    vmWriter: { startVm: (id) => Promise.resolve(void started.push(id)) },
    vmPowerState: () => Promise.resolve(states.shift() ?? 'unknown'),
    audit: (e) => {
      events.push(e);
      return audit(e);
    },
    sleep: () => Promise.resolve(),
  };
  return { deps, started, events };
}

const applyStart = (deps: ApplyDeps) =>
  applyFixes(deps, [fix], {
    runId: 'pd-run-1',
    loadBalancerId: ids.lb(),
    mode: 'fix',
    topology: webTopology().build(),
  });

describe('applyFixes: start-vm reads the power state before and after', () => {
  it('starts a deallocated VM, confirms it runs and audits both real states', async () => {
    // Prepare
    const { deps, started, events } = vmFake(['deallocated', 'running']);

    // Act
    const [report] = await applyStart(deps);

    // Assess
    expect(started).toEqual([VM]);
    expect(report).toMatchObject({
      status: 'applied',
      detail: { started: true, powerStateBefore: 'deallocated', powerStateAfter: 'running' },
    });
    expect(events.map((e) => [e.phase, e.action])).toEqual([
      ['before', 'start-vm'],
      ['after', 'start-vm'],
    ]);
    expect(events[0]!.before).toMatchObject({ powerState: 'deallocated' });
    expect(events[1]!.after).toMatchObject({ powerStateBefore: 'deallocated', powerStateAfter: 'running' });
  });

  it.each<[string, string, string]>([
    ['already running', 'running', 'the VM is already running; nothing started'],
    [
      'changed since the plan',
      'starting',
      "the VM's power state changed since the plan (deallocated then, starting now); nothing started: re-check before acting",
    ],
  ])('skips a VM %s', async (_case, now, reason) => {
    // Prepare
    const { deps, started, events } = vmFake([now]);

    // Act
    const [report] = await applyStart(deps);

    // Assess
    expect(report).toMatchObject({ status: 'skipped', reason });
    expect(started).toEqual([]);
    expect(events).toEqual([]);
  });

  it('reports failed when the VM is not running after the start', async () => {
    // Prepare
    const { deps } = vmFake(['deallocated', 'stopped']);

    // Act
    const [report] = await applyStart(deps);

    // Assess
    expect(report).toMatchObject({
      status: 'failed',
      reason: "the start completed but the VM's power state is stopped, not running",
    });
  });

  it('skips the start when the power state cannot be read', async () => {
    // Prepare
    const { deps, started } = vmFake([]);
    delete deps.vmPowerState;

    // Act
    const [report] = await applyStart(deps);

    // Assess
    expect(report).toMatchObject({
      status: 'skipped',
      reason: "the VM's power state cannot be read, so it is not started; start the VM by hand",
    });
    expect(started).toEqual([]);
  });

  it('reports a failed after-audit as the reason, not swallowed', async () => {
    // Prepare
    const { deps } = vmFake(['deallocated', 'running'], (e) =>
      e.phase === 'after' ? Promise.reject(new Error('sink down')) : Promise.resolve(),
    );

    // Act
    const [report] = await applyStart(deps);

    // Assess
    expect(report).toMatchObject({
      status: 'applied',
      reason: 'applied, but the after-audit failed: sink down',
    });
  });
});
