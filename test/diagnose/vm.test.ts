import { diagnoseVm } from '../../src/diagnose/vm';
import type { VmHealthEvidence } from '../../src/model/evidence';
import { vmHealth } from '../helpers/evidenceBuilder';
import { ids } from '../helpers/topologyBuilder';

const VM = ids.vm('vm-web-1');

describe('diagnoseVm', () => {
  it.each<[string, Partial<VmHealthEvidence>, string | undefined, string | undefined]>([
    ['running and healthy', {}, undefined, undefined],
    [
      'stopped',
      { powerState: 'stopped' },
      'vm-not-running',
      'VM vm-web-1 is stopped: Azure does not probe a VM that is not running.',
    ],
    [
      'deallocated (instance view code)',
      { powerState: 'PowerState/deallocated' },
      'vm-not-running',
      'VM vm-web-1 is deallocated: Azure does not probe a VM that is not running.',
    ],
    [
      'deallocating',
      { powerState: 'deallocating', agentStatus: 'not-ready' },
      'vm-not-running',
      'VM vm-web-1 is deallocating: Azure does not probe a VM that is not running.',
    ],
    [
      'stopping',
      { powerState: 'stopping' },
      'vm-not-running',
      'VM vm-web-1 is stopping: Azure does not probe a VM that is not running.',
    ],
    [
      'starting',
      { powerState: 'starting', agentStatus: 'unknown' },
      'vm-not-running',
      'VM vm-web-1 is starting: it is still starting and cannot answer the probe yet.',
    ],
    [
      'agent not ready',
      { agentStatus: 'not-ready', agentMessage: 'VM agent status is not available' },
      'vm-unhealthy',
      'VM vm-web-1 is running but its guest agent is not ready (VM agent status is not available).',
    ],
    [
      'provisioning failed',
      { provisioningState: 'ProvisioningState/failed' },
      'vm-unhealthy',
      'VM vm-web-1 is running but its provisioning state is failed.',
    ],
    [
      'Resource Health Unavailable',
      { resourceHealth: 'Unavailable' },
      'vm-unhealthy',
      'VM vm-web-1 is running but Resource Health reports it Unavailable.',
    ],
    [
      'Resource Health Degraded and agent not ready',
      { resourceHealth: 'Degraded', agentStatus: 'not-ready' },
      'vm-unhealthy',
      'VM vm-web-1 is running but its guest agent is not ready and Resource Health reports it Degraded.',
    ],
    ['Resource Health Unknown alone', { resourceHealth: 'Unknown' }, undefined, undefined],
    ['agent status unknown alone', { agentStatus: 'unknown' }, undefined, undefined],
  ])('%s', (_case, overrides, causeId, summary) => {
    // Prepare
    const evidence = vmHealth(VM, overrides);

    // Act
    const causes = diagnoseVm(evidence, 'vm-web-1');

    // Assess
    expect(causes.map((c) => c.id)).toEqual(causeId ? [causeId] : []);
    expect(causes[0]?.summary).toBe(summary);
  });

  it('keeps the signals as evidence for the ticket', () => {
    // Prepare
    const evidence = vmHealth(VM, { agentStatus: 'not-ready', resourceHealth: 'Degraded' });

    // Act
    const [cause] = diagnoseVm(evidence, 'vm-web-1');

    // Assess
    expect(cause?.evidence).toEqual({
      vmId: VM,
      powerState: 'running',
      agentStatus: 'not-ready',
      provisioningState: 'succeeded',
      resourceHealth: 'Degraded',
    });
  });
});
