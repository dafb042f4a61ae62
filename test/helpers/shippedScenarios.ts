/**
 * The scenarios shipped in scenarios/*.json, as builder code. The JSON files are generated from here
 * and test/scenarios/scenarios.test.ts checks that they still equal the builder's output; to
 * regenerate after a change: `UPDATE_SCENARIOS=1 npx jest test/scenarios`.
 *
 * Expectations follow Azure's documented semantics (/work/shared/notes/probe-facts.md), not what any
 * code happens to do: verdicts are for `diagnose --json` (observe mode, nothing written); `fixVerdict`
 * is given where the outcome of `--fix` is clear.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NsgRuleSpec, ScenarioBuilder, ScenarioDocument } from './scenarioBuilder';
import { scenario } from './scenarioBuilder';

/** An ordinary web subnet NSG: web traffic from anywhere, management from the Bastion subnet. */
const WEB_BASELINE: NsgRuleSpec[] = [
  {
    name: 'AllowHttpHttpsInbound',
    priority: 1000,
    access: 'Allow',
    protocol: 'Tcp',
    source: '*',
    ports: ['80', '443'],
    description: 'Public web traffic through lb-web-prod',
  },
  {
    name: 'AllowManagementFromBastion',
    priority: 1100,
    access: 'Allow',
    protocol: 'Tcp',
    source: '10.10.255.0/26',
    ports: ['22', '3389'],
    description: 'SSH/RDP from AzureBastionSubnet only',
  },
];

/** The portal's per-VM NIC NSG: one SSH rule at 300. */
const PORTAL_NIC_NSG: NsgRuleSpec[] = [
  { name: 'SSH', priority: 300, access: 'Allow', protocol: 'Tcp', source: '*', ports: '22' },
];

const LINUX_WEB = (port = 80) => [
  { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
  { protocol: 'tcp' as const, address: '0.0.0.0', port, process: 'nginx' },
];

/** A public Standard load balancer `lb-web-prod` in front of `snet-web` (10.10.1.0/24). */
function webTier(
  name: string,
  probe: { protocol: 'Tcp' | 'Http' | 'Https'; port: number; path?: string } = {
    protocol: 'Http',
    port: 80,
    path: '/healthz',
  },
): ScenarioBuilder {
  return scenario(name, { resourceGroup: 'rg-web-prod' })
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web', '10.10.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', WEB_BASELINE)
    .lb({ name: 'lb-web-prod', probe, rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 } });
}

function healthy(): ScenarioBuilder {
  return webTier('healthy')
    .description(
      'Three Linux web servers behind a public Standard load balancer, HTTP probe GET /healthz on 80. ' +
        'Everything is up: the subnet NSG allows 80 from anywhere and keeps the default AllowAzureLoadBalancerInBound; ' +
        'nginx listens on 0.0.0.0:80 and answers 200. Expected: verdict healthy, no causes, nothing to fix.',
    )
    .vm('web-0', { zone: '1' })
    .vm('web-1', { zone: '2' })
    .vm('web-2', { zone: '3' })
    .expect({
      verdict: 'healthy',
      fixVerdict: 'healthy',
      causes: [],
      backends: { 'web-0': [], 'web-1': [], 'web-2': [] },
    });
}

/** The demo: an internal LB for an orders API whose subnet got a security baseline. */
function ordersDenyAll(name: string): ScenarioBuilder {
  const app = (n: number, nic: string, subnet: string, zone: string) => ({
    zone,
    nics: [{ name: nic, subnet, nsg: `vm-orders-0${n}-nsg`, pools: ['pool-orders'] }],
    guest: {
      listening: [
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 8080, process: 'dotnet' },
        { protocol: 'tcp' as const, address: '127.0.0.1', port: 6379, process: 'redis-server' },
      ],
      http: [{ port: 8080, path: '/health', status: 200 }],
      firewallTool: 'nftables' as const,
    },
  });
  const baseline = (deny: boolean): NsgRuleSpec[] => [
    {
      name: 'AllowOrdersApiFromVnet',
      priority: 1000,
      access: 'Allow',
      protocol: 'Tcp',
      // CIDRs, not the VirtualNetwork tag: the tag would also cover 168.63.129.16 and admit the probe.
      source: ['10.20.0.0/16', '10.0.0.0/16'],
      destination: '*',
      ports: ['8080'],
      description: 'Orders API for clients in vnet-orders-prod and the hub VNet (10.0.0.0/16)',
    },
    {
      name: 'AllowSshFromBastion',
      priority: 1100,
      access: 'Allow',
      protocol: 'Tcp',
      source: '10.20.255.0/26',
      ports: '22',
    },
    ...(deny
      ? [
          {
            name: 'DenyAllInbound-Baseline',
            priority: 4000,
            access: 'Deny' as const,
            protocol: '*',
            source: '*',
            destination: '*',
            ports: '*',
            description: 'Security baseline: deny everything not explicitly allowed (CHG0042113)',
          },
        ]
      : []),
  ];
  return scenario(name, { resourceGroup: 'rg-orders-prod', location: 'westeurope' })
    .realArmQuirks()
    .vnet('vnet-orders-prod', ['10.20.0.0/16'])
    .subnet('snet-app-a', '10.20.1.0/24', { nsg: 'nsg-snet-app-a' })
    .subnet('snet-app-b', '10.20.2.0/24', { nsg: 'nsg-snet-app-b' })
    .nsg('nsg-snet-app-a', baseline(true))
    .nsg('nsg-snet-app-b', baseline(false))
    .nsg('vm-orders-01-nsg', PORTAL_NIC_NSG)
    .nsg('vm-orders-02-nsg', PORTAL_NIC_NSG)
    .nsg('vm-orders-03-nsg', PORTAL_NIC_NSG)
    .lb({
      name: 'lbi-orders-prod',
      frontend: { name: 'fe-orders', subnet: 'snet-app-a', privateIp: '10.20.1.100' },
      probe: {
        name: 'probe-orders-health',
        protocol: 'Http',
        port: 8080,
        path: '/health',
        intervalInSeconds: 5,
        probeThreshold: 2,
        numberOfProbes: 2,
      },
      rule: { name: 'rule-orders-http', frontendPort: 80, backendPort: 8080 },
      pool: 'pool-orders',
    })
    .vm('vm-orders-01', app(1, 'vm-orders-01527', 'snet-app-a', '1'))
    .vm('vm-orders-02', app(2, 'vm-orders-02913', 'snet-app-a', '2'))
    .vm('vm-orders-03', app(3, 'vm-orders-03248', 'snet-app-b', '3'))
    .expect({
      verdict: 'action-required',
      fixVerdict: 'resolved',
      causes: [],
      backends: {
        'vm-orders-01': ['nsg-blocks-probe'],
        'vm-orders-02': ['nsg-blocks-probe'],
        'vm-orders-03': [],
      },
      evidence: {
        'vm-orders-01': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-app-a',
            ruleName: 'DenyAllInbound-Baseline',
            priority: 4000,
            level: 'subnet',
          },
        },
        'vm-orders-02': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-app-a',
            ruleName: 'DenyAllInbound-Baseline',
            priority: 4000,
            level: 'subnet',
          },
        },
      },
    });
}

const ORDERS_TEXT =
  'Internal Standard load balancer lbi-orders-prod: frontend 10.20.1.100:80 -> backend 8080, HTTP probe GET /health on 8080. ' +
  'A security baseline added a custom DenyAllInbound-Baseline (priority 4000, * from *) to nsg-snet-app-a. ' +
  "The subnet's allow rule admits 8080 only from the client address ranges written as CIDRs (vnet-orders-prod 10.20.0.0/16 and " +
  'the hub 10.0.0.0/16), which do not hold 168.63.129.16 (the VirtualNetwork service tag would: it includes the host virtual IP), ' +
  'so the probe falls through to the deny at 4000 before the default rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001) are reached. ' +
  'vm-orders-01 and -02 (snet-app-a) are down with nsg-blocks-probe (subnet level, rule DenyAllInbound-Baseline, 4000); ' +
  'vm-orders-03 in snet-app-b (baseline not rolled out yet) is up and serves as the healthy peer. ' +
  'The NIC NSGs (portal default, SSH only) allow the probe through the default rules. ' +
  "vm-orders-03's validation ping to 8080 on the fixed backends comes from 10.20.2.0/24, inside the allowed client range. " +
  'The evaluated port must be the probe port 8080, not the frontend port 80. ' +
  'The safe fix is an Allow for AzureLoadBalancer on TCP 8080 at a free priority below 4000 in nsg-snet-app-a; with --fix the verdict becomes resolved. ' +
  'ARM quirks on purpose: back-references spell the resource group RG-ORDERS-PROD, and the NIC-based pool also lists its members in loadBalancerBackendAddresses.';

