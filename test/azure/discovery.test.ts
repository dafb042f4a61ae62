import type {
  LoadBalancer,
  NetworkInterface,
  NetworkSecurityGroup,
  RouteTable,
  VirtualNetwork,
} from '@azure/arm-network';
import { discoverTopology, findPeerVm, type VmRead } from '../../src/azure/discovery';
import { AzureCallError, InvalidInputError } from '../../src/errors';
import { idKey } from '../../src/model/ids';
import { fakeTopologyReader } from './fakeTopologyReader';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const NET = `${RG}/providers/Microsoft.Network`;
const CMP = `${RG}/providers/Microsoft.Compute`;
const LB = `${NET}/loadBalancers/lb`;
const VNET = `${NET}/virtualNetworks/vnet`;
const SUBNET = `${VNET}/subnets/snet`;
const VMSS = `${CMP}/virtualMachineScaleSets/ss`;
const id = {
  nic: (n: string) => `${NET}/networkInterfaces/${n}`,
  cfg: (n: string) => `${NET}/networkInterfaces/${n}/ipConfigurations/ipconfig1`,
  vm: (n: string) => `${CMP}/virtualMachines/${n}`,
  nsg: (n: string) => `${NET}/networkSecurityGroups/${n}`,
  asg: (n: string) => `${NET}/applicationSecurityGroups/${n}`,
  pool: (n: string) => `${LB}/backendAddressPools/${n}`,
};
const VMSS_NIC = `${VMSS}/virtualMachines/3/networkInterfaces/nic-ss`;
const VMSS_CFG = `${VMSS_NIC}/ipConfigurations/ipconfig1`;

function nic(
  name: string,
  ip: string,
  extra: Partial<NetworkInterface> = {},
  nicId = id.nic(name),
): NetworkInterface {
  return {
    id: nicId,
    name,
    primary: true,
    ipConfigurations: [
      {
        id: `${nicId}/ipConfigurations/ipconfig1`,
        name: 'ipconfig1',
        privateIPAddress: ip,
        subnet: { id: SUBNET },
      },
    ],
    ...extra,
  };
}

