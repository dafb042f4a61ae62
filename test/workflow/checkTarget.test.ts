/**
 * What a failing backend's check is told of its VM (src/workflow/flow.ts): the OS, and whether
 * discovery saw the VM running with its guest agent ready, the condition for the check to start its
 * Run Command before reading the VM's health again (src/app/evidence.ts).
 */
import type { RuleHealth } from '../../src/model/health';
import type { Topology, VmInfo } from '../../src/model/topology';
import { checkTarget, failingBackends } from '../../src/workflow/flow';
import { backendKey, SUB, topologyWith } from './fakes';

const vmId = (i: number) =>
  `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm${i}`;

function vm(i: number, state: Pick<VmInfo, 'powerState' | 'agentStatus'>): VmInfo {
  return { id: vmId(i), name: `vm${i}`, kind: 'vm', osType: 'Linux', nicIds: [], ...state };
}

/** Three backends, all down: a VM running and ready, one running without its agent, one deallocated. */
function world(): { topology: Topology; health: RuleHealth[] } {
  const topology = topologyWith(3);
  topology.backends.forEach((b, i) => (b.vmId = vmId(i)));
  const vms = [
    vm(0, { powerState: 'running', agentStatus: 'ready' }),
    vm(1, { powerState: 'running', agentStatus: 'not-ready' }),
    vm(2, { powerState: 'deallocated', agentStatus: 'unknown' }),
  ];
  topology.vms = Object.fromEntries(vms.map((v) => [v.id.toLowerCase(), v]));
  const rule = topology.rules[0]?.id ?? '';
  const health: RuleHealth[] = [
    {
      ruleId: rule,
      up: 0,
      down: 3,
      backends: topology.backends.map((b) => ({
        ruleId: rule,
        source: 'rule-health' as const,
        ipConfigurationId: b.key,
        ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
        state: 'Down' as const,
        reason: 'Down_Probe_HttpEndpointUnreachable' as const,
      })),
    },
  ];
  return { topology, health };
}

describe('the check of a failing backend knows whether discovery saw its VM ready', () => {
  it('marks only a running VM with a ready agent', () => {
    // Prepare
    const { topology, health } = world();
    // Act
    const targets = failingBackends(topology, health).map((f) => checkTarget(f.backend));
    // Assess
    expect(targets.map((t) => [t.backend.key, t.os, t.vmReady])).toEqual([
      [backendKey(0), 'linux', true],
      [backendKey(1), 'linux', undefined],
      [backendKey(2), 'linux', undefined],
    ]);
    // The readiness travels as the check input's own field, not inside the backend.
    expect(targets.every((t) => !('vmReady' in t.backend) && !('os' in t.backend))).toBe(true);
  });
});