function nsgDenyAll(): ScenarioBuilder {
  return ordersDenyAll('nsg-deny-all-blocks-probe').description(ORDERS_TEXT);
}

function adminRuleBlocksProbe(): ScenarioBuilder {
  const adminEvidence = {
    'nsg-blocks-probe': {
      adminRule: true,
      fixable: false,
      level: 'admin',
      ruleName: 'Deny-Http-Plaintext',
      priority: 10,
    },
  };
  return scenario('admin-rule-blocks-probe', { resourceGroup: 'rg-web-prod' })
    .description(
      'The platform team deployed an Azure Virtual Network Manager security admin configuration (cfg-baseline, network ' +
        'manager nm-platform) to vnet-web-prod: Deny-Http-Plaintext denies TCP 80 from * at priority 10. Admin rules are ' +
        'evaluated before every NSG and have no AllowAzureLoadBalancerInBound default, so the probe from 168.63.129.16 to ' +
        'port 80 is dropped on all three backends although nsg-snet-web allows it. Expected: every backend nsg-blocks-probe ' +
        '(level admin, not fixable); no NSG rule can override an admin deny, so nothing is written and even --fix says action-required ' +
        '(no support ticket): the admin configuration belongs to the customer platform team.',
    )
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web', '10.10.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', WEB_BASELINE)
    .securityAdminRule({
      name: 'Deny-Http-Plaintext',
      priority: 10,
      access: 'Deny',
      protocol: 'Tcp',
      source: '*',
      ports: '80',
      networkManager: 'nm-platform',
      configurationName: 'cfg-baseline',
    })
    .lb({
      name: 'lbi-web-prod',
      sku: 'Standard',
      frontend: { name: 'fe-web', subnet: 'snet-web', privateIp: '10.10.1.100' },
      probe: { protocol: 'Http', port: 80, path: '/healthz' },
      rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 },
    })
    .vm('web-0', { zone: '1' })
    .vm('web-1', { zone: '2' })
    .vm('web-2', { zone: '3' })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: {
        'web-0': ['nsg-blocks-probe'],
        'web-1': ['nsg-blocks-probe'],
        'web-2': ['nsg-blocks-probe'],
      },
      evidence: { 'web-0': adminEvidence, 'web-1': adminEvidence, 'web-2': adminEvidence },
    });
}

function faultsThrottle(): ScenarioBuilder {
  return ordersDenyAll('faults-throttle')
    .description(
      'The nsg-deny-all-blocks-probe environment with ARM misbehaving reproducibly (seed 7): 20% of requests get 429 with Retry-After, ' +
        '5% get 500/503, 10% of writes get 409 AnotherOperationInProgress. The diagnosis and fix must be the same as without faults: ' +
        'vm-orders-01 and -02 nsg-blocks-probe (subnet, DenyAllInbound-Baseline, 4000), vm-orders-03 healthy; --fix resolves it. ' +
        ORDERS_TEXT,
    )
    .faults({ seed: 7, throttleRate: 0.2, serverErrorRate: 0.05, conflictRate: 0.1, retryAfterSeconds: 1 });
}

function wrongPort(): ScenarioBuilder {
  return webTier('wrong-port-listener', { protocol: 'Tcp', port: 80 })
    .description(
      'TCP probe on 80. A release changed nginx on web-1 to listen on 0.0.0.0:8080 only, so nothing answers on 80 there: ' +
        'the probe gets a RST and web-1 is down. Expected: web-1 not-listening on 80, with 8080 reported as the listening ' +
        'alternative (fix the app, or point the probe and rule at 8080); web-0 and web-2 are healthy. No NSG or firewall problem.',
    )
    .vm('web-0')
    .vm('web-1', { guest: { listening: LINUX_WEB(8080) } })
    .vm('web-2')
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': ['not-listening'], 'web-2': [] },
    });
}

function vmStopped(): ScenarioBuilder {
  return webTier('vm-stopped')
    .description(
      'web-2 was stopped from the portal (deallocated). Deallocated VMs are not probed and are out of rotation. ' +
        'Expected: web-2 vm-not-running and nothing else (its guest cannot be inspected; agent status is absent, which is ' +
        'not a separate vm-unhealthy finding); web-0 and web-1 healthy. Starting a VM is not a network fix to apply unasked.',
    )
    .vm('web-0')
    .vm('web-1')
    .vm('web-2', { guest: { powerState: 'deallocated', agentReady: false } })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': [], 'web-2': ['vm-not-running'] },
    });
}

function agentNotReady(): ScenarioBuilder {
  return webTier('agent-not-ready')
    .description(
      'web-1 is running but hung (kernel soft lockups under memory pressure): the guest agent reports Not Ready, Resource Health ' +
        'says Unavailable, and nothing in the guest answers, so the probe times out. Run Command needs a ready agent, so the ' +
        'guest cannot be inspected. Expected: web-1 vm-unhealthy only (no guess about listeners or firewall from a guest that ' +
        'could not be read); web-0 and web-2 healthy. Restart/redeploy is for a person to decide: action-required.',
    )
    .vm('web-0')
    .vm('web-1', { guest: { agentReady: false, resourceHealth: 'Unavailable', listening: [], http: [] } })
    .vm('web-2')
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': ['vm-unhealthy'], 'web-2': [] },
    });
}

function httpProbe500(): ScenarioBuilder {
  return webTier('http-probe-500')
    .description(
      'Three Windows Server 2022 IIS servers, HTTP probe GET /healthz on 80. On web-0 the health page answers 500 (its ' +
        'database connection string was rotated): IIS listens and the handshake succeeds, but only 200 is healthy, so the ' +
        'probe is Down_Probe_HttpStatusCodeError. Expected: web-0 probe-endpoint-error; web-1 and web-2 healthy. ' +
        'Nothing network-side to fix.',
    )
    .vm('web-0', { os: 'windows', guest: { http: [{ port: 80, path: '/healthz', status: 500 }] } })
    .vm('web-1', { os: 'windows' })
    .vm('web-2', { os: 'windows' })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': ['probe-endpoint-error'], 'web-1': [], 'web-2': [] },
    });
}

function guestFirewallDrop(): ScenarioBuilder {
  return webTier('guest-firewall-drop')
    .description(
      'web-1 has an iptables INPUT rule that drops TCP 80 from 168.63.129.16 (added by a hardening script that meant to ' +
        'fence off the WireServer). NSGs allow the probe and nginx listens, but the probe is silently dropped in the guest: ' +
        'Down_Probe_HttpEndpointUnreachable/timeout. Expected: web-1 guest-firewall-blocks-probe; web-0 and web-2 healthy.',
    )
    .vm('web-0')
    .vm('web-1', {
      guest: {
        firewallTool: 'iptables',
        firewall: [
          { action: 'allow', protocol: 'tcp', port: 22, source: '10.10.255.0/26' },
          { action: 'deny', protocol: 'tcp', port: 80, source: '168.63.129.16/32' },
        ],
      },
    })
    .vm('web-2')
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': ['guest-firewall-blocks-probe'], 'web-2': [] },
    });
}

/**
 * The web tier with a NIC NSG on each VM, web-0's also holding `deny` at priority 200 (all ports):
 * the probe is blocked at level nic on web-0 only, and `fixVerdict` says what --fix ends with.
 */
function webTierWithNicDeny(
  name: string,
  description: string,
  deny: { name: string; source: string; description: string },
  fixVerdict: 'resolved' | 'action-required',
): ScenarioBuilder {
  return webTier(name)
    .description(description)
    .nsg('nsg-web-0-nic', [
      ...PORTAL_NIC_NSG,
      { ...deny, priority: 200, access: 'Deny', protocol: '*', destination: '*', ports: '*' },
    ])
    .nsg('nsg-web-1-nic', PORTAL_NIC_NSG)
    .nsg('nsg-web-2-nic', PORTAL_NIC_NSG)
    .vm('web-0', { nicNsg: 'nsg-web-0-nic' })
    .vm('web-1', { nicNsg: 'nsg-web-1-nic' })
    .vm('web-2', { nicNsg: 'nsg-web-2-nic' })
    .expect({
      verdict: 'action-required',
      fixVerdict,
      causes: [],
      backends: { 'web-0': ['nsg-blocks-probe'], 'web-1': [], 'web-2': [] },
      evidence: {
        'web-0': {
          'nsg-blocks-probe': { nsg: 'nsg-web-0-nic', ruleName: deny.name, priority: 200, level: 'nic' },
        },
      },
    });
}