function vm(name: string): VmRead {
  return {
    kind: 'vm',
    vm: {
      id: id.vm(name),
      name,
      location: 'eastus',
      networkProfile: { networkInterfaces: [{ id: id.nic(`nic-${name}`) }] },
      instanceView: {
        statuses: [{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/running' }],
        vmAgent: { statuses: [{ displayStatus: 'Ready' }] },
      },
    },
  };
}

const lb: LoadBalancer = {
  id: LB,
  name: 'lb',
  location: 'eastus',
  sku: { name: 'Standard' },
  frontendIPConfigurations: [
    {
      id: `${LB}/frontendIPConfigurations/fe`,
      name: 'fe',
      publicIPAddress: { id: `${NET}/publicIPAddresses/pip` },
    },
  ],
  probes: [{ id: `${LB}/probes/p80`, name: 'p80', protocol: 'Tcp', port: 80, intervalInSeconds: 5 }],
  loadBalancingRules: [
    {
      id: `${LB}/loadBalancingRules/r80`,
      name: 'r80',
      protocol: 'Tcp',
      frontendPort: 80,
      backendPort: 80,
      probe: { id: `${LB}/probes/p80` },
      backendAddressPool: { id: id.pool('be') },
    },
  ],
  backendAddressPools: [
    {
      id: id.pool('be'),
      name: 'be',
      backendIPConfigurations: [{ id: id.cfg('nic-a') }, { id: id.cfg('nic-b') }, { id: VMSS_CFG }],
    },
    {
      id: id.pool('be-ip'),
      name: 'be-ip',
      loadBalancerBackendAddresses: [
        { name: 'to-nic-c', ipAddress: '10.0.1.9', virtualNetwork: { id: VNET } },
        { name: 'bare', ipAddress: '10.0.1.50', virtualNetwork: { id: VNET } },
        // Also a NIC-based member of `be`: one backend, two pools.
        {
          name: 'a-again',
          ipAddress: '10.0.1.4',
          virtualNetwork: { id: VNET },
          networkInterfaceIPConfiguration: { id: id.cfg('nic-a') },
        },
      ],
    },
  ],
};

const vnet: VirtualNetwork = {
  id: VNET,
  name: 'vnet',
  addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
  subnets: [
    {
      id: SUBNET,
      name: 'snet',
      addressPrefix: '10.0.1.0/24',
      networkSecurityGroup: { id: id.nsg('nsg-snet') },
      routeTable: { id: `${NET}/routeTables/rt` },
    },
  ],
};
const nsgSnet: NetworkSecurityGroup = {
  id: id.nsg('nsg-snet'),
  name: 'nsg-snet',
  securityRules: [
    {
      name: 'allow-web',
      priority: 200,
      access: 'Allow',
      direction: 'Inbound',
      protocol: 'Tcp',
      destinationApplicationSecurityGroups: [{ id: id.asg('asg-web') }],
    },
  ],
};
const nsgA: NetworkSecurityGroup = { id: id.nsg('nsg-a'), name: 'nsg-a', securityRules: [] };
const rt: RouteTable = {
  id: `${NET}/routeTables/rt`,
  name: 'rt',
  routes: [
    {
      name: 'default',
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.2.4',
    },
  ],
};
const nicA = nic('nic-a', '10.0.1.4', {
  virtualMachine: { id: id.vm('a') },
  networkSecurityGroup: { id: id.nsg('nsg-a') },
});
nicA.ipConfigurations![0]!.applicationSecurityGroups = [{ id: id.asg('asg-web') }];
const nicB = nic('nic-b', '10.0.1.5', {
  virtualMachine: { id: id.vm('b') },
  networkSecurityGroup: { id: id.nsg('nsg-b-missing') },
});
const nicC = nic('nic-c', '10.0.1.9', { virtualMachine: { id: id.vm('c') } });
const nicSs = nic('nic-ss', '10.0.1.20', { virtualMachine: { id: `${VMSS}/virtualMachines/3` } }, VMSS_NIC);
const ssVm: VmRead = {
  kind: 'vmss-vm',
  vm: {
    id: `${VMSS}/virtualMachines/3`,
    name: 'ss_3',
    networkProfile: { networkInterfaces: [{ id: VMSS_NIC }] },
  } as never,
  instanceView: { statuses: [{ code: 'PowerState/stopped' }] },
};

function world(failures: Record<string, number> = { [id.vm('b')]: 403 }) {
  return fakeTopologyReader(
    [lb, vnet, nsgSnet, nsgA, rt, nicA, nicB, nicC, nicSs, { id: id.asg('asg-web'), name: 'asg-web' }],
    {
      vms: [vm('a'), vm('b'), vm('c'), ssVm],
      failures,
      nicScopes: { [RG]: [nicA, nicB, nicC] },
    },
  );
}

describe('discoverTopology', () => {
  it('follows pools to NICs, VMs, subnets, NSGs, ASGs and route tables', async () => {
    // Prepare
    const reader = world();
    // Act
    const topology = await discoverTopology(reader, LB);
    // Assess
    expect(topology.loadBalancer).toMatchObject({
      id: LB,
      sku: 'Standard',
      kind: 'public',
      subscriptionId: SUB,
      resourceGroup: 'rg',
    });
    expect(topology.pools).toEqual([
      { id: id.pool('be'), name: 'be', backendKeys: [id.cfg('nic-a'), id.cfg('nic-b'), VMSS_CFG] },
      {
        id: id.pool('be-ip'),
        name: 'be-ip',
        backendKeys: [
          id.cfg('nic-c'),
          `${id.pool('be-ip')}/loadBalancerBackendAddresses/bare`,
          id.cfg('nic-a'),
        ],
      },
    ]);
    const byKey = Object.fromEntries(topology.backends.map((b) => [b.key, b]));
    expect(byKey[id.cfg('nic-a')]).toEqual({
      key: id.cfg('nic-a'),
      membership: 'nic',
      poolIds: [id.pool('be'), id.pool('be-ip')],
      ipConfigurationId: id.cfg('nic-a'),
      nicId: id.nic('nic-a'),
      ipAddress: '10.0.1.4',
      subnetId: SUBNET,
      virtualNetworkId: VNET,
      asgIds: [id.asg('asg-web')],
      primaryNic: true,
      vmId: id.vm('a'),
    });
    expect(byKey[id.cfg('nic-c')]).toMatchObject({
      membership: 'ip',
      nicId: id.nic('nic-c'),
      vmId: id.vm('c'),
      ipAddress: '10.0.1.9',
    });
    expect(byKey[`${id.pool('be-ip')}/loadBalancerBackendAddresses/bare`]).toEqual({
      key: `${id.pool('be-ip')}/loadBalancerBackendAddresses/bare`,
      membership: 'ip',
      poolIds: [id.pool('be-ip')],
      ipAddress: '10.0.1.50',
      virtualNetworkId: VNET,
      subnetId: SUBNET,
      asgIds: [],
    });
    expect(byKey[VMSS_CFG]).toMatchObject({ nicId: VMSS_NIC, vmId: `${VMSS}/virtualMachines/3` });
    expect(topology.vms[idKey(`${VMSS}/virtualMachines/3`)]).toMatchObject({
      kind: 'vmss-vm',
      scaleSetId: VMSS,
      powerState: 'stopped',
    });
    expect(Object.keys(topology.vms).sort()).toEqual(
      [id.vm('a'), id.vm('c'), `${VMSS}/virtualMachines/3`].map(idKey).sort(),
    );
    expect(topology.subnets[idKey(SUBNET)]).toMatchObject({
      nsgId: id.nsg('nsg-snet'),
      routeTableId: `${NET}/routeTables/rt`,
      addressPrefixes: ['10.0.1.0/24'],
    });
    expect(Object.keys(topology.nsgs).sort()).toEqual([idKey(id.nsg('nsg-a')), idKey(id.nsg('nsg-snet'))]);
    expect(topology.routeTables[idKey(`${NET}/routeTables/rt`)]?.routes).toEqual([
      {
        name: 'default',
        addressPrefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.0.2.4',
      },
    ]);
    expect(topology.asgs).toEqual({ [idKey(id.asg('asg-web'))]: { id: id.asg('asg-web'), name: 'asg-web' } });
    expect(topology.problems).toEqual(
      expect.arrayContaining([
        {
          resourceId: id.nsg('nsg-b-missing'),
          kind: 'not-found',
          statusCode: 404,
          message: `getNetworkSecurityGroup ${id.nsg('nsg-b-missing')} failed (404)`,
          referencedBy: id.nic('nic-b'),
        },
        {
          resourceId: id.vm('b'),
          kind: 'forbidden',
          statusCode: 403,
          message: `getVirtualMachine ${id.vm('b')} failed (403 AuthorizationFailed)`,
          referencedBy: id.nic('nic-b'),
        },
      ]),
    );
    expect(topology.problems).toHaveLength(2);
  });

  it('reads each resource once', async () => {
    // Prepare
    const reader = world();
    // Act
    await discoverTopology(reader, LB);
    // Assess
    expect(reader.calls.length).toBe(new Set(reader.calls.map((c) => c.toLowerCase())).size);
    expect(reader.calls.filter((c) => c.startsWith('getVirtualNetwork '))).toEqual([
      `getVirtualNetwork ${VNET}`,
    ]);
    // The bare address is not in the resource group, so the subscription is listed too, once.
    expect(reader.calls.filter((c) => c.startsWith('listNetworkInterfaces ')).sort()).toEqual([
      `listNetworkInterfaces /subscriptions/${SUB}`,
      `listNetworkInterfaces ${RG}`,
    ]);
  });

  it('keeps no more reads in flight than the concurrency allows', async () => {
    // Prepare
    const reader = world({});
    let inFlight = 0;
    let peak = 0;
    const counted = Object.fromEntries(
      Object.entries(reader).map(([name, fn]) => [
        name,
        typeof fn === 'function'
          ? async (...args: unknown[]) => {
              inFlight += 1;
              peak = Math.max(peak, inFlight);
              await new Promise((r) => setImmediate(r));
              try {
                return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
              } finally {
                inFlight -= 1;
              }
            }
          : fn,
      ]),
    ) as unknown as typeof reader;
    // Act
    const topology = await discoverTopology(counted, LB, { concurrency: 2 });
    // Assess
    expect(peak).toBe(2);
    expect(topology.problems).toEqual([
      expect.objectContaining({ resourceId: id.nsg('nsg-b-missing'), kind: 'not-found' }),
    ]);
  });

  it.each([
    {
      status: 404,
      message: `load balancer not found: ${LB}: getLoadBalancer ${LB} failed (404 ResourceNotFound)`,
    },
    {
      status: 403,
      message: `load balancer access denied: ${LB}: getLoadBalancer ${LB} failed (403 AuthorizationFailed)`,
    },
    {
      status: 500,
      message: `load balancer cannot be read: ${LB}: getLoadBalancer ${LB} failed (500 InternalServerError)`,
    },
  ])('throws when the load balancer answers $status', async ({ status, message }) => {
    // Prepare
    const reader = world({ [LB]: status });
    // Act
    const result = discoverTopology(reader, LB);
    // Assess
    await expect(result).rejects.toThrow(AzureCallError);
    await expect(result).rejects.toMatchObject({ message, statusCode: status, resourceId: LB });
  });

  it('rejects an id that is not a load balancer before reading anything', async () => {
    // Prepare
    const reader = world();
    // Act
    const result = discoverTopology(reader, id.nic('nic-a'));
    // Assess
    await expect(result).rejects.toThrow(InvalidInputError);
    await expect(result).rejects.toThrow(
      `expected a Microsoft.Network/loadBalancers id, got Microsoft.Network/networkInterfaces: '${id.nic('nic-a')}'`,
    );
    expect(reader.calls).toEqual([]);
  });

  it('reports an IP configuration its NIC does not have', async () => {
    // Prepare
    const lonely: LoadBalancer = {
      ...lb,
      backendAddressPools: [
        {
          id: id.pool('be'),
          name: 'be',
          backendIPConfigurations: [{ id: `${id.nic('nic-a')}/ipConfigurations/gone` }],
        },
      ],
    };
    const reader = fakeTopologyReader([lonely, nicA, vnet, nsgA, nsgSnet, rt], { vms: [vm('a')] });
    // Act
    const topology = await discoverTopology(reader, LB);
    // Assess
    expect(topology.problems).toEqual([
      {
        resourceId: `${id.nic('nic-a')}/ipConfigurations/gone`,
        kind: 'not-found',
        message: `IP configuration ${id.nic('nic-a')}/ipConfigurations/gone is not on NIC ${id.nic('nic-a')}`,
        referencedBy: id.pool('be'),
      },
    ]);
  });
});

describe('discoverTopology, health first', () => {
  /** nic-a fails; nic-b, in the same virtual network, is up: the one peer candidate. */
  const focus = () =>
    Promise.resolve({
      failing: new Set([idKey(id.cfg('nic-a'))]),
      healthy: () => new Map([[idKey(id.cfg('nic-b')), { ipAddress: '10.0.1.5', up: true }]]),
    });

  it.each([
    [true, 'reads the healthy peer in depth when validation will test from it (fix mode)'],
    [false, 'reads no peer when nothing is validated (observe mode)'],
  ])('validationPeers %s: %s', async (validationPeers) => {
    // Prepare
    const reader = world({});

    // Act
    const topology = await discoverTopology(reader, LB, { focus, validationPeers });

    // Assess: the failing backend is read in depth either way; the peer's NIC and VM only for validation.
    expect(reader.calls).toContain(`getNetworkInterface ${id.nic('nic-a')}`);
    expect(reader.calls).toContain(`getVirtualMachine ${id.vm('a')}`);
    const peerReads = reader.calls.filter(
      (c) => c === `getNetworkInterface ${id.nic('nic-b')}` || c === `getVirtualMachine ${id.vm('b')}`,
    );
    expect(peerReads).toHaveLength(validationPeers ? 2 : 0);
    // The peer keeps the address the health gave it, read or not.
    expect(topology.backends.find((b) => b.key === id.cfg('nic-b'))?.ipAddress).toBe('10.0.1.5');
  });

  /** {@link focus}, noting in `calls` when discovery asks for its healthy members. */
  const recordingFocus = (calls: string[]) => async () => {
    const { failing, healthy } = await focus();
    return {
      failing,
      healthy: () => {
        calls.push('healthy members');
        return healthy();
      },
    };
  };

  it("sends the failing backends' reads before it goes through the healthy members", async () => {
    // Prepare: a focus that says when its healthy members are asked for.
    const reader = world({});

    // Act
    const topology = await discoverTopology(reader, LB, {
      focus: recordingFocus(reader.calls),
      validationPeers: true,
    });

    // Assess: the failing NIC first, then the pool's healthy members (once), then the peer's reads.
    const at = (call: string) => reader.calls.indexOf(call);
    expect(at(`getNetworkInterface ${id.nic('nic-a')}`)).toBeGreaterThanOrEqual(0);
    expect(at('healthy members')).toBeGreaterThan(at(`getNetworkInterface ${id.nic('nic-a')}`));
    expect(at(`getNetworkInterface ${id.nic('nic-b')}`)).toBeGreaterThan(at('healthy members'));
    expect(reader.calls.filter((c) => c === 'healthy members')).toHaveLength(1);
    expect(topology.backends.find((b) => b.key === id.cfg('nic-b'))?.ipAddress).toBe('10.0.1.5');

    // Act again, with the first failing backend's VM read first (its Run Command starts there), and
    // that read taking longer than a turn of the event loop, as a read over the network does.
    const first = world({});
    const readVm = first.getVirtualMachine.bind(first);
    first.getVirtualMachine = (vmId) =>
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => readVm(vmId));
    await discoverTopology(first, LB, {
      focus: recordingFocus(first.calls),
      failingVmsFirst: { count: 1, vmRead: () => first.calls.push('vmRead') },
    });

    // Assess: the pool waits for that VM's read and what it started.
    expect(first.calls.indexOf('healthy members')).toBeGreaterThan(first.calls.indexOf('vmRead'));
    expect(first.calls.indexOf('vmRead')).toBeGreaterThan(
      first.calls.indexOf(`getVirtualMachine ${id.vm('a')}`),
    );
  });

  it('hands over the rules before it resolves a single pool member', async () => {
    // Prepare
    const reader = world({});
    let rules: string[] = [];

    // Act
    await discoverTopology(reader, LB, {
      focus,
      rulesKnown: (view) => {
        rules = view.rules.map((r) => r.name);
        reader.calls.push('rulesKnown');
      },
    });

    // Assess: right after the load balancer's GET, before the IP-based members' NIC listing.
    expect(rules).toEqual(['r80']);
    expect(reader.calls.slice(0, 3)).toEqual([
      `getLoadBalancer ${LB}`,
      'rulesKnown',
      `listNetworkInterfaces ${RG}`,
    ]);
  });

  /**
   * `world({})` with the rules' own list: answered after `listDelay` turns of the event loop (the load
   * balancer's GET answers in one), or failing with `listStatus`.
   */
  function withRulesList(options: { listDelay?: number; listStatus?: number } = {}) {
    const reader = world({});
    const listLoadBalancingRules = async (loadBalancerId: string) => {
      reader.calls.push(`listLoadBalancingRules ${loadBalancerId}`);
      for (let turn = 0; turn < (options.listDelay ?? 0); turn++) await new Promise((r) => setImmediate(r));
      if (options.listStatus !== undefined) {
        throw new AzureCallError('list failed', loadBalancerId, options.listStatus, 'AuthorizationFailed');
      }
      return structuredClone(lb.loadBalancingRules ?? []);
    };
    const read = reader.getLoadBalancer.bind(reader);
    const getLoadBalancer = async (lbId: string) => {
      const answer = await read(lbId);
      await new Promise((r) => setImmediate(r));
      return answer;
    };
    return Object.assign(reader, { listLoadBalancingRules, getLoadBalancer });
  }

  it('hands over the rules from their own list before the load balancer has answered', async () => {
    // Prepare: the list answers after one turn of the event loop, before the load balancer does.
    const reader = withRulesList({ listDelay: 1 });
    const listed: string[][] = [];

    // Act
    const topology = await discoverTopology(reader, LB, {
      focus,
      rulesListed: (rules) => {
        listed.push(rules.map((r) => `${r.name} ${r.probeId ?? 'no probe'}`));
        reader.calls.push('rulesListed');
      },
      rulesKnown: () => reader.calls.push('rulesKnown'),
    });

    // Assess: the list is sent first, the load balancer right behind it, the rules handed over from
    // the list before the load balancer's answer; rulesKnown still comes, with the SKU.
    expect(reader.calls.slice(0, 4)).toEqual([
      `listLoadBalancingRules ${LB}`,
      `getLoadBalancer ${LB}`,
      'rulesListed',
      'rulesKnown',
    ]);
    expect(listed).toEqual([[`r80 ${LB}/probes/p80`]]);
    expect(topology.rules.map((r) => r.name)).toEqual(['r80']);
  });

  it.each([
    ['answers after the load balancer', { listDelay: 3 }],
    ['fails (a role without loadBalancingRules/read)', { listStatus: 403 }],
  ])('hands over nothing from the list when it %s, and discovers the same', async (_case, options) => {
    // Prepare
    const reader = withRulesList(options);
    const calls: string[] = [];
    const plain = await discoverTopology(world({}), LB, { focus });

    // Act
    const topology = await discoverTopology(reader, LB, {
      focus,
      rulesListed: () => calls.push('rulesListed'),
      rulesKnown: () => calls.push('rulesKnown'),
    });
    await new Promise((r) => setTimeout(r, 10));

    // Assess: no problem recorded for the list, the rules from the load balancer's answer.
    expect(calls).toEqual(['rulesKnown']);
    expect(topology).toEqual(plain);
  });

  it('starts nothing from a list that answers after the load balancer could not be read, and aborts it', async () => {
    // Prepare: the load balancer's GET fails at once; the list answers a few turns later.
    const reader = withRulesList({ listDelay: 3 });
    const failing = world({ [LB]: 500 });
    const calls: string[] = [];
    let signal: AbortSignal | undefined;
    const list = reader.listLoadBalancingRules;
    const listing = Object.assign(failing, {
      listLoadBalancingRules: (id: string, options?: { abortSignal?: AbortSignal }) => {
        signal = options?.abortSignal;
        return list(id);
      },
    });

    // Act
    await expect(
      discoverTopology(listing, LB, { focus, rulesListed: () => calls.push('rulesListed') }),
    ).rejects.toThrow(/load balancer cannot be read/);
    await new Promise((r) => setTimeout(r, 10));

    // Assess
    expect(calls).toEqual([]);
    expect(signal?.aborted).toBe(true);
  });

  it('sends the list outside the read limit: a list that never answers holds nothing back', async () => {
    // Prepare: one read at a time, and a list that never answers.
    const reader = Object.assign(world({}), {
      listLoadBalancingRules: () => new Promise<never>(() => undefined),
    });
    const plain = await discoverTopology(world({}), LB, { focus, concurrency: 1 });

    // Act: bounded, so a discovery stuck behind the list fails here rather than at jest's timeout.
    const outcome = await Promise.race([
      discoverTopology(reader, LB, { focus, concurrency: 1, rulesListed: () => undefined }),
      new Promise<'still waiting after 2 s'>((r) =>
        setTimeout(() => r('still waiting after 2 s'), 2000).unref(),
      ),
    ]);

    // Assess
    expect(outcome).toEqual(plain);
  });

  it('does not list the rules for a caller that does not ask for them', async () => {
    // Prepare
    const reader = withRulesList();

    // Act
    await discoverTopology(reader, LB, { focus, rulesKnown: () => undefined });

    // Assess
    expect(reader.calls.some((c) => c.startsWith('listLoadBalancingRules'))).toBe(false);
  });

  it('finds a peer VM afterwards when discovery read none, leaving the topology as it was', async () => {
    // Prepare: an observe-mode discovery (no peer), then a reader where b's VM runs Linux.
    const topology = await discoverTopology(world({}), LB, { focus, validationPeers: false });
    const linuxB: VmRead = {
      kind: 'vm',
      vm: { ...vm('b').vm, storageProfile: { osDisk: { osType: 'Linux' } } } as never,
    };
    const reader = fakeTopologyReader([lb, vnet, nsgSnet, nsgA, rt, nicA, nicB], { vms: [vm('a'), linuxB] });
    const before = JSON.stringify(topology);
    const byKey = (key: string) => topology.backends.filter((b) => b.key === key);

    // Act
    const peer = await findPeerVm(reader, topology, byKey(id.cfg('nic-a')), byKey(id.cfg('nic-b')));

    // Assess
    expect(peer).toBe(id.vm('b'));
    expect(reader.calls).toContain(`getNetworkInterface ${id.nic('nic-b')}`);
    expect(JSON.stringify(topology)).toBe(before);
  });
});
