/**
 * The CLI's progress lines (stderr, one per activity): counts said in words a person reads as
 * written, and a plan's skipped fixes not counted as fixes to be made.
 */
import { progressLine } from '../../../src/cli/commands/diagnose';
import type { WorkflowAuditEvent } from '../../../src/workflow/activities';

const event = (
  activity: WorkflowAuditEvent['activity'],
  detail: Record<string, unknown>,
): WorkflowAuditEvent => ({
  runId: 'run-1',
  loadBalancerId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb',
  activity,
  outcome: 'ok',
  detail,
});

/** A planFixes event whose fixes are given as `kind:status`. */
const plan = (...fixes: string[]): WorkflowAuditEvent =>
  event('planFixes', {
    fixes: fixes.map((f) => {
      const [kind, status] = f.split(':');
      return { kind, target: 'nsg', status };
    }),
  });

describe('progressLine', () => {
  it.each([
    [
      'one probe, reads that were refused or failed',
      event('discoverTopology', { backends: 3, failing: 1, probes: 1, problems: 4 }),
      '  [ok] discovered 3 backends (1 failing by probe health), 1 probe (4 reads refused or failed)\n',
    ],
    [
      'one backend, two probes',
      event('discoverTopology', { backends: 1, failing: 1, probes: 2, problems: 0 }),
      '  [ok] discovered 1 backend (1 failing by probe health), 2 probes\n',
    ],
    [
      'a plan whose only fix is skipped',
      plan('nsg-allow-probe:skipped'),
      '  [ok] planned 0 fixes (1 skipped)\n',
    ],
    [
      'one planned fix and one skipped',
      plan('nsg-allow-probe:planned', 'nsg-allow-probe:skipped'),
      '  [ok] planned 1 fix (1 skipped)\n',
    ],
    [
      'a recommendation is not a fix to be made',
      plan('recommendation:planned', 'start-vm:skipped'),
      '  [ok] planned 0 fixes (1 skipped), 1 recommendation for a person\n',
    ],
    [
      'one backend diagnosed',
      event('diagnose', { causes: [], backends: [{ key: 'k', causes: ['nsg-blocks-probe'] }] }),
      '  [ok] diagnosed 1 backend: nsg-blocks-probe x1\n',
    ],
    ['validation', event('validate', { stillDown: ['a', 'b'] }), '  [ok] validated: 2 backends still down\n'],
    ['one rule rolled back', event('rollbackFixes', { rolledBack: 1 }), '  [ok] rolled back 1 rule\n'],
  ])('%s', (_case, e, line) => {
    // Act / Assess
    expect(progressLine(e)).toBe(line);
  });
});