function nicNsgDenyLbTag(): ScenarioBuilder {
  return webTierWithNicDeny(
    'nic-nsg-deny-lb-tag',
    'Each VM has its own NIC NSG. On web-0 someone added DenyAzureLoadBalancerInbound (priority 200, Deny from the ' +
      'AzureLoadBalancer tag, all ports) to nsg-web-0-nic. Inbound, both the subnet NSG and the NIC NSG must allow; the ' +
      'subnet NSG does, the NIC NSG denies. Expected: web-0 nsg-blocks-probe at level nic (nsg-web-0-nic, ' +
      'DenyAzureLoadBalancerInbound, 200); web-1 and web-2 healthy. An allow for AzureLoadBalancer on TCP 80 at a priority ' +
      'below 200 in nsg-web-0-nic outranks the deny: with --fix, resolved.',
    {
      name: 'DenyAzureLoadBalancerInbound',
      source: 'AzureLoadBalancer',
      description: 'CIS hardening: no platform-originated inbound',
    },
    'resolved',
  );
}

/**
 * The lockdown counterpart of nic-nsg-deny-lb-tag: the NIC NSG of web-0 denies every source, not only
 * the AzureLoadBalancer tag. Opening the probe alone would put web-0 back in rotation with every client
 * still denied (found by probe-doctor's own review; the load balancer sends new flows to backends whose
 * probe is up, learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview).
 */
function nicNsgQuarantine(): ScenarioBuilder {
  return webTierWithNicDeny(
    'nic-nsg-quarantine-denies-clients',
    'Each VM has its own NIC NSG. web-0 is quarantined: nsg-web-0-nic holds DenyAllInbound-Quarantine (priority 200, ' +
      'Deny from any source, all ports), so the subnet NSG lets clients and the probe in and the NIC NSG drops them ' +
      'all. Expected: web-0 nsg-blocks-probe at level nic (nsg-web-0-nic, DenyAllInbound-Quarantine, 200); web-1 and ' +
      'web-2 healthy. An allow for AzureLoadBalancer alone would bring web-0 back into rotation with every client ' +
      'still denied: with --fix, nothing is written and the fix is skipped saying so (action-required).',
    {
      name: 'DenyAllInbound-Quarantine',
      source: '*',
      description: 'Quarantined by the SOC pending investigation',
    },
    'action-required',
  );
}

function secondaryNicReplyRoute(): ScenarioBuilder {
  const nics = (n: number) => [
    { name: `app-${n}-nic-mgmt`, subnet: 'snet-mgmt', pools: [] },
    { name: `app-${n}-nic-app`, subnet: 'snet-app', pools: ['pool-app'] },
  ];
  const listening = [
    { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
    { protocol: 'tcp' as const, address: '0.0.0.0', port: 443, process: 'haproxy' },
  ];
  return scenario('secondary-nic-reply-route', { resourceGroup: 'rg-app-prod' })
    .description(
      'Dual-NIC Linux VMs: eth0 (primary, snet-mgmt 10.30.0.0/24) and eth1 (secondary, snet-app 10.30.1.0/24). The pool ' +
        "holds the secondary NICs' IP configurations; TCP probe on 443. app-0 and app-2 use source-based policy routing, so " +
        'replies leave by the NIC the probe arrived on. app-1 has only the main table that cloud-init writes: default and ' +
        '168.63.129.16/32 via 10.30.0.1 dev eth0, so the reply to the probe that arrived on eth1 leaves by eth0 and is ' +
        'dropped: the probe times out. Expected: app-1 route-diverts-probe; app-0 and app-2 healthy. Not an Azure UDR problem ' +
        '(UDRs do not apply to 168.63.129.16): the fix is guest routing, for a person.',
    )
    .vnet('vnet-app-prod', ['10.30.0.0/16'])
    .subnet('snet-mgmt', '10.30.0.0/24', { nsg: 'nsg-snet-mgmt' })
    .subnet('snet-app', '10.30.1.0/24', { nsg: 'nsg-snet-app' })
    .nsg('nsg-snet-mgmt', [
      {
        name: 'AllowSshFromBastion',
        priority: 1000,
        access: 'Allow',
        protocol: 'Tcp',
        source: '10.30.255.0/26',
        ports: '22',
      },
    ])
    .nsg('nsg-snet-app', [
      {
        name: 'AllowHttpsFromVnet',
        priority: 1000,
        access: 'Allow',
        protocol: 'Tcp',
        source: 'VirtualNetwork',
        ports: '443',
      },
    ])
    .lb({
      name: 'lbi-app-prod',
      frontend: { name: 'fe-app', subnet: 'snet-app', privateIp: '10.30.1.100' },
      probe: { name: 'probe-https-tcp', protocol: 'Tcp', port: 443 },
      rule: { name: 'rule-https', frontendPort: 443, backendPort: 443 },
      pool: 'pool-app',
    })
    .vm('app-0', { nics: nics(0), guest: { listening } })
    .vm('app-1', {
      nics: nics(1),
      guest: {
        listening,
        routes: [
          { destination: '0.0.0.0/0', gateway: '10.30.0.1', device: 'eth0' },
          { destination: '10.30.0.0/24', device: 'eth0' },
          { destination: '10.30.1.0/24', device: 'eth1' },
          { destination: '168.63.129.16/32', gateway: '10.30.0.1', device: 'eth0' },
          { destination: '169.254.169.254/32', gateway: '10.30.0.1', device: 'eth0' },
        ],
      },
    })
    .vm('app-2', { nics: nics(2), guest: { listening } })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'app-0': [], 'app-1': ['route-diverts-probe'], 'app-2': [] },
    });
}

function udrHealthy(): ScenarioBuilder {
  return scenario('udr-to-appliance-healthy', { resourceGroup: 'rg-web-prod' })
    .description(
      'Forced tunnelling: rt-snet-web sends 0.0.0.0/0 to a firewall appliance (VirtualAppliance 10.10.100.4) and is ' +
        'associated with the backend subnet. It looks like it should break the probe, but 168.63.129.16 is a host-node ' +
        'virtual IP that user-defined routes do not apply to, and clients in the VNet reach the internal frontend over the ' +
        'more specific VnetLocal route. The UDR also widens the VirtualNetwork service tag: it includes the address prefixes ' +
        'used on UDRs, so on this subnet VirtualNetwork covers 0.0.0.0/0 and the default AllowVnetInBound admits every source ' +
        '(the effective rules list 0.0.0.0/0 in its expansion). All probes are up. Expected: verdict healthy, no causes; ' +
        'blaming the UDR would be a false diagnosis.',
    )
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web', '10.10.1.0/24', { nsg: 'nsg-snet-web', routeTable: 'rt-snet-web' })
    .subnet('snet-firewall', '10.10.100.0/24')
    .nsg('nsg-snet-web', WEB_BASELINE)
    .routeTable('rt-snet-web', [
      {
        name: 'default-via-firewall',
        addressPrefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.10.100.4',
      },
    ])
    .lb({
      name: 'lbi-web-prod',
      frontend: { name: 'fe-web', subnet: 'snet-web', privateIp: '10.10.1.100' },
      probe: { protocol: 'Http', port: 80, path: '/healthz' },
      rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 },
    })
    .vm('web-0')
    .vm('web-1')
    .vm('web-2')
    .expect({
      verdict: 'healthy',
      fixVerdict: 'healthy',
      causes: [],
      backends: { 'web-0': [], 'web-1': [], 'web-2': [] },
    });
}

