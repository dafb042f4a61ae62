/**
 * The sandbox with its real derived views (src/sandbox/derive, src/sandbox/guest) through the SDK: a
 * security rule write changes what the next health query and Run Command see.
 */
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { ids, miniScenario, RG } from './miniScenario';

const FAST = { updateIntervalInMs: 1 };

describe('sandbox with the real views', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox(
      miniScenario((doc) => {
        const guests = doc.guests as Record<string, Record<string, unknown>>;
        (guests[ids.vm1] as Record<string, unknown>).http = [{ port: 80, path: '/health', status: 200 }];
      }),
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
    return health.loadBalancerBackendAddresses?.find((a) => a.ipAddress === '10.0.0.4')?.state;
  };

  it('reports vm1 down behind the Deny at 4000, and up once an allow rule for the probe is added', async () => {
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
    const after = await vm1State();
    // Assess
    expect([before, after]).toEqual(['Down', 'Up']);
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
