/**
 * The sandbox through the REAL Azure SDK clients over HTTPS on 127.0.0.1: reads and lists of every
 * resource type discovery uses, ARM's 404/403/401 answers, long-running operations, security rule
 * writes with ETags and conflicts, and injected throttling that the SDK retries.
 */
import { seededRandom } from '../../src/sandbox/faults';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { fakeViews, type FakeViews } from './fakeViews';
import { ids, miniScenario, RG, SUB } from './miniScenario';
import { restError } from '../helpers/restError';

const FAST = { updateIntervalInMs: 1 };

const allowLb = (priority: number) => ({
  protocol: 'Tcp',
  access: 'Allow',
  direction: 'Inbound',
  priority,
  sourceAddressPrefix: 'AzureLoadBalancer',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '80',
});

async function names<T extends { name?: string }>(items: AsyncIterable<T>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item.name ?? '?');
  return out.sort();
}

describe('sandbox server (real SDK clients)', () => {
  let t: TestSandbox;
  let views: FakeViews;

  beforeEach(async () => {
    views = fakeViews();
    t = await startTestSandbox(
      miniScenario((doc) => {
        (doc.guests as Record<string, { runCommandBusyTimes?: number }>)[ids.vm2] = {
          os: 'linux',
          powerState: 'stopped',
          runCommandBusyTimes: 1,
        } as never;
      }),
      { views },
    );
  });
  afterEach(async () => {
    await t.stop();
  });

  describe('reads', () => {
    it.each([
      ['loadBalancers', () => t.network.loadBalancers.get(RG, 'lb-web'), ids.lb],
      ['networkInterfaces', () => t.network.networkInterfaces.get(RG, 'nic-vm1'), ids.nic1],
      ['networkSecurityGroups', () => t.network.networkSecurityGroups.get(RG, 'nsg-web'), ids.nsg],
      ['virtualNetworks', () => t.network.virtualNetworks.get(RG, 'vnet-web'), ids.vnet],
      ['subnets', () => t.network.subnets.get(RG, 'vnet-web', 'web'), ids.subnet],
      ['routeTables', () => t.network.routeTables.get(RG, 'rt-web'), ids.routeTable],
      [
        'routes',
        () => t.network.routes.get(RG, 'rt-web', 'default-via-fw'),
        `${ids.routeTable}/routes/default-via-fw`,
      ],
      ['applicationSecurityGroups', () => t.network.applicationSecurityGroups.get(RG, 'asg-web'), ids.asg],
      [
        'probes',
        () => t.network.loadBalancerProbes.get(RG, 'lb-web', 'probe-http'),
        `${ids.lb}/probes/probe-http`,
      ],
      [
        'rules',
        () => t.network.loadBalancerLoadBalancingRules.get(RG, 'lb-web', 'rule-http'),
        `${ids.lb}/loadBalancingRules/rule-http`,
      ],
      [
        'pools',
        () => t.network.loadBalancerBackendAddressPools.get(RG, 'lb-web', 'pool-web'),
        `${ids.lb}/backendAddressPools/pool-web`,
      ],
      [
        'frontends',
        () => t.network.loadBalancerFrontendIPConfigurations.get(RG, 'lb-web', 'fe'),
        `${ids.lb}/frontendIPConfigurations/fe`,
      ],
      [
        'securityRules',
        () => t.network.securityRules.get(RG, 'nsg-web', 'deny-all-in'),
        `${ids.nsg}/securityRules/deny-all-in`,
      ],
      [
        'defaultSecurityRules',
        () => t.network.defaultSecurityRules.get(RG, 'nsg-web', 'AllowAzureLoadBalancerInBound'),
        `${ids.nsg}/defaultSecurityRules/AllowAzureLoadBalancerInBound`,
      ],
      ['virtualMachines', () => t.compute.virtualMachines.get(RG, 'vm1'), ids.vm1],
      ['virtualMachineScaleSets', () => t.compute.virtualMachineScaleSets.get(RG, 'ss-web'), ids.vmss],
      [
        'virtualMachineScaleSetVMs',
        () => t.compute.virtualMachineScaleSetVMs.get(RG, 'ss-web', '0'),
        ids.vmssVm0,
      ],
      [
        'scale set VM NIC',
        () =>
          t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(RG, 'ss-web', '0', 'nic-ss'),
        ids.vmssNic0,
      ],
    ])('GET %s by id', async (_type, get, id) => {
      // Act
      const resource = await get();
      // Assess
      expect(resource.id).toBe(id);
    });

    it('gives network resources and their children W/"guid" etags', async () => {
      // Act
      const lb = await t.network.loadBalancers.get(RG, 'lb-web');
      // Assess
      expect(lb.etag).toMatch(/^W\/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$/);
      expect(lb.probes?.[0]?.etag).toMatch(/^W\/"/);
      expect(lb.probes?.[0]?.etag).not.toBe(lb.etag);
    });

    it('matches ids case-insensitively', async () => {
      // Act
      const nsg = await t.network.networkSecurityGroups.get(RG.toUpperCase(), 'NSG-WEB');
      // Assess
      expect(nsg.id).toBe(ids.nsg);
    });

    it.each([
      [
        'loadBalancers',
        () => names(t.network.loadBalancers.list(RG)),
        () => names(t.network.loadBalancers.listAll()),
        ['lb-web'],
      ],
      [
        'networkInterfaces',
        () => names(t.network.networkInterfaces.list(RG)),
        () => names(t.network.networkInterfaces.listAll()),
        ['nic-vm1', 'nic-vm2'],
      ],
      [
        'networkSecurityGroups',
        () => names(t.network.networkSecurityGroups.list(RG)),
        () => names(t.network.networkSecurityGroups.listAll()),
        ['nsg-web'],
      ],
      [
        'virtualNetworks',
        () => names(t.network.virtualNetworks.list(RG)),
        () => names(t.network.virtualNetworks.listAll()),
        ['vnet-web'],
      ],
      [
        'routeTables',
        () => names(t.network.routeTables.list(RG)),
        () => names(t.network.routeTables.listAll()),
        ['rt-web'],
      ],
      [
        'applicationSecurityGroups',
        () => names(t.network.applicationSecurityGroups.list(RG)),
        () => names(t.network.applicationSecurityGroups.listAll()),
        ['asg-web'],
      ],
      [
        'virtualMachines',
        () => names(t.compute.virtualMachines.list(RG)),
        () => names(t.compute.virtualMachines.listAll()),
        ['vm1', 'vm2'],
      ],
      [
        'virtualMachineScaleSets',
        () => names(t.compute.virtualMachineScaleSets.list(RG)),
        () => names(t.compute.virtualMachineScaleSets.listAll()),
        ['ss-web'],
      ],
    ])('lists %s by resource group and by subscription', async (_type, byGroup, bySubscription, expected) => {
      // Act
      const [group, subscription] = [await byGroup(), await bySubscription()];
      // Assess
      expect(group).toEqual(expected);
      expect(subscription).toEqual(expected);
    });

    it.each([
      ['scale set VMs', () => names(t.compute.virtualMachineScaleSetVMs.list(RG, 'ss-web')), ['ss-web_0']],
      [
        'NICs of one scale set VM',
        () =>
          names(t.network.networkInterfaces.listVirtualMachineScaleSetVMNetworkInterfaces(RG, 'ss-web', '0')),
        ['nic-ss'],
      ],
      [
        'NICs of a scale set',
        () => names(t.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, 'ss-web')),
        ['nic-ss'],
      ],
      ['security rules of an NSG', () => names(t.network.securityRules.list(RG, 'nsg-web')), ['deny-all-in']],
      [
        'probes of a load balancer',
        () => names(t.network.loadBalancerProbes.list(RG, 'lb-web')),
        ['probe-http'],
      ],
    ])('lists %s', async (_what, list, expected) => {
      // Act
      const found = await list();
      // Assess
      expect(found).toEqual(expected);
    });

    it('pages lists with nextLink, which the SDK follows', async () => {
      // Prepare
      const paged = await startTestSandbox(miniScenario(), { views, behaviour: { pageSize: 1 } });
      try {
        // Act
        const found = await names(paged.network.networkInterfaces.list(RG));
        // Assess
        expect(found).toEqual(['nic-vm1', 'nic-vm2']);
        expect(paged.sandbox.requestLog.filter((e) => e.path.endsWith('/networkInterfaces'))).toHaveLength(2);
      } finally {
        await paged.stop();
      }
    });

    it('adds the instance view to a VM GET with $expand=instanceView and serves /instanceView', async () => {
      // Act
      const vm = await t.compute.virtualMachines.get(RG, 'vm2', { expand: 'instanceView' });
      const view = await t.compute.virtualMachines.instanceView(RG, 'vm2');
      const ssView = await t.compute.virtualMachineScaleSetVMs.getInstanceView(RG, 'ss-web', '0');
      // Assess
      expect(vm.instanceView?.statuses?.map((s) => s.code)).toEqual([
        'ProvisioningState/succeeded',
        'PowerState/stopped',
      ]);
      expect(view.computerName).toBe('vm2');
      expect(ssView.statuses?.[1]?.code).toBe('PowerState/running');
      expect(views.calls).toEqual([
        `vmInstanceView ${ids.vm2}`,
        `vmInstanceView ${ids.vm2}`,
        `vmInstanceView ${ids.vmssVm0}`,
      ]);
    });
  });

  describe('error answers', () => {
    it.each([
      [
        'a missing top-level resource',
        () => t.network.loadBalancers.get(RG, 'nope'),
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Network/loadBalancers/nope' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      ],
      [
        'a missing child',
        () => t.network.loadBalancerProbes.get(RG, 'lb-web', 'nope'),
        404,
        'NotFound',
        `Resource ${ids.lb}/probes/nope not found.`,
      ],
      [
        'a child of a missing parent',
        () => t.network.securityRules.get(RG, 'nsg-nope', 'r'),
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Network/networkSecurityGroups/nsg-nope' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      ],
    ])('answers %s with ARM 404', async (_what, call, status, code, message) => {
      // Act
      const err = await restError(call());
      // Assess
      expect([err.statusCode, err.code, err.message]).toEqual([status, code, message]);
    });

    it('answers 403 AuthorizationFailed for forbidden ids and hides them from lists', async () => {
      // Prepare
      const limited = await startTestSandbox(
        miniScenario((doc) => (doc.forbidden = [ids.nic2])),
        { views },
      );
      try {
        // Act
        const err = await restError(limited.network.networkInterfaces.get(RG, 'nic-vm2'));
        const listed = await names(limited.network.networkInterfaces.list(RG));
        // Assess
        expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
        expect(err.message).toBe(
          `The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action 'Microsoft.Network/networkInterfaces/read' over scope '${ids.nic2}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        );
        expect(listed).toEqual(['nic-vm1']);
      } finally {
        await limited.stop();
      }
    });

    it.each([
      [
        'no api-version',
        `${ids.lb}`,
        400,
        {
          error: {
            code: 'MissingApiVersionParameter',
            message: 'The api-version query parameter (?api-version=) is required for all requests.',
          },
        },
      ],
      [
        'an operation the sandbox does not emulate',
        `/subscriptions/${SUB}/locations?api-version=2021-04-01`,
        404,
        {
          error: {
            code: 'InvalidResourceType',
            message: `The sandbox does not serve GET /subscriptions/${SUB}/locations.`,
          },
        },
      ],
    ])('answers %s with an ARM error body', async (_what, pathAndQuery, status, body) => {
      // Act
      const res = await fetchSandbox(t, pathAndQuery);
      // Assess
      expect([res.status, res.body]).toEqual([status, body]);
    });

    it('answers 401 without a bearer token', async () => {
      // Act
      const res = await fetchSandbox(
        t,
        `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb-web?api-version=2025-05-01`,
        {},
      );
      // Assess
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: {
          code: 'AuthenticationFailed',
          message: "Authentication failed. The 'Authorization' header is missing.",
        },
      });
    });
  });

  describe('long-running actions', () => {
    it('answers rule health with 202 + Location, then the result when polled', async () => {
      // Act
      const health = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
        RG,
        'lb-web',
        'rule-http',
        FAST,
      );
      // Assess
      expect(health.loadBalancerBackendAddresses?.[0]?.networkInterfaceIPConfigurationId).toBe(
        `${ids.lb}|rule-http`,
      );
      const statuses = t.sandbox.requestLog.map((e) => `${e.method} ${e.status} ${e.operation}`);
      expect(statuses).toEqual([
        'POST 202 Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
        'GET 200 Microsoft.Network/locations/operationResults/read',
      ]);
    });

    it('answers IP flow verify on a watcher the subscription does not hold with 404', async () => {
      // Act: "you must create a Network Watcher resource" before these APIs (Network Watcher REST docs)
      const call = t.network.networkWatchers.beginVerifyIPFlowAndWait(
        'NetworkWatcherRG',
        'NetworkWatcher_northeurope',
        {
          targetResourceId: ids.vm1,
          direction: 'Inbound',
          protocol: 'TCP',
          localPort: '80',
          remotePort: '*',
          localIPAddress: '10.0.0.4',
          remoteIPAddress: '168.63.129.16',
        },
        FAST,
      );
      // Assess
      await expect(call).rejects.toMatchObject({ statusCode: 404 });
      expect(views.calls).toEqual([]);
    });

    it('keeps answering 202 until the configured number of polls', async () => {
      // Prepare
      const slow = await startTestSandbox(miniScenario(), { views, behaviour: { actionPolls: 2 } });
      try {
        // Act
        const routes = await slow.network.networkInterfaces.beginGetEffectiveRouteTableAndWait(
          RG,
          'nic-vm1',
          FAST,
        );
        // Assess
        expect(routes.value?.[0]?.name).toBe(ids.nic1);
        expect(slow.sandbox.requestLog.map((e) => e.status)).toEqual([202, 202, 202, 200]);
      } finally {
        await slow.stop();
      }
    });

    it.each([
      [
        'effective NSGs',
        () => t.network.networkInterfaces.beginListEffectiveNetworkSecurityGroupsAndWait(RG, 'nic-vm1', FAST),
        `effectiveNetworkSecurityGroups ${ids.nic1}`,
      ],
      [
        'IP flow verify',
        () =>
          t.network.networkWatchers.beginVerifyIPFlowAndWait(
            'NetworkWatcherRG',
            'NetworkWatcher_westeurope',
            {
              targetResourceId: ids.vm1,
              direction: 'Inbound',
              protocol: 'TCP',
              localPort: '80',
              remotePort: '*',
              localIPAddress: '10.0.0.4',
              remoteIPAddress: '168.63.129.16',
            },
            FAST,
          ),
        `ipFlowVerify {"targetResourceId":"${ids.vm1}","direction":"Inbound","protocol":"TCP","localPort":"80","remotePort":"*","localIPAddress":"10.0.0.4","remoteIPAddress":"168.63.129.16"}`,
      ],
      [
        'connectivity check',
        () =>
          t.network.networkWatchers.beginCheckConnectivityAndWait(
            'NetworkWatcherRG',
            'NetworkWatcher_westeurope',
            { source: { resourceId: ids.vm1 }, destination: { address: '10.0.0.5', port: 80 } },
            FAST,
          ),
        `connectivityCheck {"source":{"resourceId":"${ids.vm1}"},"destination":{"address":"10.0.0.5","port":80}}`,
      ],
    ])('serves %s from the derived view', async (_what, call, expectedCall) => {
      // Act
      const result = await call();
      // Assess
      expect(result).toBeDefined();
      expect(views.calls).toEqual([expectedCall]);
    });

    it('runs a command on a VM and on a scale set VM', async () => {
      // Act
      const vm = await t.compute.virtualMachines
        .runCommand(RG, 'vm1', { commandId: 'RunShellScript', script: ['ss -ltn'] }, FAST)
        .pollUntilDone();
      const ss = await t.compute.virtualMachineScaleSetVMs
        .runCommand(RG, 'ss-web', '0', { commandId: 'RunShellScript', script: ['true'] }, FAST)
        .pollUntilDone();
      // Assess
      expect(vm.value?.[0]?.message).toBe('running ss -ltn');
      expect(ss.value?.[0]?.message).toBe('none true');
      expect(t.sandbox.requestLog.filter((e) => e.method === 'POST').map((e) => e.operation)).toEqual([
        'Microsoft.Compute/virtualMachines/runCommand/action',
        'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action',
      ]);
    });

    it('passes the guest simulator 409 through, and refuses a second script while one runs', async () => {
      // Act
      const busy = await restError(
        t.compute.virtualMachines
          .runCommand(RG, 'vm2', { commandId: 'RunShellScript', script: ['a'] }, FAST)
          .pollUntilDone(),
      );
      const first = t.compute.virtualMachines.runCommand(
        RG,
        'vm1',
        { commandId: 'RunShellScript', script: ['a'] },
        FAST,
      );
      await first.submitted();
      const second = await restError(
        t.compute.virtualMachines
          .runCommand(RG, 'vm1', { commandId: 'RunShellScript', script: ['b'] }, FAST)
          .pollUntilDone(),
      );
      await first.pollUntilDone();
      const third = await t.compute.virtualMachines
        .runCommand(RG, 'vm1', { commandId: 'RunShellScript', script: ['c'] }, FAST)
        .pollUntilDone();
      // Assess
      expect([busy.statusCode, busy.code]).toEqual([409, 'Conflict']);
      expect([second.statusCode, second.code, second.message]).toEqual([
        409,
        'Conflict',
        'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
      ]);
      expect(third.value?.[0]?.message).toBe('running c');
    });

    it('starts a VM: the guest is starting, then running once the operation finishes', async () => {
      // Prepare
      const guest = t.sandbox.state.guests.get(ids.vm2.toLowerCase());
      // Act
      const poller = t.compute.virtualMachines.start(RG, 'vm2', FAST);
      await poller.submitted();
      const during = guest?.powerState;
      await poller.pollUntilDone();
      // Assess
      expect([during, guest?.powerState]).toEqual(['starting', 'running']);
    });

    it('serves metrics and Resource Health from the derived views', async () => {
      // Act
      const metric = await fetchSandbox(
        t,
        `${ids.lb}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=DipAvailability`,
      );
      const health = await fetchSandbox(
        t,
        `${ids.vm1}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2025-05-01`,
      );
      // Assess
      expect([metric.status, health.status]).toEqual([200, 200]);
      expect(views.calls).toEqual([`dipAvailabilityMetric ${ids.lb}`, `resourceHealth ${ids.vm1}`]);
      expect(t.sandbox.requestLog.map((e) => e.operation)).toEqual([
        'Microsoft.Insights/metrics/read',
        'Microsoft.ResourceHealth/availabilityStatuses/read',
      ]);
    });
  });

  describe('security rule writes', () => {
    it('creates a rule through the LRO; the NSG and later reads see it', async () => {
      // Prepare
      const before = await t.network.networkSecurityGroups.get(RG, 'nsg-web');
      const version = t.sandbox.state.version;
      // Act
      const rule = await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-web',
        'allow-lb',
        allowLb(3990),
        FAST,
      );
      const after = await t.network.networkSecurityGroups.get(RG, 'nsg-web');
      // Assess
      expect([rule.provisioningState, rule.priority, rule.sourceAddressPrefix]).toEqual([
        'Succeeded',
        3990,
        'AzureLoadBalancer',
      ]);
      expect(after.securityRules?.map((r) => r.name)).toEqual(['deny-all-in', 'allow-lb']);
      expect(after.etag).not.toBe(before.etag);
      // The PUT, then its completion (provisioningState Updating -> Succeeded).
      expect(t.sandbox.state.version).toBe(version + 2);
      expect(t.sandbox.requestLog.map((e) => `${e.method} ${e.status}`)).toEqual([
        'GET 200',
        'PUT 201',
        'GET 200', // async operation: InProgress
        'GET 200', // async operation: Succeeded
        'GET 200', // final GET of the rule
        'GET 200',
      ]);
    });

    it('a GET during the write sees it Updating; once it completes, Succeeded under new etags', async () => {
      // Prepare
      const poller = await t.network.securityRules.beginCreateOrUpdate(
        RG,
        'nsg-web',
        'allow-lb',
        allowLb(3990),
        FAST,
      );
      const ruleDuring = await t.network.securityRules.get(RG, 'nsg-web', 'allow-lb');
      const nsgDuring = await t.network.networkSecurityGroups.get(RG, 'nsg-web');
      // Act
      await poller.pollUntilDone();
      const ruleAfter = await t.network.securityRules.get(RG, 'nsg-web', 'allow-lb');
      const nsgAfter = await t.network.networkSecurityGroups.get(RG, 'nsg-web');
      const staleWrite = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-web', 'allow-lb', allowLb(3991), {
          ...FAST,
          requestOptions: { customHeaders: { 'If-Match': ruleDuring.etag as string } },
        }),
      );
      // Assess
      expect([ruleDuring.provisioningState, ruleAfter.provisioningState]).toEqual(['Updating', 'Succeeded']);
      expect(nsgAfter.securityRules?.find((r) => r.name === 'allow-lb')?.provisioningState).toBe('Succeeded');
      // An etag "changes whenever the resource is updated": an If-Match read during the write is stale after it.
      expect(ruleAfter.etag).not.toBe(ruleDuring.etag);
      expect(nsgAfter.etag).not.toBe(nsgDuring.etag);
      expect([staleWrite.statusCode, staleWrite.code]).toEqual([412, 'PreconditionFailedEtagMismatch']);
    });

    it('refuses a stale If-Match with 412 and accepts the current etag', async () => {
      // Prepare
      const current = await t.network.securityRules.get(RG, 'nsg-web', 'deny-all-in');
      const stale = 'W/"00000000-0000-0000-0000-000000000000"';
      // Act
      const err = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(
          RG,
          'nsg-web',
          'deny-all-in',
          { ...allowLb(4000), access: 'Deny' },
          {
            ...FAST,
            requestOptions: { customHeaders: { 'If-Match': stale } },
          },
        ),
      );
      const ok = await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-web',
        'deny-all-in',
        { ...allowLb(4001), access: 'Deny' },
        {
          ...FAST,
          requestOptions: { customHeaders: { 'If-Match': current.etag as string } },
        },
      );
      // Assess
      expect([err.statusCode, err.code, err.message]).toEqual([
        412,
        'PreconditionFailedEtagMismatch',
        `Precondition failed for resource ${ids.nsg}/securityRules/deny-all-in: If-Match ${stale} does not match the current ETag ${current.etag}.`,
      ]);
      expect([ok.priority, ok.etag === current.etag]).toEqual([4001, false]);
    });

    it('refuses If-None-Match: * for an existing rule', async () => {
      // Act
      const err = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-web', 'deny-all-in', allowLb(3000), {
          ...FAST,
          requestOptions: { customHeaders: { 'If-None-Match': '*' } },
        }),
      );
      // Assess
      expect([err.statusCode, err.code]).toEqual([412, 'PreconditionFailedEtagMismatch']);
    });

    it.each([
      [
        4000,
        400,
        'SecurityRuleConflict',
        'Security rule allow-lb conflicts with rule deny-all-in. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.',
      ],
      [
        99,
        400,
        'SecurityRuleInvalidPriority',
        'Security rule has invalid Priority. Value provided: 99 Allowed range 100-4096.',
      ],
      [
        4097,
        400,
        'SecurityRuleInvalidPriority',
        'Security rule has invalid Priority. Value provided: 4097 Allowed range 100-4096.',
      ],
    ])('refuses priority %d', async (priority, status, code, message) => {
      // Act
      const err = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(
          RG,
          'nsg-web',
          'allow-lb',
          allowLb(priority),
          FAST,
        ),
      );
      // Assess
      expect([err.statusCode, err.code, err.message]).toEqual([status, code, message]);
      expect(t.sandbox.state.version).toBe(0);
    });

    it('answers 409 AnotherOperationInProgress to a second write to the same NSG while the first runs', async () => {
      // Prepare
      const first = await t.network.securityRules.beginCreateOrUpdate(
        RG,
        'nsg-web',
        'allow-lb',
        allowLb(3990),
        FAST,
      );
      // Act
      const err = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-web', 'allow-other', allowLb(3980), FAST),
      );
      await first.pollUntilDone();
      const later = await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-web',
        'allow-other',
        allowLb(3980),
        FAST,
      );
      // Assess
      expect([err.statusCode, err.code]).toEqual([409, 'AnotherOperationInProgress']);
      expect(err.message).toMatch(
        /^Another operation on this or dependent resource is in progress\. To retrieve status of the operation use uri: https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.+\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\/[0-9a-f-]+\?api-version=2025-05-01\. Please wait for the operation to finish before retrying\.$/,
      );
      expect(later.provisioningState).toBe('Succeeded');
    });

    it('deletes a rule through the LRO, and 204s a rule that is not there', async () => {
      // Act
      await t.network.securityRules.beginDeleteAndWait(RG, 'nsg-web', 'deny-all-in', FAST);
      await t.network.securityRules.beginDeleteAndWait(RG, 'nsg-web', 'deny-all-in', FAST);
      const err = await restError(t.network.securityRules.get(RG, 'nsg-web', 'deny-all-in'));
      // Assess
      expect(err.statusCode).toBe(404);
      expect(
        t.sandbox.requestLog.filter((e) => e.method === 'DELETE').map((e) => `${e.status} ${e.operation}`),
      ).toEqual([
        '202 Microsoft.Network/networkSecurityGroups/securityRules/delete',
        '204 Microsoft.Network/networkSecurityGroups/securityRules/delete',
      ]);
    });
  });

  describe('faults', () => {
    it('throttles with 429 + Retry-After and the SDK retries', async () => {
      // Prepare: a seed whose first draw throttles and second does not, found rather than hoped for.
      const rate = 0.5;
      const seed = [...Array(100).keys()].find((s) => {
        const r = seededRandom(s);
        return r() < rate && r() >= rate;
      }) as number;
      t.sandbox.setFaults({ seed, throttleRate: rate, retryAfterSeconds: 0 });
      // Act
      const lb = await t.network.loadBalancers.get(RG, 'lb-web');
      // Assess
      expect(lb.name).toBe('lb-web');
      expect(t.sandbox.requestLog.map((e) => e.status)).toEqual([429, 200]);
    });

    it('is deterministic for a seed', async () => {
      // Prepare
      const run = async (): Promise<number[]> => {
        const s = await startTestSandbox(
          miniScenario((doc) => (doc.faults = { seed: 7, throttleRate: 0.4, retryAfterSeconds: 0 })),
          { views },
        );
        try {
          for (const name of ['lb-web', 'lb-web', 'lb-web', 'lb-web'])
            await s.network.loadBalancers.get(RG, name);
          return s.sandbox.requestLog.map((e) => e.status);
        } finally {
          await s.stop();
        }
      };
      // Act
      const [a, b] = [await run(), await run()];
      // Assess
      expect(a).toEqual(b);
      expect(a).toContain(429);
    });

    it('sends rate-limit headers', async () => {
      // Act
      const read = await fetchSandbox(t, `${ids.lb}?api-version=2025-05-01`);
      const second = await fetchSandbox(t, `${ids.lb}?api-version=2025-05-01`);
      // Assess
      expect(Number(read.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).toBe(
        Number(second.headers.get('x-ms-ratelimit-remaining-subscription-reads')) + 1,
      );
    });
  });
});

/** A raw HTTPS request to the sandbox (for what the SDK clients do not expose). */
async function fetchSandbox(
  t: TestSandbox,
  pathAndQuery: string,
  headers: Record<string, string> = { Authorization: 'Bearer sandbox' },
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${t.sandbox.endpoint}${pathAndQuery}`, { ca: t.sandbox.ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as unknown) : undefined,
          headers: h,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
