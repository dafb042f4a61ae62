import { ruleHealth } from '../../../src/sandbox/derive/ruleHealth';
import { SandboxHttpError } from '../../../src/sandbox/httpError';
import { armIds, securityRule, webState } from '../../helpers/armBuilder';

describe('ruleHealth', () => {
  it('answers the LoadBalancerHealthPerRule body', () => {
    // Prepare
    const state = webState({ nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 4096 })] });
    // Act
    const body = ruleHealth(state, armIds.lb(), 'WEB');
    // Assess
    expect(body).toEqual({
      up: 1,
      down: 1,
      loadBalancerBackendAddresses: [
        {
          ipAddress: '10.0.0.4',
          networkInterfaceIPConfigurationId: armIds.ipConfig('nic1'),
          state: 'Down',
          reason: 'Down_Probe_TcpProbeTimeout',
        },
        {
          ipAddress: '10.0.0.5',
          networkInterfaceIPConfigurationId: armIds.ipConfig('nic2'),
          state: 'Up',
          reason: 'Up_Probe_Success',
        },
      ],
    });
  });

  it('leaves state and reason out for a stopped VM', () => {
    // Prepare
    const state = webState({ guest1: { powerState: 'stopped' } });
    // Act
    const body = ruleHealth(state, armIds.lb(), 'web');
    // Assess
    expect(body).toMatchObject({ up: 1, down: 0 });
    expect((body.loadBalancerBackendAddresses as unknown[])[0]).toEqual({
      ipAddress: '10.0.0.4',
      networkInterfaceIPConfigurationId: armIds.ipConfig('nic1'),
    });
  });

  it.each<[string, Parameters<typeof webState>[0], string, number, string]>([
    [
      'a missing rule',
      {},
      'nope',
      404,
      `Load balancing rule 'nope' was not found in load balancer '${armIds.lb()}'.`,
    ],
    [
      'a rule without a probe',
      {},
      'noprobe',
      400,
      "Health status is not supported for load balancing rule 'noprobe', which has no health probe.",
    ],
    [
      'a Basic load balancer (per-backend health is a Standard feature)',
      { sku: 'Basic' },
      'web',
      400,
      `Health status is not supported for Basic SKU load balancer '${armIds.lb()}'; it is available for Standard SKU load balancers.`,
    ],
    [
      'a Gateway load balancer',
      { sku: 'Gateway' },
      'web',
      400,
      `Health status is not supported for Gateway load balancer '${armIds.lb()}'.`,
    ],
  ])('refuses %s', (_name, options, rule, status, message) => {
    // Prepare
    const state = webState(options);
    // Act
    let error: unknown;
    try {
      ruleHealth(state, armIds.lb(), rule);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(SandboxHttpError);
    expect(error).toMatchObject({ status, message });
  });
});
