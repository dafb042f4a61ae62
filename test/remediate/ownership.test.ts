/**
 * Ownership of a write is proven by what the run itself received: ARM's answer to its own PUT, or the
 * rule's description carrying this run's owner id, never "a rule with our name exists". Two processes
 * fixing one load balancer under write faults: neither may report `written: true` unless its own PUT
 * landed, and neither may roll back the other's rule.
 */
import { findResource } from '../../src/sandbox/state';
import type { FixReport } from '../../src/model/report';
import { applyFixes, mayHaveWritten, rollbackFixes } from '../../src/remediate/apply';
import { KeyedLock } from '../../src/remediate/keyedLock';
import { allowRuleName } from '../../src/remediate/naming';
import { planFixes } from '../../src/remediate/plan';
import type { RemediationAuditEvent } from '../../src/remediate/ports';
import {
  discover,
  loadScenario,
  nsgDiagnosis,
  rulesOf,
  startRemediationSandbox,
  type RemediationSandbox,
} from './sandboxRun';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const LB = `${SUB}/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod`;
const NSG = `${SUB}/resourceGroups/rg-orders-prod/providers/Microsoft.Network/networkSecurityGroups/nsg-snet-app-a`;
// Two processes on one load balancer: one instance id, two runs started at different times, so two run
// ids, which are the owner ids (src/remediate/naming.ts writeOwnerId).
const RUN = 'pd-same-instance';
const OWNERS = [`20261130T101500001Z-${RUN}`, `20261130T101500002Z-${RUN}`];
const noSleep = () => Promise.resolve();

/** Records the description of our rule every time a PUT of it lands (status < 300). */
function recordLandedWrites(s: RemediationSandbox): string[] {
  const landed: string[] = [];
  const log = s.t.sandbox.requestLog;
  const push = log.push.bind(log);
  log.push = (...entries) => {
    for (const e of entries) {
      if (e.method === 'PUT' && e.status < 300 && /\/securityRules\//i.test(e.path)) {
        const nsg = findResource(s.t.sandbox.state, NSG) as {
          properties: { securityRules: { name: string; properties: { description?: string } }[] };
        };
        const rule = nsg.properties.securityRules.find((r) => r.name === allowRuleName(LB, 8080));
        landed.push(rule?.properties.description ?? '');
      }
    }
    return push(...entries);
  };
  return landed;
}

describe('two processes fixing one load balancer under write faults', () => {
  let s: RemediationSandbox;
  beforeEach(async () => {
    s = await startRemediationSandbox(await loadScenario('nsg-deny-all-blocks-probe'));
  });
  afterEach(() => s.stop());

  it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'seed %i: written only with a landed PUT of its own, audited, rolled back only by its owner',
    async (seed) => {
      // Prepare
      const topology = await discover(s, LB);
      const fixes = planFixes({
        mode: 'fix',
        topology,
        diagnosis: nsgDiagnosis(topology),
        policy: { optInFixes: [], approvalRequiredFor: [] },
        runId: RUN,
      });
      const landed = recordLandedWrites(s);
      const audits: RemediationAuditEvent[][] = [[], []];
      s.t.sandbox.setFaults({
        seed,
        conflictRate: 0.5,
        throttleRate: 0.3,
        serverErrorRate: 0.1,
        retryAfterSeconds: 0,
      });

      // Act
      const reports = await Promise.all(
        OWNERS.map((ownerId, i) =>
          applyFixes(
            {
              nsgWriter: s.writer,
              sleep: noSleep,
              lock: new KeyedLock(),
              maxAttempts: 8,
              audit: (e) => Promise.resolve(void audits[i]!.push(e)),
            },
            fixes,
            { runId: RUN, ownerId, loadBalancerId: LB, mode: 'fix', topology },
          ),
        ),
      );
      s.t.sandbox.setFaults(undefined);

      // Assess: a claim needs a landed PUT carrying the claimant's own description, and its after-record.
      for (const [i, [fix]] of reports.entries()) {
        if (fix!.detail.written === true) {
          expect(landed).toContain(fix!.detail.description);
          expect(String(fix!.detail.description)).toContain(OWNERS[i]);
          expect(audits[i]!.filter((e) => e.phase === 'after')).toHaveLength(1);
        }
      }
      // Every landed write was audited (after) by the process whose description it carries.
      for (const description of landed) {
        const owner = OWNERS.findIndex((o) => description.endsWith(`run ${o}`));
        expect(owner).toBeGreaterThanOrEqual(0);
        expect(audits[owner]!.some((e) => e.phase === 'after')).toBe(true);
      }
      // One rule, never two, and it is in place.
      const rules = Object.keys(await rulesOf(s, 'rg-orders-prod', 'nsg-snet-app-a'));
      expect(rules.filter((n) => n.startsWith('probe-doctor-'))).toEqual([allowRuleName(LB, 8080)]);

      // Act: both roll back as if nothing came back, the process whose write is not there first.
      const keys = topology.backends.map((b) => b.key);
      const lastOwner = OWNERS.findIndex((o) => landed.at(-1)?.endsWith(`run ${o}`));
      const order = lastOwner === 0 ? [1, 0] : [0, 1];
      const rolled: FixReport[] = [];
      for (const i of order) {
        const [fix] = await rollbackFixes(
          { nsgWriter: s.writer, sleep: noSleep, audit: () => Promise.resolve() },
          reports[i]!,
          { runId: RUN, ownerId: OWNERS[i]!, loadBalancerId: LB, stillDown: keys, rollbackOnFailure: true },
        );
        rolled[i] = fix!;
      }

      // Assess: only the owner of the rule in place removes it.
      for (const [i, fix] of rolled.entries()) {
        expect([i, fix.status === 'rolled-back']).toEqual([
          i,
          i === lastOwner && mayHaveWritten(reports[i]![0]!),
        ]);
      }
    },
  );
});