function probeMisconfigured(): ScenarioBuilder {
  const postfix = [
    { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
    { protocol: 'tcp' as const, address: '0.0.0.0', port: 25, process: 'master' },
  ];
  return scenario('probe-misconfigured-http-port-25', { resourceGroup: 'rg-mail-prod' })
    .description(
      'An internal SMTP relay pool (postfix on 25). Someone changed the probe from TCP to HTTP on port 25 with path /. ' +
        'HTTP probes cannot use port 25 (nor 19, 21, 70, 110, 119, 143, 220, 993), and postfix would not answer HTTP anyway, ' +
        'so every backend is down although each relay is fine. Expected: the load-balancer cause probe-misconfigured ' +
        '(protocol/port), and no per-backend cause: the relays listen, nothing blocks them. The fix (probe back to TCP 25) ' +
        'is a configuration change for a person.',
    )
    .vnet('vnet-mail-prod', ['10.50.0.0/16'])
    .subnet('snet-relay', '10.50.1.0/24', { nsg: 'nsg-snet-relay' })
    .nsg('nsg-snet-relay', [
      {
        name: 'AllowSmtpFromVnet',
        priority: 1000,
        access: 'Allow',
        protocol: 'Tcp',
        source: 'VirtualNetwork',
        ports: '25',
      },
    ])
    .lb({
      name: 'lbi-smtp-relay',
      frontend: { name: 'fe-smtp', subnet: 'snet-relay', privateIp: '10.50.1.25' },
      probe: { name: 'probe-smtp', protocol: 'Http', port: 25, path: '/' },
      rule: { name: 'rule-smtp', frontendPort: 25, backendPort: 25 },
      pool: 'pool-relay',
    })
    .vm('relay-0', { guest: { listening: postfix, http: [] } })
    .vm('relay-1', { guest: { listening: postfix, http: [] } })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: ['probe-misconfigured'],
      backends: { 'relay-0': [], 'relay-1': [] },
    });
}

function emptyPool(): ScenarioBuilder {
  return webTier('empty-backend-pool')
    .description(
      'The web VMs were redeployed with new NICs and nobody added them back to pool-web: the rule points at an empty pool. ' +
        'Expected: the load-balancer cause backend-pool-empty and no backends at all. The three VMs are fine but are not ' +
        'members, so they must not be reported as backends.',
    )
    .vm('web-0', { pools: [] })
    .vm('web-1', { pools: [] })
    .vm('web-2', { pools: [] })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: ['backend-pool-empty'],
      backends: {},
    });
}

function hiddenFailure(): ScenarioBuilder {
  return webTier('hidden-failure-unknown')
    .description(
      'Every check passes on web-2 (running, agent ready, NSGs allow, no guest firewall, nginx answers 200 on /healthz, ' +
        'replies leave by the right NIC) and yet its probe is down: a platform-side fault no customer-visible check can see. ' +
        'Expected: web-2 unknown, Microsoft must look (a support ticket with every finding attached; escalated with --fix); web-0 and web-1 healthy. No fix may be invented.',
    )
    .vm('web-0')
    .vm('web-1')
    .vm('web-2', { guest: { hiddenProbeFailure: true, tcpTimestamps: true } })
    .networkWatcher()
    .expect({
      verdict: 'action-required',
      fixVerdict: 'escalated',
      causes: [],
      backends: { 'web-0': [], 'web-1': [], 'web-2': ['unknown'] },
    });
}

function denyAt100(): ScenarioBuilder {
  const lockdown: NsgRuleSpec = {
    name: 'DenyAllInbound-IncidentLockdown',
    priority: 100,
    access: 'Deny',
    protocol: '*',
    source: '*',
    destination: '*',
    ports: '*',
    description: 'INC0781234: isolate subnet during investigation',
  };
  return scenario('deny-at-priority-100', { resourceGroup: 'rg-web-prod' })
    .description(
      'During an incident someone put DenyAllInbound-IncidentLockdown (Deny * from *, priority 100) on nsg-snet-web-a. ' +
        '100 is the highest priority a custom rule can have, so no allow rule can outrank it: the safe fix is impossible ' +
        'and removing a deliberate lockdown is for a person. Expected: web-0 and web-1 nsg-blocks-probe (subnet, ' +
        'nsg-snet-web-a, DenyAllInbound-IncidentLockdown, 100); web-2 in snet-web-b healthy; action-required even with --fix.',
    )
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web-a', '10.10.1.0/24', { nsg: 'nsg-snet-web-a' })
    .subnet('snet-web-b', '10.10.2.0/24', { nsg: 'nsg-snet-web-b' })
    .nsg('nsg-snet-web-a', [lockdown, ...WEB_BASELINE])
    .nsg('nsg-snet-web-b', WEB_BASELINE)
    .lb({
      name: 'lb-web-prod',
      probe: { protocol: 'Http', port: 80, path: '/healthz' },
      rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 },
    })
    .vm('web-0', { subnet: 'snet-web-a' })
    .vm('web-1', { subnet: 'snet-web-a' })
    .vm('web-2', { subnet: 'snet-web-b' })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': ['nsg-blocks-probe'], 'web-1': ['nsg-blocks-probe'], 'web-2': [] },
      evidence: {
        'web-0': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-web-a',
            ruleName: 'DenyAllInbound-IncidentLockdown',
            priority: 100,
            level: 'subnet',
          },
        },
        'web-1': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-web-a',
            ruleName: 'DenyAllInbound-IncidentLockdown',
            priority: 100,
            level: 'subnet',
          },
        },
      },
    });
}

function vmssBackend(): ScenarioBuilder {
  return webTier('vmss-backend')
    .description(
      'A Uniform scale set vmss-web (instances 0, 1 and 3; 2 was scaled in) is the backend; HTTP probe /healthz on 80. ' +
        'On instance 1 an engineer left `ufw deny 80` from a debugging session, so ufw drops the probe. Health is per NIC ' +
        'IP configuration of each scale set VM (NIC under .../virtualMachines/1/networkInterfaces/vmss-web-nic). ' +
        'Expected: vmss-web/1 guest-firewall-blocks-probe; instances 0 and 3 healthy.',
    )
    .nsg('nsg-vmss-web', PORTAL_NIC_NSG)
    .vmss('vmss-web', {
      nicNsg: 'nsg-vmss-web',
      instances: [
        { id: 0 },
        {
          id: 1,
          guest: {
            firewallTool: 'ufw',
            firewall: [
              { action: 'allow', protocol: 'tcp', port: 22 },
              { action: 'deny', protocol: 'tcp', port: 80 },
            ],
          },
        },
        { id: 3 },
      ],
    })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'vmss-web/0': [], 'vmss-web/1': ['guest-firewall-blocks-probe'], 'vmss-web/3': [] },
    });
}

function ipBasedPool(): ScenarioBuilder {
  return scenario('ip-based-pool', { resourceGroup: 'rg-web-prod' })
    .description(
      'pool-web is an IP-based pool: members are loadBalancerBackendAddresses (ipAddress + virtualNetwork) 10.10.1.4-6, ' +
        'and the NICs do not point back at the pool. The members must be resolved to NIC IP configurations by address in ' +
        'the VNet. nginx on web-2 (10.10.1.6) was stopped and nothing listens on 80. Expected: web-2 not-listening; web-0 ' +
        'and web-1 healthy. Backends are keyed by the NIC IP configuration the address resolves to.',
    )
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web', '10.10.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', WEB_BASELINE)
    .lb({
      name: 'lb-web-prod',
      probe: { protocol: 'Http', port: 80, path: '/healthz' },
      rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 },
      pool: { name: 'pool-web', membership: 'ip' },
    })
    .vm('web-0')
    .vm('web-1')
    .vm('web-2', {
      guest: { listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }], http: [] },
    })
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': [], 'web-2': ['not-listening'] },
    });
}

