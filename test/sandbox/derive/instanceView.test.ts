import { vmInstanceView } from '../../../src/sandbox/derive/instanceView';
import { armIds, webState } from '../../helpers/armBuilder';

describe('vmInstanceView', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['running, agent ready', {}, 'PowerState/running', 'Ready'],
    ['running, agent not ready', { agentReady: false }, 'PowerState/running', 'Not Ready'],
    ['stopped', { powerState: 'stopped' }, 'PowerState/stopped', 'Not Ready'],
    ['deallocated', { powerState: 'deallocated' }, 'PowerState/deallocated', 'Not Ready'],
  ])('%s', (_name, guest1, power, agent) => {
    // Act
    const view = vmInstanceView(webState({ guest1 }), armIds.vm('vm1')) as {
      statuses: { code: string }[];
      vmAgent: { statuses: { displayStatus: string }[] };
      osName: string;
    };
    // Assess
    expect(view.statuses.map((s) => s.code)).toEqual(['ProvisioningState/succeeded', power]);
    expect(view.vmAgent.statuses[0]!.displayStatus).toBe(agent);
    expect(view.osName).toBe('ubuntu');
  });
});
