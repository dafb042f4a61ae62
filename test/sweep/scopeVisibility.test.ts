/**
 * A sweep of a scope with nothing visible tells "nothing to check" from "wrong scope / no access".
 * Resource Graph answers an empty list for all three (it returns only what the caller may read and
 * names no subscription it skipped), so the sweep asks ARM about each scope it listed nothing in:
 * Resource Groups - Get / List, through the real SDK against the sandbox, whose answers follow ARM's
 * (404 SubscriptionNotFound / ResourceGroupNotFound, 403 AuthorizationFailed for a forbidden scope).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptanceFleet, SUB_A } from '../../bench/fleetScenario';
import { AzureCallError } from '../../src/errors';
import { runSweep, type SweepDeps, type SweepReport } from '../../src/sweep/sweep';
import { runCli } from '../helpers/cli';
import { startTestSandbox } from '../helpers/sandboxClients';
import { restError } from '../helpers/restError';

const NO_SUCH_SUB = '99999999-9999-4999-8999-999999999999';
const HIDDEN = `/subscriptions/${SUB_A}/resourceGroups/rg-hidden`;
const EMPTY = `/subscriptions/${SUB_A}/resourceGroups/rg-empty`;

/** The acceptance fleet plus an empty resource group and one this identity may not read. */
function fleetFile(): string {
  const fleet = acceptanceFleet();
  const doc = {
    ...fleet,
    resourceGroups: [
      ...(fleet.resourceGroups ?? []),
      { id: EMPTY, name: 'rg-empty', location: 'westeurope' },
      { id: HIDDEN, name: 'rg-hidden', location: 'westeurope' },
    ],
    forbidden: [...(fleet.forbidden ?? []), HIDDEN],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'pd-scope-')), 'fleet.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('sweep: a scope with nothing visible', () => {
  it.each<[string, string, SweepReport['scopeProblems'][number]['problem'], RegExp]>([
    [
      'a subscription that does not exist',
      NO_SUCH_SUB,
      'not-found',
      /subscription 99999999-9999-4999-8999-999999999999 does not exist or is not in this identity's tenant \(ARM answered 404 SubscriptionNotFound/,
    ],
    [
      'a resource group that does not exist',
      `/subscriptions/${SUB_A}/resourceGroups/rg-nope`,
      'not-found',
      /resource group rg-nope does not exist in subscription .* \(ARM answered 404 ResourceGroupNotFound/,
    ],
    [
      'a resource group this identity may not read',
      HIDDEN,
      'no-access',
      /this identity may not read .*rg-hidden \(ARM answered 403 AuthorizationFailed\): give it Reader there/,
    ],
  ])('%s: says so, and exits 2', async (_case, scope, problem, reason) => {
    // Act
    const json = await runCli(['sweep', '--scope', scope, '--scenario', fleetFile(), '--json']);
    const text = await runCli(['sweep', '--scope', scope, '--scenario', fleetFile()]);

    // Assess
    const report = JSON.parse(json.out) as SweepReport;
    expect(report.totals.loadBalancers).toBe(0);
    expect(report.scopeProblems).toHaveLength(1);
    expect(report.scopeProblems[0]?.problem).toBe(problem);
    expect(report.scopeProblems[0]?.reason).toMatch(reason);
    expect([json.code, text.code]).toEqual([2, 2]);
    expect(text.out).toContain('0 load balancer(s) (1 scope(s) could not be looked into)');
    expect(text.out).toContain(`SCOPE NOT VISIBLE (${problem})`);
  });

  it('an existing, readable resource group without load balancers: nothing to check, exit 0', async () => {
    // Act
    const { code, out } = await runCli(['sweep', '--scope', EMPTY, '--scenario', fleetFile()]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain(
      'nothing to check: ARM confirms every scope exists and this identity can read it, and none holds a load balancer',
    );
  });

  it('one bad scope beside a good one: the good one is swept, the bad one reported', async () => {
    // Act
    const { code, out } = await runCli([
      'sweep',
      '--scope',
      `/subscriptions/${SUB_A}/resourceGroups/rg-web`,
      NO_SUCH_SUB,
      '--scenario',
      fleetFile(),
      '--json',
    ]);

    // Assess
    const report = JSON.parse(out) as SweepReport;
    expect(report.loadBalancers.map((e) => [e.name, e.state])).toEqual([['lb-web-prod', 'healthy']]);
    expect(report.scopeProblems.map((p) => [p.scope, p.problem])).toEqual([
      [`/subscriptions/${NO_SUCH_SUB}`, 'not-found'],
    ]);
    expect(report.totals.scopesNotVisible).toBe(1);
    expect(code).toBe(2);
  });
});