function sharedNsgTwoLbs(): ScenarioBuilder {
  const evidence = {
    nsg: 'nsg-snet-shared',
    ruleName: 'DenyDirectAccessToWebAndApi',
    priority: 3000,
    level: 'subnet',
  };
  return scenario('shared-nsg-two-lbs', { resourceGroup: 'rg-shop-prod' })
    .description(
      'Two internal load balancers behind an Application Gateway: lbi-web (TCP probe 80) and lbi-api (HTTPS probe /status ' +
        'on 8443). All four backends share snet-shared, whose NSG allows 80/8443 from the gateway subnet (2900) and then ' +
        'denies 80/8443 from anywhere (DenyDirectAccessToWebAndApi, 3000) to force traffic through the gateway. The probe ' +
        'comes from 168.63.129.16, not the gateway subnet, so both probes are denied. Expected for lbi-web: web-0, web-1 ' +
        'nsg-blocks-probe (subnet, 3000); for lbi-api (alsoExpect): api-0, api-1 the same. Fixing one load balancer (an ' +
        'allow for AzureLoadBalancer on its own probe port) must not claim to fix the other.',
    )
    .vnet('vnet-shop-prod', ['10.40.0.0/16'])
    .subnet('snet-appgw', '10.40.0.0/24')
    .subnet('snet-shared', '10.40.1.0/24', { nsg: 'nsg-snet-shared' })
    .nsg('nsg-snet-shared', [
      {
        name: 'AllowAppGatewayToWebAndApi',
        priority: 2900,
        access: 'Allow',
        protocol: 'Tcp',
        source: '10.40.0.0/24',
        ports: ['80', '8443'],
      },
      {
        name: 'DenyDirectAccessToWebAndApi',
        priority: 3000,
        access: 'Deny',
        protocol: '*',
        source: '*',
        ports: ['80', '8443'],
        description: 'Force all traffic through the Application Gateway',
      },
    ])
    .lb({
      name: 'lbi-web',
      frontend: { name: 'fe-web', subnet: 'snet-shared', privateIp: '10.40.1.100' },
      probe: { protocol: 'Tcp', port: 80 },
      rule: { name: 'rule-http', frontendPort: 80, backendPort: 80 },
      pool: 'pool-web',
    })
    .lb({
      name: 'lbi-api',
      frontend: { name: 'fe-api', subnet: 'snet-shared', privateIp: '10.40.1.101' },
      probe: { protocol: 'Https', port: 8443, path: '/status' },
      rule: { name: 'rule-api', frontendPort: 8443, backendPort: 8443 },
      pool: 'pool-api',
    })
    .vm('web-0', { subnet: 'snet-shared' })
    .vm('web-1', { subnet: 'snet-shared' })
    .vm('api-0', { subnet: 'snet-shared', pools: [{ lb: 'lbi-api', pool: 'pool-api' }] })
    .vm('api-1', { subnet: 'snet-shared', pools: [{ lb: 'lbi-api', pool: 'pool-api' }] })
    .expect({
      loadBalancer: 'lbi-web',
      verdict: 'action-required',
      fixVerdict: 'resolved',
      causes: [],
      backends: { 'web-0': ['nsg-blocks-probe'], 'web-1': ['nsg-blocks-probe'] },
      evidence: { 'web-0': { 'nsg-blocks-probe': evidence }, 'web-1': { 'nsg-blocks-probe': evidence } },
    })
    .expect({
      loadBalancer: 'lbi-api',
      verdict: 'action-required',
      fixVerdict: 'resolved',
      causes: [],
      backends: { 'api-0': ['nsg-blocks-probe'], 'api-1': ['nsg-blocks-probe'] },
      evidence: { 'api-0': { 'nsg-blocks-probe': evidence }, 'api-1': { 'nsg-blocks-probe': evidence } },
    });
}

function busyRunCommand(): ScenarioBuilder {
  return webTier('busy-run-command')
    .description(
      "web-0's nftables baseline rejects TCP 80 (inet filter input: tcp dport 80 reject), and its Run Command extension is " +
        'busy with another script the first time probe-doctor asks (409 "Run command extension execution is in progress"). ' +
        'probe-doctor must wait and retry, not give up or report unknown. Expected: web-0 guest-firewall-blocks-probe; web-1 ' +
        'and web-2 healthy.',
    )
    .vm('web-0', {
      guest: {
        runCommandBusyTimes: 1,
        firewallTool: 'nftables',
        firewall: [
          { action: 'allow', protocol: 'tcp', port: 22 },
          { action: 'reject', protocol: 'tcp', port: 80 },
        ],
      },
    })
    .vm('web-1')
    .vm('web-2')
    .expect({
      verdict: 'action-required',
      // Default policy: nothing here is an automatic fix (opt-in fixes are off), so --fix leaves the change to the customer (action-required).
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': ['guest-firewall-blocks-probe'], 'web-1': [], 'web-2': [] },
    });
}

/**
 * SQL Server Always On availability group listener on an internal Standard LB (Microsoft's documented
 * setup: floating IP on the listener port, a TCP probe on the cluster's probe port, 59999): the
 * cluster IP resource answers the probe only on the node that holds the primary replica.
 */
function agListener(): ScenarioBuilder {
  const sql = (probePort: boolean) => ({
    os: 'windows' as const,
    guest: {
      listening: [
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 3389, process: 'svchost' },
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 1433, process: 'sqlservr' },
        ...(probePort ? [{ protocol: 'tcp' as const, address: '0.0.0.0', port: 59999, process: 'rhs' }] : []),
      ],
      http: [],
    },
  });
  return scenario('ag-listener-passive-node', { resourceGroup: 'rg-sql-prod' })
    .description(
      'A two-node SQL Server Always On availability group behind an internal Standard load balancer, as Microsoft documents ' +
        'it: the listener rule 1433 -> 1433 with floating IP, a TCP probe on 59999, the port the cluster IP resource opens only ' +
        'on the node holding the primary replica. sql-0 is primary and answers the probe; sql-1 is secondary and does not ' +
        'listen on 59999, so the load balancer sends the listener traffic to sql-0 only. That is by design. Expected: verdict ' +
        'healthy, no causes, nothing to fix, no ticket; sql-1 reported expected-down, and no advice to move the probe.',
    )
    .vnet('vnet-sql-prod', ['10.50.0.0/16'])
    .subnet('snet-sql', '10.50.1.0/24', { nsg: 'nsg-snet-sql' })
    .nsg('nsg-snet-sql', [
      {
        name: 'AllowSqlFromApp',
        priority: 1000,
        access: 'Allow',
        protocol: 'Tcp',
        source: '10.50.2.0/24',
        ports: ['1433'],
        description: 'SQL from the app subnet',
      },
    ])
    .lb({
      name: 'lbi-sql-ag',
      sku: 'Standard',
      frontend: { public: false, subnet: 'snet-sql', privateIp: '10.50.1.10' },
      probe: { protocol: 'Tcp', port: 59999 },
      rule: { name: 'rule-ag-listener', frontendPort: 1433, backendPort: 1433, enableFloatingIP: true },
    })
    .vm('sql-0', { zone: '1', ...sql(true) })
    .vm('sql-1', { zone: '2', ...sql(false) })
    .expect({
      verdict: 'healthy',
      fixVerdict: 'healthy',
      causes: [],
      backends: { 'sql-0': [], 'sql-1': [] },
    });
}

/** kube-proxy's health check answer (kubernetes/kubernetes pkg/proxy/healthcheck/service_health.go). */
export function kubeProxyHealthBody(namespace: string, name: string, localEndpoints: number): string {
  return `{"service": {"namespace": "${namespace}", "name": "${name}"}, "localEndpoints": ${localEndpoints}, "serviceProxyHealthy": true}`;
}

/**
 * An AKS Service with externalTrafficPolicy: Local, two replicas' worth of nodes: pods on node 0 only.
 * `podsOn` lists the instances that run a ready pod of the Service.
 */
export function aksEtpLocal(name: string, podsOn: number[]): ScenarioBuilder {
  const uid = 'a6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
  const node = (id: number) => ({
    id,
    guest: {
      os: 'linux' as const,
      listening: [
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
        { protocol: 'tcp' as const, address: '::', port: 10250, process: 'kubelet' },
        { protocol: 'tcp' as const, address: '::', port: 32080, process: 'kube-proxy' },
      ],
      http: [
        {
          port: 32080,
          path: '/healthz',
          status: podsOn.includes(id) ? 200 : 503,
          body: kubeProxyHealthBody('shop', 'storefront', podsOn.includes(id) ? 1 : 0),
        },
      ],
    },
  });
  return scenario(name, { resourceGroup: 'MC_rg-shop-aks_aks-shop_westeurope' })
    .vnet('aks-vnet-31415926', ['10.224.0.0/12'])
    .subnet('aks-subnet', '10.224.0.0/16', { nsg: 'aks-agentpool-31415926-nsg' })
    .nsg('aks-agentpool-31415926-nsg', [
      {
        name: `${uid}-TCP-80-Internet`,
        priority: 500,
        access: 'Allow',
        protocol: 'Tcp',
        source: 'Internet',
        ports: '80',
        destination: '20.61.14.7',
      },
    ])
    .lb({
      name: 'kubernetes',
      sku: 'Standard',
      probe: { name: `${uid}-TCP-80`, protocol: 'Http', port: 32080, path: '/healthz' },
      rule: { name: `${uid}-TCP-80`, frontendPort: 80, backendPort: 80, enableFloatingIP: true },
      pool: 'kubernetes',
    })
    .vmss('aks-nodepool1-31415926-vmss', { subnet: 'aks-subnet', instances: [0, 1, 2].map(node) });
}

