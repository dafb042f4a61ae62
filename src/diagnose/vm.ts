/**
 * Seed cause 1, the backend VM itself: a VM that is not running is not probed at all; a running VM
 * whose agent is not ready, whose provisioning failed, or that Resource Health calls Unavailable or
 * Degraded cannot be trusted to answer.
 */
import type { VmHealthEvidence } from '../model/evidence';
import type { Cause } from '../model/report';

/** Power states in which Azure does not probe the VM (or it cannot answer yet). */
const NOT_RUNNING = new Set(['stopped', 'deallocated', 'starting', 'stopping', 'deallocating']);

/** `PowerState/running`, `Running` and `running` all mean the same. */
export function normalisePowerState(powerState: string): string {
  return powerState.replace(/^PowerState\//i, '').toLowerCase();
}

/** The VM's causes: `vm-not-running`, or `vm-unhealthy` with every signal that says so; empty when healthy. */
export function diagnoseVm(evidence: VmHealthEvidence, vmName: string): Cause[] {
  const powerState = normalisePowerState(evidence.powerState);
  if (NOT_RUNNING.has(powerState)) {
    const why =
      powerState === 'starting'
        ? 'it is still starting and cannot answer the probe yet'
        : 'Azure does not probe a VM that is not running';
    return [
      {
        id: 'vm-not-running',
        summary: `VM ${vmName} is ${powerState}: ${why}.`,
        evidence: { vmId: evidence.vmId, powerState },
      },
    ];
  }

  const signals: string[] = [];
  const provisioning = evidence.provisioningState?.replace(/^ProvisioningState\//i, '').toLowerCase();
  if (provisioning === 'failed') signals.push('its provisioning state is failed');
  if (evidence.agentStatus === 'not-ready') {
    signals.push(`its guest agent is not ready${evidence.agentMessage ? ` (${evidence.agentMessage})` : ''}`);
  }
  if (evidence.resourceHealth === 'Unavailable' || evidence.resourceHealth === 'Degraded') {
    signals.push(`Resource Health reports it ${evidence.resourceHealth}`);
  }
  if (signals.length === 0) return [];
  return [
    {
      id: 'vm-unhealthy',
      summary: `VM ${vmName} is ${powerState === 'unknown' || powerState === '' ? 'in an unknown power state' : powerState} but ${joinClauses(signals)}.`,
      evidence: {
        vmId: evidence.vmId,
        powerState,
        agentStatus: evidence.agentStatus,
        ...(evidence.provisioningState !== undefined
          ? { provisioningState: evidence.provisioningState }
          : {}),
        ...(evidence.resourceHealth !== undefined ? { resourceHealth: evidence.resourceHealth } : {}),
        ...(evidence.agentMessage !== undefined ? { agentMessage: evidence.agentMessage } : {}),
      },
    },
  ];
}

function joinClauses(clauses: string[]): string {
  if (clauses.length <= 1) return clauses.join('');
  return `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;
}