describe('sandbox: Resource Groups - List and Get for the scope check (real SDK)', () => {
  it('lists the groups of a known subscription; 404 SubscriptionNotFound for an unknown one', async () => {
    // Prepare
    const t = await startTestSandbox(acceptanceFleet(), { subscriptionId: SUB_A });
    try {
      const { ResourceManagementClient } = await import('@azure/arm-resources');
      const { staticCredential } = await import('../helpers/sandboxClients');
      const known = new ResourceManagementClient(staticCredential, SUB_A, t.clientOptions);
      const unknown = new ResourceManagementClient(staticCredential, NO_SUCH_SUB, t.clientOptions);

      // Act
      const names: string[] = [];
      for await (const group of known.resourceGroups.list()) names.push(group.name ?? '?');
      const listError = await restError(unknown.resourceGroups.list().next());
      const getError = await restError(unknown.resourceGroups.get('rg-web'));

      // Assess
      expect(names).toContain('rg-web');
      expect([listError.statusCode, listError.code, listError.message]).toEqual([
        404,
        'SubscriptionNotFound',
        `The subscription '${NO_SUCH_SUB}' could not be found.`,
      ]);
      expect([getError.statusCode, getError.code]).toEqual([404, 'SubscriptionNotFound']);
    } finally {
      await t.stop();
    }
  });
});

describe('runSweep: Resource Graph refusing one subscription', () => {
  const OTHER = '22222222-2222-4222-8222-222222222222';
  const unused = () => Promise.reject(new Error('not called: nothing is listed'));

  it.each<[number, string]>([
    [403, 'AccessDenied'],
    [400, 'BadRequest'],
  ])(
    "a %d %s for one subscription is that scope's problem; the other is still asked",
    async (status, code) => {
      // Prepare: the refusal Resource Graph gives a subscription the caller cannot query.
      const asked: string[] = [];
      const deps: SweepDeps = {
        inventory: {
          listLoadBalancers: (scopes) => {
            asked.push(scopes[0]!.subscriptionId);
            if (scopes[0]!.subscriptionId === NO_SUCH_SUB) {
              return Promise.reject(
                new AzureCallError(
                  `query Resource Graph failed (${status} ${code})`,
                  undefined,
                  status,
                  code,
                ),
              );
            }
            return Promise.resolve([]);
          },
        },
        readLoadBalancer: unused,
        reader: {} as SweepDeps['reader'],
        startOrJoin: unused,
        scopeChecker: { check: () => Promise.resolve({ visible: true }) },
      };

      // Act
      const report = await runSweep(deps, {
        sweepId: 'sweep-test',
        scopes: [{ subscriptionId: NO_SUCH_SUB }, { subscriptionId: OTHER }],
        mode: 'observe',
        concurrency: 1,
      });

      // Assess
      expect(asked).toEqual([NO_SUCH_SUB, OTHER]);
      expect(report.scopeProblems).toEqual([
        {
          scope: `/subscriptions/${NO_SUCH_SUB}`,
          problem: 'cannot-list',
          reason: `Resource Graph refused to list its load balancers: query Resource Graph failed (${status} ${code})`,
        },
      ]);
    },
  );

  it('any other failure (no credential, an outage) still stops the sweep', async () => {
    // Prepare
    const deps: SweepDeps = {
      inventory: {
        listLoadBalancers: () =>
          Promise.reject(new AzureCallError('query Resource Graph failed (503)', undefined, 503, undefined)),
      },
      readLoadBalancer: unused,
      reader: {} as SweepDeps['reader'],
      startOrJoin: unused,
    };
    // Act / Assess
    await expect(
      runSweep(deps, {
        sweepId: 'sweep-test',
        scopes: [{ subscriptionId: OTHER }],
        mode: 'observe',
        concurrency: 1,
      }),
    ).rejects.toThrow('query Resource Graph failed (503)');
  });
});