function aksEtpLocalNoEndpoint(): ScenarioBuilder {
  return aksEtpLocal('aks-etp-local-no-endpoint', [0])
    .description(
      'An AKS LoadBalancer Service storefront (namespace shop) with externalTrafficPolicy: Local and one ready pod, on node 0 of ' +
        "three. As the cloud provider documents it, the load balancer probes the Service's healthCheckNodePort (here 32080, HTTP " +
        '/healthz), which kube-proxy serves on every node: 200 where the node runs a ready pod of the Service, else 503 with a body ' +
        'counting "localEndpoints": 0 (kubernetes/kubernetes pkg/proxy/healthcheck/service_health.go; Kubernetes docs, "Preserving ' +
        'the client source IP"), so that traffic only reaches nodes that can serve it without a second hop. Nodes 1 and 2 fail the ' +
        'probe on purpose. Expected: healthy in both modes, no causes, nothing written, no ticket; nodes 1 and 2 reported ' +
        'expected-down.',
    )
    .expect({
      verdict: 'healthy',
      fixVerdict: 'healthy',
      causes: [],
      backends: {
        'aks-nodepool1-31415926-vmss/0': [],
        'aks-nodepool1-31415926-vmss/1': [],
        'aks-nodepool1-31415926-vmss/2': [],
      },
    });
}

function applianceProbeOnSsh(): ScenarioBuilder {
  const nva = () => ({
    os: 'linux' as const,
    listening: [{ protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' }],
    http: [],
  });
  return scenario('appliance-probe-on-ssh', { resourceGroup: 'rg-hub-nva' })
    .description(
      'Two network virtual appliances behind an internal Standard load balancer with an HA ports rule (protocol All, ' +
        "frontend and backend port 0), as Microsoft documents for NVAs; the probe is TCP 22, the appliances' SSH. Both answer " +
        "SSH, so the probe is up on both, whatever their data path does. Microsoft's design guidance (custom probe overview, " +
        '"Design guidance"): with HA ports "a single health probe response must reflect the status of the entire instance", ' +
        "and for NVAs the probe should check the appliance's own health signal. Expected: healthy in both modes, nothing " +
        'written, and a probe-design note (advice, not a fault) that SSH says nothing of the data path; the rule is read ' +
        'as HA ports, not as "backend port 0".',
    )
    .vnet('vnet-hub', ['10.100.0.0/16'])
    .subnet('snet-nva', '10.100.1.0/24', { nsg: 'nsg-snet-nva' })
    .nsg('nsg-snet-nva', [
      {
        name: 'AllowSpokesInbound',
        priority: 1000,
        access: 'Allow',
        protocol: '*',
        source: '10.0.0.0/8',
        ports: '*',
        description: 'Spoke traffic through the appliances',
      },
    ])
    .lb({
      name: 'lbi-nva',
      sku: 'Standard',
      frontend: { public: false, subnet: 'snet-nva', privateIp: '10.100.1.10' },
      probe: { name: 'probe-ssh', protocol: 'Tcp', port: 22 },
      rule: { name: 'rule-ha-ports', protocol: 'All', frontendPort: 0, backendPort: 0 },
    })
    .vm('nva-0', { zone: '1', guest: nva() })
    .vm('nva-1', { zone: '2', guest: nva() })
    .expect({
      verdict: 'healthy',
      fixVerdict: 'healthy',
      causes: [],
      backends: { 'nva-0': [], 'nva-1': [] },
    });
}

function aksIngressProbePath(): ScenarioBuilder {
  const uid = 'a0f1e2d3c4b5a69788796a5b4c3d2e1f';
  const node = (id: number) => ({
    id,
    guest: {
      os: 'linux' as const,
      listening: [
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
        { protocol: 'tcp' as const, address: '::', port: 10250, process: 'kubelet' },
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 31080, process: 'kube-proxy' },
      ],
      // ingress-nginx's default backend answers 404 to any request no Ingress matches (every Ingress
      // here names a host); its own health path answers 200.
      http: [
        {
          port: 31080,
          path: '/',
          status: 404,
          body: '<html><head><title>404 Not Found</title></head></html>',
        },
        { port: 31080, path: '/healthz', status: 200 },
      ],
    },
  });
  return scenario('aks-ingress-probe-path', { resourceGroup: 'MC_rg-web-aks_aks-web_westeurope' })
    .description(
      'AKS 1.24+: the cloud provider makes an HTTP probe for a Service port whose appProtocol is http, on path / by default ' +
        '(Azure/AKS#2903, #3210; cloud-provider-azure "LoadBalancer annotations"). ingress-nginx, whose Ingresses all name a ' +
        'host, answers / with 404 (its default backend) on every node, so every node is probed down and the site is dark. ' +
        'The documented fix is the Service annotation service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path=' +
        '/healthz (AKS "Create an ingress controller", basic configuration), not an edit of the probe, which the cloud provider ' +
        'rewrites. Expected: every node probe-endpoint-error (404), no write in either mode, the next step names the annotation.',
    )
    .vnet('aks-vnet-27182818', ['10.224.0.0/12'])
    .subnet('aks-subnet', '10.224.0.0/16', { nsg: 'aks-agentpool-27182818-nsg' })
    .nsg('aks-agentpool-27182818-nsg', [
      {
        name: `${uid}-TCP-80-Internet`,
        priority: 500,
        access: 'Allow',
        protocol: 'Tcp',
        source: 'Internet',
        ports: '80',
        destination: '20.50.60.70',
      },
    ])
    .lb({
      name: 'kubernetes',
      sku: 'Standard',
      probe: { name: `${uid}-TCP-80`, protocol: 'Http', port: 31080, path: '/' },
      rule: { name: `${uid}-TCP-80`, frontendPort: 80, backendPort: 80, enableFloatingIP: true },
      pool: 'kubernetes',
    })
    .vmss('aks-nodepool1-27182818-vmss', { subnet: 'aks-subnet', instances: [0, 1].map(node) })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: {
        'aks-nodepool1-27182818-vmss/0': ['probe-endpoint-error'],
        'aks-nodepool1-27182818-vmss/1': ['probe-endpoint-error'],
      },
    });
}

function aksManagedNsgDeny(): ScenarioBuilder {
  const uid = 'a1c2e3a4b5c6d7e8f9a0b1c2d3e4f5a6';
  const node = (id: number) => ({
    id,
    guest: {
      os: 'linux' as const,
      listening: [
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
        { protocol: 'tcp' as const, address: '0.0.0.0', port: 30443, process: 'kube-proxy' },
      ],
      http: [],
    },
  });
  return scenario('aks-managed-nsg-deny', { resourceGroup: 'MC_rg-pay-aks_aks-pay_northeurope' })
    .description(
      'A hand-made deny-all (priority 4000) in the AKS-managed NSG aks-agentpool-31415926-nsg of the node resource group: it ' +
        "drops the TCP probe to the Service's node port 30443 on every node. AKS documents that resources in the node resource " +
        'group must not be changed by hand ("Changes made directly to resources in the node resource group can affect cluster ' +
        'operations"), and the cloud provider rewrites that NSG. Expected: every node nsg-blocks-probe (the NSG, rule ' +
        'deny-all-inbound-manual, 4000); in fix mode nothing is written there: the fix is skipped with the rule to remove, and the ' +
        'run ends action-required for the customer.',
    )
    .vnet('aks-vnet-31415926', ['10.224.0.0/12'])
    .subnet('aks-subnet', '10.224.0.0/16', { nsg: 'aks-agentpool-31415926-nsg' })
    .nsg('aks-agentpool-31415926-nsg', [
      {
        name: `${uid}-TCP-443-Internet`,
        priority: 500,
        access: 'Allow',
        protocol: 'Tcp',
        source: 'Internet',
        ports: '443',
        destination: '20.80.90.100',
      },
      {
        name: 'deny-all-inbound-manual',
        priority: 4000,
        access: 'Deny',
        protocol: '*',
        source: '*',
        ports: '*',
        description: 'added by hand during a hardening review',
      },
    ])
    .lb({
      name: 'kubernetes',
      sku: 'Standard',
      probe: { name: `${uid}-TCP-443`, protocol: 'Tcp', port: 30443 },
      rule: { name: `${uid}-TCP-443`, frontendPort: 443, backendPort: 443, enableFloatingIP: true },
      pool: 'kubernetes',
    })
    .vmss('aks-nodepool1-31415926-vmss', { subnet: 'aks-subnet', instances: [0, 1].map(node) })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: {
        'aks-nodepool1-31415926-vmss/0': ['nsg-blocks-probe'],
        'aks-nodepool1-31415926-vmss/1': ['nsg-blocks-probe'],
      },
    });
}

