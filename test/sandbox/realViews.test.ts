/**
 * The sandbox with its real derived views (src/sandbox/derive, src/sandbox/guest) through the SDK: a
 * security rule write changes what health reports once the probe has re-tested (probeTime.ts), and
 * what Run Command sees.
 */
import { SkippableClock } from '../../src/sandbox/clock';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { ids, miniScenario, RG } from './miniScenario';

const FAST = { updateIntervalInMs: 1 };

describe('sandbox with the real views', () => {
  let t: TestSandbox;
  let clock: SkippableClock;
  beforeEach(async () => {
    clock = new SkippableClock();
    t = await startTestSandbox(
      miniScenario((doc) => {
        const guests = doc.guests as Record<string, Record<string, unknown>>;
        (guests[ids.vm1] as Record<string, unknown>).http = [{ port: 80, path: '/health', status: 200 }];
        // Interval 5 s, threshold 3: the probe needs 15 s of sandbox time to flip.
        const lb = (
          doc.resources as { type: string; properties: { probes: { properties: object }[] } }[]
        ).find((r) => r.type === 'Microsoft.Network/loadBalancers');
        for (const probe of lb?.properties.probes ?? [])
          Object.assign(probe.properties, { probeThreshold: 3 });
      }),
      { clock },
    );
  });
  afterEach(async () => {
    await t.stop();
  });

  const vm1State = async (): Promise<string | undefined> => {
    const health = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
      RG,
      'lb-web',
      'rule-http',
      FAST,
    );
    const vm1 = health.loadBalancerBackendAddresses?.find((a) => a.ipAddress === '10.0.0.4');
    return vm1 ? `${vm1.state ?? ''} ${vm1.reason ?? ''}` : undefined;
  };

  it('reports vm1 down behind the Deny at 4000, and up once the probe re-tested after an allow rule is added', async () => {
    // Prepare
    const before = await vm1State();
    // Act
    await t.network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'nsg-web',
      'allow-azure-lb-80',
      {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Inbound',
        priority: 3990,
        sourceAddressPrefix: 'AzureLoadBalancer',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '80',
      },
      FAST,
    );
    const right = await vm1State();
    clock.advance(5_000);
    const oneProbe = await vm1State();
    clock.advance(9_000);
    const twoProbes = await vm1State();
    clock.advance(1_000);
    const threeProbes = await vm1State();
    // Assess: the old state until the first probe, then "approaching" until the threshold, then Up.
    expect([before, right, oneProbe, twoProbes, threeProbes]).toEqual([
      'Down Down_Probe_HttpEndpointUnreachable',
      'Down Down_Probe_HttpEndpointUnreachable',
      'Down Down_Probe_ApproachingHealthyThreshold',
      'Down Down_Probe_ApproachingHealthyThreshold',
      'Up Up_Probe_Success',
    ]);
  });

  it('runs a command on a running VM and answers in the Linux RunCommandResult shape', async () => {
    // Act
    const result = await t.compute.virtualMachines
      .runCommand(RG, 'vm1', { commandId: 'RunShellScript', script: ['ss -ltn'] }, FAST)
      .pollUntilDone();
    // Assess
    // Linux answers in one status, stdout and stderr inside the message, as Azure does.
    expect(result.value?.[0]?.code).toBe('ProvisioningState/succeeded');
    // (a script without probe-doctor's section markers gets no simulated output: see src/sandbox/guest)
    expect(result.value?.[0]?.message).toMatch(/^Enable succeeded: \n\[stdout\]\n[\s\S]*\[stderr\]\n$/);
  });
});
