/**
 * One load balancer is one row in the audit queries whatever casing its id arrived in: the alert path
 * records the id as Azure Monitor sends it, the CLI as the person typed it, and ARM ids are
 * case-insensitive (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules:
 * "Always perform a case-insensitive comparison of names").
 *
 * fixtures/audit-upper.jsonl is a real trail of `diagnose --fix` run with the id typed in capitals
 * (resource group, provider and name) against the nsg-deny-all-blocks-probe sandbox; the
 * two-incident recording holds two runs of the same load balancer spelled as ARM returns it.
 * fixtures/audit-aks-etp-local.jsonl is a real ETP Local trail; its second copy here only changes the
 * casing of loadBalancerId, the one thing under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuditLines } from '../../src/audit/timeline';
import type { AuditEvent } from '../../src/audit/events';
import { customEvents } from './fixtures/customEvents';
import { runKql } from './kqlEvaluator';

const QUERY = (file: string) => readFileSync(join(__dirname, '..', '..', 'infra', 'queries', file), 'utf8');
const trail = (file: string) => {
  const path = join(__dirname, 'fixtures', file);
  return parseAuditLines(readFileSync(path, 'utf8'), path);
};
const lbOf = (e: AuditEvent | undefined): string =>
  e && 'loadBalancerId' in e ? (e.loadBalancerId ?? '') : '';

describe('the audit queries over one load balancer spelled in two casings', () => {
  beforeAll(() => void runKql('customEvents | take 1', { customEvents: [] }), 120_000);

  it('mttr-per-load-balancer.kql: one row for the three resolved runs, spelled as the latest run spelled it', () => {
    // Prepare
    const upper = trail('audit-upper.jsonl');
    const events = [...trail('two-incidents.jsonl'), ...upper];
    expect(new Set(events.map(lbOf).filter(Boolean)).size).toBe(2);
    expect(new Set(events.map((e) => lbOf(e).toLowerCase()).filter(Boolean)).size).toBe(1);

    // Act
    const rows = runKql(QUERY('mttr-per-load-balancer.kql'), { customEvents: customEvents(events) });

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ loadBalancer: lbOf(upper[0]), resolvedRuns: 3 });
  });

  it('expected-down.kql: one row per backend, its runs counted across both casings', () => {
    // Prepare
    const lower = trail('audit-aks-etp-local.jsonl');
    const shifted = lower.map((e) =>
      'loadBalancerId' in e
        ? {
            ...e,
            runId: `${e.runId}-2`,
            time: new Date(Date.parse(e.time) + 3_600_000).toISOString(),
            loadBalancerId: lbOf(e).toUpperCase(),
          }
        : e,
    ) as AuditEvent[];

    // Act
    const once = runKql(QUERY('expected-down.kql'), { customEvents: customEvents(lower) });
    const rows = runKql(QUERY('expected-down.kql'), { customEvents: customEvents([...lower, ...shifted]) });

    // Assess
    expect(once.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(once.length);
    for (const row of rows) expect(row).toMatchObject({ runs: 2, loadBalancer: lbOf(shifted[0]) });
  });
});