function multiProbeNode(): ScenarioBuilder {
  const web = (https: number) => ({
    os: 'linux' as const,
    listening: [
      { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, process: 'sshd' },
      { protocol: 'tcp' as const, address: '0.0.0.0', port: 80, process: 'nginx' },
      { protocol: 'tcp' as const, address: '0.0.0.0', port: 443, process: 'nginx' },
    ],
    http: [
      { port: 80, path: '/healthz', status: 200 },
      { port: 443, path: '/ready', status: https },
    ],
  });
  return scenario('multi-probe-node', { resourceGroup: 'rg-portal-prod' })
    .description(
      "Each web VM sits behind two rules with two probes: HTTP 80 /healthz and HTTPS 443 /ready. On web-1 the app's " +
        '/ready answers 503 (its database pool is exhausted) while /healthz answers 200: the 443 rule has web-1 down, the 80 ' +
        'rule has it up. A backend is probed once per (protocol, port, path), and per-rule health is per rule (Load Balancer ' +
        'health status docs). Expected: web-1 probe-endpoint-error for the HTTPS probe only, with its own evidence (port 443, ' +
        'status 503), from the one Run Command on web-1; web-0 healthy.',
    )
    .vnet('vnet-portal', ['10.70.0.0/16'])
    .subnet('snet-web', '10.70.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', WEB_BASELINE)
    .lb({
      name: 'lb-portal',
      sku: 'Standard',
      probes: [
        { name: 'probe-http-healthz', protocol: 'Http', port: 80, path: '/healthz' },
        { name: 'probe-https-ready', protocol: 'Https', port: 443, path: '/ready' },
      ],
      rules: [
        { name: 'rule-http', frontendPort: 80, backendPort: 80, probe: 'probe-http-healthz' },
        { name: 'rule-https', frontendPort: 443, backendPort: 443, probe: 'probe-https-ready' },
      ],
    })
    .vm('web-0', { zone: '1', guest: web(200) })
    .vm('web-1', { zone: '2', guest: web(503) })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': [], 'web-1': ['probe-endpoint-error'] },
      evidence: { 'web-1': { 'probe-endpoint-error': { port: 443, status: 503 } } },
    });
}

/**
 * Issue 13 item 6: a fix that survives scale-out. Expectations written from the docs before the code:
 * the probe source is AzureLoadBalancer (168.63.129.16), which CIDR allows do not hold; a deny above
 * the defaults blocks it on both instances (load-balancer-troubleshoot-health-probe-status.md); a new
 * instance gets its NIC from the model, in the model's subnet, with the next free dynamic address
 * (virtual-machine-scale-sets-instance-ids.md, private-ip-addresses.md), so only a rule whose
 * destination holds the subnet admits it.
 */
/**
 * Scale set vmss-api behind lbi-api-prod, a hardening deny-all blocking the probe in its subnet's NSG:
 * the builder both scale set scenarios share. `named` is the file and its description; `asg`, the
 * application security group the scale set's model puts every instance in, if any.
 */
function vmssApi(named: { name: string; description: string }, asg?: string): ScenarioBuilder {
  const baseline = (deny: boolean): NsgRuleSpec[] => [
    {
      name: 'AllowApiFromClients',
      priority: 1000,
      access: 'Allow',
      protocol: 'Tcp',
      // A CIDR, not the VirtualNetwork tag: the tag would also cover 168.63.129.16 and admit the probe.
      source: '10.30.0.0/16',
      destination: '*',
      ports: ['8080'],
      description: 'API clients in vnet-api-prod',
    },
    ...(deny
      ? [
          {
            name: 'DenyAllInbound-Hardening',
            priority: 4000,
            access: 'Deny' as const,
            protocol: '*',
            source: '*',
            destination: '*',
            ports: '*',
            description: 'CIS hardening: deny everything not explicitly allowed (CHG0051877)',
          },
        ]
      : []),
  ];
  const built = scenario(named.name, { resourceGroup: 'rg-api-prod', location: 'westeurope' }).description(
    named.description,
  );
  if (asg) built.asg(asg);
  return built
    .vnet('vnet-api-prod', ['10.30.0.0/16'])
    .subnet('snet-api-a', '10.30.1.0/24', { nsg: 'nsg-snet-api-a' })
    .subnet('snet-api-b', '10.30.2.0/24', { nsg: 'nsg-snet-api-b' })
    .nsg('nsg-snet-api-a', baseline(true))
    .nsg('nsg-snet-api-b', baseline(false))
    .lb({
      name: 'lbi-api-prod',
      frontend: { name: 'fe-api', subnet: 'snet-api-b', privateIp: '10.30.2.100' },
      probe: {
        name: 'probe-api-health',
        protocol: 'Http',
        port: 8080,
        path: '/healthz',
        intervalInSeconds: 5,
        probeThreshold: 2,
        numberOfProbes: 2,
      },
      rule: { name: 'rule-api-http', frontendPort: 80, backendPort: 8080 },
      pool: 'pool-api',
    })
    .vmss('vmss-api', {
      subnet: 'snet-api-a',
      ...(asg ? { asgs: [asg] } : {}),
      instances: [
        { id: 0, ip: '10.30.1.4' },
        { id: 1, ip: '10.30.1.5' },
      ],
      newInstanceGuest: {},
    })
    .vm('vm-api-canary', { subnet: 'snet-api-b', ip: '10.30.2.4', zone: '1' })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'resolved',
      causes: [],
      backends: {
        'vmss-api/0': ['nsg-blocks-probe'],
        'vmss-api/1': ['nsg-blocks-probe'],
        'vm-api-canary': [],
      },
      evidence: {
        'vmss-api/0': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-api-a',
            ruleName: 'DenyAllInbound-Hardening',
            priority: 4000,
            level: 'subnet',
          },
        },
        'vmss-api/1': {
          'nsg-blocks-probe': {
            nsg: 'nsg-snet-api-a',
            ruleName: 'DenyAllInbound-Hardening',
            priority: 4000,
            level: 'subnet',
          },
        },
      },
    });
}

function vmssScaleOutAfterFix(): ScenarioBuilder {
  return vmssApi({
    name: 'vmss-scale-out-after-fix',
    description:
      'Internal Standard load balancer lbi-api-prod, HTTP probe GET /healthz on 8080, pool pool-api: a Uniform scale set ' +
      'vmss-api (instances 0 and 1 in snet-api-a 10.30.1.0/24; its model puts every instance there, in pool-api, no ASG) ' +
      'and vm-api-canary in snet-api-b (10.30.2.0/24). A CIS hardening change added DenyAllInbound-Hardening (priority 4000, ' +
      '* from *) to nsg-snet-api-a; its allow admits 8080 only from 10.30.0.0/16, which does not hold 168.63.129.16, so the ' +
      'probe falls to the deny before AllowAzureLoadBalancerInBound (65001). Expected: vmss-api/0 and /1 nsg-blocks-probe ' +
      '(subnet, DenyAllInbound-Hardening, 4000); vm-api-canary up (the peer). With --fix: resolved by an Allow for ' +
      'AzureLoadBalancer on TCP 8080 below 4000 whose destination is the subnet prefix 10.30.1.0/24, not the two addresses: ' +
      'the scale set adds instances there (next free dynamic address, pool and subnet from the model), and the blocking rule ' +
      'covers the whole subnet (*), so the subnet is never wider than what it denies. A scale-out by one after the fix ' +
      '(PATCH sku.capacity 3) adds instance 2 at 10.30.1.6, which the same rule admits: its probe comes Up and a second ' +
      'observe run is healthy with no new fix (test/e2e/scaleOut.test.ts).',
  });
}

