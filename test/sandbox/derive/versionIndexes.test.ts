/**
 * The probe model's per-version indexes and shared readings (NIC to VM, NICs by pool and by IP, the
 * filters every backend of a subnet shares, NSG rules in priority order, `VirtualNetwork` expansions)
 * are read straight here, without the rule-health memo in front of them: these tests go red if any of
 * them kept an answer across a change that bumped the state version.
 */
import { endpointByIp } from '../../../src/sandbox/derive/arm';
import { lbRules, poolMembers, requireLoadBalancer } from '../../../src/sandbox/derive/lb';
import { ruleProbeStatuses } from '../../../src/sandbox/derive/probeModel';
import { completeRuleWrite, deleteSecurityRule, putSecurityRule } from '../../../src/sandbox/securityRules';
import { findResource, recordChange, type SandboxState } from '../../../src/sandbox/state';
import { armIds, lb, nic, nsg, sandboxState, vm, vnet, webState } from '../../helpers/armBuilder';

type Raw = Record<string, unknown>;

/** `ip state reason` of every backend of rule `web`, read from the probe model itself. */
const web = (state: SandboxState): string[] => {
  const rule = lbRules(requireLoadBalancer(state, armIds.lb())).find((r) => r.name === 'web')!;
  return ruleProbeStatuses(state, rule).map((s) => `${s.ipAddress} ${s.state} ${s.stage ?? '-'}`);
};

const denyProbe = {
  properties: {
    protocol: 'Tcp',
    access: 'Deny',
    direction: 'Inbound',
    priority: 100,
    sourceAddressPrefix: 'AzureLoadBalancer',
    sourcePortRange: '*',
    destinationAddressPrefix: 'VirtualNetwork',
    destinationPortRange: '80',
  },
};

describe('per-version indexes of the probe model', () => {
  it('a security rule PUT that blocks the probe flips the next read, and its DELETE flips it back', () => {
    // Prepare
    const state = webState();
    const before = web(state);
    // Act: on the subnet's NSG, which both backends share (one shared reading of the filters)
    putSecurityRule(state, armIds.nsg('nsg-subnet'), 'deny-probe', denyProbe);
    completeRuleWrite(state, armIds.nsg('nsg-subnet'), 'deny-probe');
    const blocked = web(state);
    deleteSecurityRule(state, armIds.nsg('nsg-subnet'), 'deny-probe');
    const after = web(state);
    // Assess
    expect(before).toEqual(['10.0.0.4 Up -', '10.0.0.5 Up -']);
    expect(blocked).toEqual(['10.0.0.4 Down nsg', '10.0.0.5 Down nsg']);
    expect(after).toEqual(before);
  });

  it('a change of the VNet address space changes what VirtualNetwork covers on the next read', () => {
    // Prepare: the deny names VirtualNetwork as destination, so it blocks only addresses inside it
    const state = webState({ nicNsgRules: [{ name: 'deny-probe', ...denyProbe }] });
    const before = web(state);
    // Act: the VNet no longer spans 10.0.0.0/16 (an in-place edit, then the version bump every change makes)
    const space = (findResource(state, armIds.vnet())!.properties as Raw).addressSpace as Raw;
    space.addressPrefixes = ['192.168.0.0/16'];
    recordChange(state);
    // Assess: vm1's NIC NSG no longer sees its address as VirtualNetwork
    expect([before, web(state)]).toEqual([
      ['10.0.0.4 Down nsg', '10.0.0.5 Up -'],
      ['10.0.0.4 Up -', '10.0.0.5 Up -'],
    ]);
  });

  it('the NIC to VM index and the pool and IP indexes follow a change of the resources', () => {
    // Prepare: NICs that do not name their VM, so the owner is found from the VMs' network profiles
    const state = sandboxState([
      lb({
        probes: [{ name: 'p', port: 80 }],
        rules: [{ name: 'web', probe: 'p', pool: 'pool' }],
        pools: [{ name: 'pool' }],
      }),
      vnet([{ prefix: '10.0.0.0/24' }]),
      nsg('nsg-nic'),
      nic('nic1', { ip: '10.0.0.4', pools: ['pool'] }),
      nic('nic2', { ip: '10.0.0.5', pools: ['pool'] }),
      vm('vm1', [armIds.nic('nic1')]),
      vm('vm2', [armIds.nic('nic2')]),
    ]);
    const read = () => ({
      members: poolMembers(state, armIds.pool('pool')).map(
        (m) => `${m.ipAddress} ${m.endpoint?.vmId?.split('/').pop()}`,
      ),
      byIp: endpointByIp(state, '10.0.0.5')?.nicId.split('/').pop(),
    });
    const before = read();
    // Act: vm2 now lists nic1 first and nic2 second; nic1 leaves the pool; nic2 takes a new address
    const profile = (vm: string) =>
      (findResource(state, armIds.vm(vm))!.properties as Raw).networkProfile as Raw;
    profile('vm1').networkInterfaces = [];
    profile('vm2').networkInterfaces = [{ id: armIds.nic('nic1') }, { id: armIds.nic('nic2') }];
    const config = (name: string) =>
      ((findResource(state, armIds.nic(name))!.properties as Raw).ipConfigurations as Raw[])[0]!
        .properties as Raw;
    delete config('nic1').loadBalancerBackendAddressPools;
    config('nic2').privateIPAddress = '10.0.0.6';
    recordChange(state);
    // Assess
    expect(before).toEqual({ members: ['10.0.0.4 vm1', '10.0.0.5 vm2'], byIp: 'nic2' });
    expect(read()).toEqual({ members: ['10.0.0.6 vm2'], byIp: undefined });
    expect(poolMembers(state, armIds.pool('pool'))[0]?.endpoint?.nicIndex).toBe(1);
  });
});
