/**
 * Who must act on an `unknown` (src/model/verdict.ts): one whose guest could not be checked is the
 * customer's first, but the platform's own `unknown` (Down_Platform) on another rule keeps the backend
 * Microsoft's. The verdict, the next steps and the headline read it through one function
 * (`uncheckedUnknown`), so they agree.
 */
import { nextStepsFor } from '../../src/model/nextSteps';
import type { BackendReport, Cause } from '../../src/model/report';
import { backendForVerdict, decideVerdict } from '../../src/model/verdict';
import { whoMustAct } from '../../src/report/facts';

const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1';
const uncheckedGuest: Cause = {
  id: 'unknown',
  summary: 'No cause found for web-1, but its guest could not be checked.',
  evidence: { guestChecked: false, guestError: { message: 'Run Command failed (500)' } },
};
const platform: Cause = {
  id: 'unknown',
  summary: 'Azure marks web-1 down on the platform side.',
  evidence: { platform: true },
};

function reportFor(causes: Cause[]) {
  const backend: BackendReport & { key: string } = { key: `${VM}-nic`, vmId: VM, probeState: 'down', causes };
  const { verdict, whoMustAct: who } = decideVerdict({
    mode: 'observe',
    backends: [backendForVerdict(backend)],
    loadBalancerCauses: [],
    fixes: [],
    approvalPending: false,
  });
  return {
    mode: 'observe' as const,
    verdict,
    whoMustAct: who,
    causes: [],
    backends: [backend],
    fixes: [],
    loadBalancerId: 'lb',
  };
}

describe('an unknown whose guest could not be checked', () => {
  it("is the customer's, with a step to check the guest", () => {
    // Act
    const report = reportFor([uncheckedGuest]);

    // Assess
    expect(report.whoMustAct).toBe('customer');
    expect(whoMustAct(report)).toBe('the VM owner (its guest could not be checked)');
    expect(nextStepsFor(report)).toEqual([expect.stringMatching(/^check the guest of web-1: /)]);
  });

  it("beside the platform's own unknown on another rule: Microsoft's, everywhere the report says it", () => {
    // Act
    const report = reportFor([platform, uncheckedGuest]);

    // Assess
    expect(report.whoMustAct).toBe('microsoft');
    expect(whoMustAct(report)).toBe('Microsoft support (the ticket is ready)');
    expect(nextStepsFor(report).some((s) => s.startsWith('check the guest'))).toBe(false);
  });
});