function vmssAsgDenyBlocksProbe(): ScenarioBuilder {
  return vmssApi(
    {
      name: 'vmss-asg-deny-blocks-probe',
      description:
        'Internal Standard load balancer lbi-api-prod, HTTP probe GET /healthz on 8080, pool pool-api: a Uniform scale set ' +
        "vmss-api (instances 0 and 1 in snet-api-a 10.30.1.0/24) whose model puts every instance's NIC IP configuration in " +
        'the application security group asg-api (so a new instance joins it too), and vm-api-canary in snet-api-b ' +
        '(10.30.2.0/24, not in the group). A CIS hardening change added DenyAllInbound-Hardening (priority 4000, * from *) ' +
        'to nsg-snet-api-a; its allow admits 8080 only from 10.30.0.0/16, which does not hold 168.63.129.16, so the probe ' +
        'falls to the deny before AllowAzureLoadBalancerInBound (65001). Expected: vmss-api/0 and /1 nsg-blocks-probe ' +
        '(subnet, DenyAllInbound-Hardening, 4000); vm-api-canary up (the peer). With --fix: resolved by an Allow for ' +
        'AzureLoadBalancer on TCP 8080 below 4000 whose destination is the application security group asg-api (the scale ' +
        "set's model gives it to every instance, and the blocking rule covers the whole group), not the subnet or the two " +
        'addresses. A rule that names the group needs Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action ' +
        'on it beside the rule write ("Create, change, or delete a network security group", Permissions), so the derived ' +
        'role grants it in the fix phase (test/infra/role.test.ts).',
    },
    'asg-api',
  );
}

/** File name (without .json) -> builder. */
/** nginx 1.22.1's own 404 page, as it sends it (CRLF line ends). */
const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';

function httpProbeHostBinding404(): ScenarioBuilder {
  // The shop is an nginx server { server_name shop.contoso.com; } beside a default_server that answers 404.
  const hostOnly = {
    port: 80,
    path: '/healthz',
    status: 404,
    body: NGINX_404,
    hostBindings: [{ host: 'shop.contoso.com', status: 200, body: 'ok\n' }],
  };
  return webTier('http-probe-host-binding-404')
    .description(
      'Three Linux nginx servers, HTTP probe GET /healthz on 80. On web-0 the shop is configured as a name-based site only ' +
        '(server_name shop.contoso.com) and the default server answers 404 to everything else. HTTP probes send the ' +
        "backend's IP address as Host and the Host cannot be set (MicrosoftDocs/azure-docs#97795, #83656); only 200 is up " +
        '(custom probe overview), so web-0 is probed down with Down_Probe_HttpStatusCodeError while shop.contoso.com works ' +
        'in a browser. web-1 has the same site plus a catch-all default server that answers /healthz with 200 ("Catch-all ' +
        'Website is needed", #97795): up. web-2 serves /healthz for any Host: up. Expected: web-0 probe-endpoint-error whose ' +
        'evidence is 404 for Host 10.10.1.4 and 200 for Host shop.contoso.com, and a next step for a default site, never ' +
        'another port; nothing written in either mode.',
    )
    .vm('web-0', { zone: '1', guest: { http: [hostOnly] } })
    .vm('web-1', { zone: '2', guest: { http: [{ ...hostOnly, status: 200, body: 'ok\n' }] } })
    .vm('web-2', { zone: '3' })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': ['probe-endpoint-error'], 'web-1': [], 'web-2': [] },
      evidence: { 'web-0': { 'probe-endpoint-error': { status: 404, host: '10.10.1.4' } } },
    });
}

function httpsProbeSniRequired(): ScenarioBuilder {
  const tls = (requiresSni: boolean) => ({
    versions: ['1.2' as const, '1.3' as const],
    requiresSni,
    serverNames: ['shop.contoso.com'],
  });
  const site = (requiresSni: boolean) => ({
    http: [{ port: 443, path: '/healthz', status: 200, body: 'ok\n', tls: tls(requiresSni) }],
  });
  return scenario('https-probe-sni-required', { resourceGroup: 'rg-web-prod' })
    .vnet('vnet-web-prod', ['10.10.0.0/16'])
    .subnet('snet-web', '10.10.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', WEB_BASELINE)
    .lb({
      name: 'lb-web-prod',
      probe: { name: 'probe-https', protocol: 'Https', port: 443, path: '/healthz' },
      rule: { name: 'rule-https', frontendPort: 443, backendPort: 443 },
    })
    .description(
      'Three Linux nginx servers behind a Standard load balancer, HTTPS probe GET /healthz on 443. After a hardening change ' +
        'web-0 refuses TLS handshakes without a server name (nginx ssl_reject_handshake on its default server; only ' +
        'shop.contoso.com has a certificate). HTTPS probes send no SNI (MicrosoftDocs/azure-docs#97795), so the handshake ' +
        'fails and web-0 is probed down (Down_Probe_HttpEndpointUnreachable: TCP connects, the HTTP(S) session is ' +
        'rejected). web-1 and web-2 serve their certificate to any handshake (a self-signed or unnamed default is accepted ' +
        'by the probe, #97795) and offer TLS 1.2, the version probes negotiate (#107193): up. Expected: web-0 ' +
        'probe-endpoint-error naming the TLS alert and that the handshake with SNI shop.contoso.com succeeds; the next ' +
        'step is a default certificate for handshakes without SNI; nothing written in either mode.',
    )
    .vm('web-0', { zone: '1', guest: site(true) })
    .vm('web-1', { zone: '2', guest: site(false) })
    .vm('web-2', { zone: '3', guest: site(false) })
    .expect({
      verdict: 'action-required',
      fixVerdict: 'action-required',
      causes: [],
      backends: { 'web-0': ['probe-endpoint-error'], 'web-1': [], 'web-2': [] },
      evidence: { 'web-0': { 'probe-endpoint-error': { status: null, host: '10.10.1.4' } } },
    });
}

export const SHIPPED_SCENARIOS: Readonly<Record<string, () => ScenarioBuilder>> = {
  healthy,
  'nsg-deny-all-blocks-probe': nsgDenyAll,
  'wrong-port-listener': wrongPort,
  'vm-stopped': vmStopped,
  'agent-not-ready': agentNotReady,
  'http-probe-500': httpProbe500,
  'guest-firewall-drop': guestFirewallDrop,
  'nic-nsg-deny-lb-tag': nicNsgDenyLbTag,
  'nic-nsg-quarantine-denies-clients': nicNsgQuarantine,
  'secondary-nic-reply-route': secondaryNicReplyRoute,
  'udr-to-appliance-healthy': udrHealthy,
  'probe-misconfigured-http-port-25': probeMisconfigured,
  'empty-backend-pool': emptyPool,
  'hidden-failure-unknown': hiddenFailure,
  'deny-at-priority-100': denyAt100,
  'vmss-backend': vmssBackend,
  'ip-based-pool': ipBasedPool,
  'shared-nsg-two-lbs': sharedNsgTwoLbs,
  'busy-run-command': busyRunCommand,
  'faults-throttle': faultsThrottle,
  'admin-rule-blocks-probe': adminRuleBlocksProbe,
  'ag-listener-passive-node': agListener,
  'aks-etp-local-no-endpoint': aksEtpLocalNoEndpoint,
  'appliance-probe-on-ssh': applianceProbeOnSsh,
  'aks-ingress-probe-path': aksIngressProbePath,
  'aks-managed-nsg-deny': aksManagedNsgDeny,
  'multi-probe-node': multiProbeNode,
  'vmss-scale-out-after-fix': vmssScaleOutAfterFix,
  'vmss-asg-deny-blocks-probe': vmssAsgDenyBlocksProbe,
  'http-probe-host-binding-404': httpProbeHostBinding404,
  'https-probe-sni-required': httpsProbeSniRequired,
};

/** The JSON text of a shipped scenario, as committed. */
export function renderScenario(doc: ScenarioDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes every shipped scenario to `dir` (scenarios/). */
export async function writeShippedScenarios(dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const [file, build] of Object.entries(SHIPPED_SCENARIOS)) {
    const path = join(dir, `${file}.json`);
    await writeFile(path, renderScenario(build().build()), 'utf8');
    written.push(path);
  }
  return written;
}
