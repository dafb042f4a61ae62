/**
 * Per-rule health is remembered per state version (src/sandbox/versionMemo.ts): these tests go red
 * if a write that bumps the version left the old answer in place, or if a remembered answer could be
 * changed by the caller it was given to.
 */
import { defaultViews } from '../../src/sandbox/defaultViews';
import { SandboxHttpError } from '../../src/sandbox/httpError';
import { completeRuleWrite, deleteSecurityRule, putSecurityRule } from '../../src/sandbox/securityRules';
import { findGuest, type SandboxState } from '../../src/sandbox/state';
import { memoPerVersion } from '../../src/sandbox/versionMemo';
import { armIds, securityRule, webState } from '../helpers/armBuilder';

type Health = { loadBalancerBackendAddresses: { ipAddress?: string; state?: string; reason?: string }[] };

const vm1 = (state: SandboxState): string => {
  const body = defaultViews.ruleHealth(state, armIds.lb(), 'web') as Health;
  const entry = body.loadBalancerBackendAddresses.find((a) => a.ipAddress === '10.0.0.4');
  return `${entry?.state ?? '-'} ${entry?.reason ?? '-'}`;
};

const allowProbe = {
  properties: {
    protocol: 'Tcp',
    access: 'Allow',
    direction: 'Inbound',
    priority: 100,
    sourceAddressPrefix: 'AzureLoadBalancer',
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: '80',
  },
};

describe('per-rule health remembered per state version', () => {
  it('follows a security rule PUT and DELETE on the NSG that blocks the probe', () => {
    // Prepare
    const state = webState({ nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 4096 })] });
    const before = vm1(state);
    // Act
    putSecurityRule(state, armIds.nsg('nsg-nic'), 'allow-probe', allowProbe);
    completeRuleWrite(state, armIds.nsg('nsg-nic'), 'allow-probe');
    const afterPut = vm1(state);
    deleteSecurityRule(state, armIds.nsg('nsg-nic'), 'allow-probe');
    const afterDelete = vm1(state);
    // Assess
    expect([before, afterPut, afterDelete]).toEqual([
      'Down Down_Probe_TcpProbeTimeout',
      'Up Up_Probe_Success',
      'Down Down_Probe_TcpProbeTimeout',
    ]);
  });

  it('follows a guest change that bumps the version (a VM started)', () => {
    // Prepare
    const state = webState({ guest1: { powerState: 'stopped' } });
    const before = vm1(state);
    // Act: what the sandbox's start operation does when it finishes (handlers/actions.ts)
    const guest = findGuest(state, armIds.vm('vm1'));
    if (guest) guest.powerState = 'running';
    state.version += 1;
    // Assess
    expect([before, vm1(state)]).toEqual(['- -', 'Up Up_Probe_Success']);
  });

  it('keeps one state apart from another', () => {
    // Prepare
    const blocked = webState({ nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 4096 })] });
    const open = webState();
    // Act / Assess: both at version 0
    expect([vm1(blocked), vm1(open)]).toEqual(['Down Down_Probe_TcpProbeTimeout', 'Up Up_Probe_Success']);
  });

  it('gives the same frozen answer at the same version, so no caller can change the next one', () => {
    // Prepare
    const state = webState();
    // Act
    const first = defaultViews.ruleHealth(state, armIds.lb(), 'web') as Health;
    const second = defaultViews.ruleHealth(state, armIds.lb(), 'web') as Health;
    // Assess
    expect(second).toBe(first);
    expect(() => {
      (first.loadBalancerBackendAddresses[0] as { state?: string }).state = 'Down';
    }).toThrow(TypeError);
  });

  it('throws the same ARM error again for the same arguments, and answers other arguments apart', () => {
    // Prepare
    let calls = 0;
    const derive = memoPerVersion((_state: SandboxState, rule: string) => {
      calls += 1;
      if (rule === 'nope') throw new SandboxHttpError(404, 'NotFound', `no ${rule}`);
      return { rule };
    });
    const state = webState();
    // Act
    const errors = [0, 1].map(() => {
      try {
        derive(state, 'nope');
        return undefined;
      } catch (err) {
        return err;
      }
    });
    const answers = [derive(state, 'web'), derive(state, 'web'), derive(state, 'other')];
    // Assess
    expect(errors[0]).toBeInstanceOf(SandboxHttpError);
    expect(errors[1]).toBe(errors[0]);
    expect(answers).toEqual([{ rule: 'web' }, { rule: 'web' }, { rule: 'other' }]);
    expect(calls).toBe(3);
  });
});
